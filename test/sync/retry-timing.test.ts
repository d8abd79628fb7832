import { describe, expect, it } from 'vitest';
import { parseResetHeader, parseRetryAfter, throttleWait } from '../../src/sync/retry-timing.js';

const NOW = Date.parse('2026-11-24T09:00:00Z');

describe('Retry-After and reset headers', () => {
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:03 GMT', NOW)).toBe(3000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 08:59:00 GMT', NOW)).toBe(0); // in the past: go now
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('  ', NOW)).toBeUndefined();
  });

  it('reads reset headers as seconds left, epoch seconds or epoch milliseconds', () => {
    expect(parseResetHeader('2', NOW)).toBe(2000);
    expect(parseResetHeader(String(NOW / 1000 + 5), NOW)).toBe(5000);
    expect(parseResetHeader(String(NOW + 250), NOW)).toBe(250);
  });

  it('prefers Retry-After, then reset headers, then the window, then the fallback', () => {
    const opts = { resetHeaders: ['x-ratelimit-reset'], windowHeaders: ['x-hubspot-ratelimit-interval-milliseconds'], fallbackMs: 9999 };
    expect(throttleWait({ 'retry-after': '1', 'x-ratelimit-reset': '2' }, NOW, opts)).toEqual({ waitMs: 1000, from: 'retry-after' });
    expect(throttleWait({ 'x-ratelimit-reset': ['2'] }, NOW, opts)).toEqual({ waitMs: 2000, from: 'x-ratelimit-reset' });
    expect(throttleWait({ 'x-hubspot-ratelimit-interval-milliseconds': '10000' }, NOW, opts)).toEqual({ waitMs: 10000, from: 'x-hubspot-ratelimit-interval-milliseconds' });
    expect(throttleWait({}, NOW, opts)).toEqual({ waitMs: 9999, from: 'fallback' });
  });
});
