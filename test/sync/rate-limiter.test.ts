import { describe, expect, it } from 'vitest';
import { RollingWindowLimiter } from '../../src/sync/rate-limiter.js';
import { virtualClock } from '../helpers/clock.js';

describe('rolling-window rate limiter', () => {
  it('never lets more than the limit start in any window, and loses little throughput', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter({ requests: 100, perMs: 10_000 }, clock);
    const starts: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const { done } = await limiter.acquire();
      starts.push(clock.now());
      await clock.sleep(3); // each request takes 3 ms
      done();
    }
    // Each answer arrives 3 ms after its start: the 101st start comes a full window after it.
    for (let i = 100; i < starts.length; i++) expect(starts[i]! - (starts[i - 100]! + 3)).toBeGreaterThan(10_000);
    const rate = 1000 / (clock.now() / 1000);
    expect(rate / 10).toBeGreaterThan(0.95); // allowed: 10 per second
  });

  it('holds everyone back after the CRM asks for a pause', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter({ requests: 100, perMs: 10_000 }, clock);
    limiter.blockUntil(1500);
    expect((await limiter.acquire()).waitedMs).toBe(1500);
    expect(clock.now()).toBe(1500);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new RollingWindowLimiter({ requests: 0, perMs: 1000 })).toThrow(RangeError);
  });
});
