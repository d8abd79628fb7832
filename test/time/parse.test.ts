import { describe, expect, it } from 'vitest';
import { describeSince, parseCalendarDate, parseInstant, parseSinceText } from '../../src/time/parse.js';

const instant = (text: string, tz = 'UTC') => {
  const r = parseInstant(text, tz);
  return r.ok ? r.value.toISOString() : r.message;
};

describe('dates typed by people', () => {
  it('refuses dates that do not exist, saying why', () => {
    expect(parseCalendarDate('2026-02-30')).toEqual({ ok: false, message: '2026-02-30 is not a real date (February 2026 has 28 days).' });
    expect(parseCalendarDate('2026-13-01')).toEqual({ ok: false, message: '2026-13-01 is not a real date (there is no month 13).' });
    expect(parseCalendarDate('2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
    expect(parseCalendarDate('2027-02-29').ok).toBe(false);
    expect(instant('2026-02-30')).toBe('"2026-02-30" is not a real date (February 2026 has 28 days).');
    expect(instant('2026-02-30T08:00:00Z')).toMatch(/not a real date/);
    expect(instant('2026-04-31T08:00+02:00')).toMatch(/April 2026 has 30 days/);
    expect(instant('2026-11-24T24:00')).toMatch(/not a real time/);
    expect(instant('yesterday')).toMatch(/not a date or time/);
  });

  it('an instant with a zone is that instant; without one it is read in the team zone', () => {
    expect(instant('2026-11-24T08:00:00Z', 'Asia/Tokyo')).toBe('2026-11-24T08:00:00.000Z');
    expect(instant('2026-11-24T08:00:00+09:00', 'UTC')).toBe('2026-11-23T23:00:00.000Z');
    expect(instant('2026-12-01T08:00', 'Asia/Tokyo')).toBe('2026-11-30T23:00:00.000Z');
    expect(instant('2026-12-01 08:00', 'Pacific/Honolulu')).toBe('2026-12-01T18:00:00.000Z');
    // A date alone is the start of that day in the team zone.
    expect(instant('2026-12-01', 'Asia/Tokyo')).toBe('2026-11-30T15:00:00.000Z');
    expect(instant('2028-02-29', 'Europe/Berlin')).toBe('2028-02-28T23:00:00.000Z');
    // A wall time skipped by DST moves forward by the gap.
    expect(instant('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
  });

  it('since windows: relative or a real date', () => {
    expect(parseSinceText('90d')).toEqual({ ok: true, value: { kind: 'relative', amount: 90, unit: 'd', text: '90d' } });
    expect(parseSinceText('2026-02-30')).toEqual({ ok: false, message: 'has an impossible date: 2026-02-30 is not a real date (February 2026 has 28 days).' });
    expect(parseSinceText('0d').ok).toBe(false);
    expect(parseSinceText('20y').ok).toBe(false);
    expect(describeSince({ kind: 'relative', amount: 3, unit: 'm', text: '3m' })).toBe('last 3 months');
  });
});
