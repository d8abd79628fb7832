import { describe, expect, it } from 'vitest';
import { CronSchedule, cronProblem } from '../../src/time/cron.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);

describe('cron slots in a time zone', () => {
  it('a daily 08:00 slot is at 08:00 local on both sides of the DST changes', () => {
    const ny = new CronSchedule('0 8 * * *', 'America/New_York');
    expect(ny.between(at('2026-03-06T23:00:00Z'), at('2026-03-09T23:00:00Z')).map(iso)).toEqual([
      '2026-03-07T13:00:00.000Z', // EST
      '2026-03-08T12:00:00.000Z', // EDT from 02:00 that morning
      '2026-03-09T12:00:00.000Z',
    ]);
    expect(ny.between(at('2026-10-30T23:00:00Z'), at('2026-11-02T23:00:00Z')).map(iso)).toEqual([
      '2026-10-31T12:00:00.000Z',
      '2026-11-01T13:00:00.000Z',
      '2026-11-02T13:00:00.000Z',
    ]);
    const berlin = new CronSchedule('0 8 * * *', 'Europe/Berlin');
    expect(berlin.between(at('2026-03-27T23:00:00Z'), at('2026-03-30T23:00:00Z')).map(iso)).toEqual([
      '2026-03-28T07:00:00.000Z',
      '2026-03-29T06:00:00.000Z',
      '2026-03-30T06:00:00.000Z',
    ]);
    expect(berlin.between(at('2026-10-23T23:00:00Z'), at('2026-10-26T23:00:00Z')).map(iso)).toEqual([
      '2026-10-24T06:00:00.000Z',
      '2026-10-25T07:00:00.000Z',
      '2026-10-26T07:00:00.000Z',
    ]);
  });

  it('a slot in the skipped hour runs once when the clock resumes; one in the repeated hour runs once', () => {
    const ny = new CronSchedule('30 2 * * *', 'America/New_York');
    // 8 March: 02:30 does not exist; it runs at 03:00 EDT (07:00Z), once.
    expect(ny.between(at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z')).map(iso)).toEqual(['2026-03-08T07:00:00.000Z']);
    // 1 November: 01:30 happens twice, 02:30 once.
    expect(ny.between(at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')).map(iso)).toEqual(['2026-11-01T07:30:00.000Z']);
    const repeated = new CronSchedule('30 1 * * *', 'America/New_York');
    expect(repeated.between(at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')).map(iso)).toEqual(['2026-11-01T05:30:00.000Z']);
    expect(ny.matches(at('2026-03-08T07:00:40Z'))).toBe(true);
    expect(ny.matches(at('2026-03-08T07:01:00Z'))).toBe(false);
  });

  it('next and previous slots from any instant, including the instant itself', () => {
    const weekdays = new CronSchedule('0 8 * * 1-5', 'Asia/Tokyo');
    // Friday 27 Nov 2026 09:00 JST -> next is Monday 30 Nov 08:00 JST.
    expect(iso(weekdays.next(at('2026-11-27T00:00:00Z')))).toBe('2026-11-29T23:00:00.000Z');
    expect(iso(weekdays.previous(at('2026-11-29T23:00:00Z'), 1))).toBe('2026-11-29T23:00:00.000Z');
    expect(iso(weekdays.previous(at('2026-11-29T23:00:00Z'), 2))).toBe('2026-11-26T23:00:00.000Z');
    expect(iso(weekdays.previous(at('2026-11-29T23:00:00Z'), 2, 24 * 3_600_000))).toBe(null);
    // A leap day is a weekday slot like any other (Tuesday 29 Feb 2028).
    expect(weekdays.between(at('2028-02-28T00:00:00Z'), at('2028-02-29T12:00:00Z')).map(iso)).toEqual(['2028-02-28T23:00:00.000Z']);
    expect(iso(new CronSchedule('0 9 29 2 *', 'UTC').next(at('2026-03-01T00:00:00Z'), 3 * 366 * 86_400_000))).toBe('2028-02-29T09:00:00.000Z');
  });

  it('says why an expression is not a schedule', () => {
    expect(cronProblem('*/15 * * * *')).toBeNull();
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
  });
});
