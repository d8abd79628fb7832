import { describe, expect, it } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import {
  addDays,
  businessHoursBetween,
  dayNumberOf,
  dayOf,
  dayStart,
  dayToIso,
  daysBetween,
  isoToDay,
  isTimeZone,
  localDay,
  localTime,
  monthLabel,
  monthStart,
  offsetSpans,
  periodAt,
  periodStarts,
  previousBusinessDay,
  quarterStart,
  shiftDays,
  todayIn,
  wallTimeToInstant,
  weekStart,
} from '../../src/time/calendar.js';

const at = (iso: string) => new Date(iso);

describe('team calendar', () => {
  it('puts an instant on the team day', () => {
    expect(localDay(at('2026-11-24T23:30:00Z'), 'UTC')).toBe('2026-11-24');
    expect(localDay(at('2026-11-24T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-25');
    expect(localDay(at('2026-11-24T03:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-23');
    expect(localTime(at('2026-11-24T23:30:00Z'), 'Asia/Tokyo')).toBe('08:30');
  });

  it('day numbers are calendar dates, the same in every zone', () => {
    expect(isoToDay('1970-01-01')).toBe(0);
    expect(isoToDay('2026-12-01')).toBe(20788);
    expect(dayToIso(20788)).toBe('2026-12-01');
    // Counting agrees with Temporal's own arithmetic.
    expect(Temporal.PlainDate.from('1970-01-01').until('2028-02-29').days).toBe(isoToDay('2028-02-29'));
    expect(dayNumberOf(Temporal.PlainDate.from('1969-12-31'))).toBe(-1);
    expect(() => isoToDay('2026-02-30')).toThrow();
  });

  it('at 08:00 on 1 December in Tokyo it is December; at the same instant in Honolulu it is 30 November', () => {
    const now = at('2026-11-30T23:00:00Z'); // 08:00 JST on 1 Dec; 13:00 HST on 30 Nov
    expect(dayToIso(todayIn(now, 'Asia/Tokyo'))).toBe('2026-12-01');
    expect(dayToIso(todayIn(now, 'Pacific/Honolulu'))).toBe('2026-11-30');
    expect(dayToIso(todayIn(now, 'UTC'))).toBe('2026-11-30');
    const tokyo = periodAt(now, 'Asia/Tokyo', 'month');
    expect(dayToIso(tokyo.fromDay)).toBe('2026-12-01');
    expect(tokyo.from.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(tokyo.to.toISOString()).toBe('2026-12-31T15:00:00.000Z');
    const honolulu = periodAt(now, 'Pacific/Honolulu', 'month');
    expect(dayToIso(honolulu.fromDay)).toBe('2026-11-01');
    expect(honolulu.to.toISOString()).toBe('2026-12-01T10:00:00.000Z');
  });

  it('weeks start on Monday; months and quarters on their first day; a leap day is a day', () => {
    expect(dayToIso(weekStart(isoToDay('2026-06-21')))).toBe('2026-06-15'); // Sunday
    expect(dayToIso(weekStart(isoToDay('2026-06-15')))).toBe('2026-06-15'); // Monday
    expect(dayToIso(monthStart(isoToDay('2028-02-29')))).toBe('2028-02-01');
    expect(dayToIso(monthStart(isoToDay('2028-02-29'), 1))).toBe('2028-03-01');
    expect(monthStart(isoToDay('2028-02-29'), 1) - monthStart(isoToDay('2028-02-29'))).toBe(29);
    expect(monthLabel(isoToDay('2028-02-29'))).toBe('2028-02');
    expect(dayToIso(quarterStart(isoToDay('2026-11-24')))).toBe('2026-10-01');
    expect(dayToIso(quarterStart(isoToDay('2026-11-24'), 1))).toBe('2027-01-01');
    expect(periodStarts(isoToDay('2028-01-15'), isoToDay('2028-03-01'), 'month').map(dayToIso)).toEqual(['2028-01-01', '2028-02-01', '2028-03-01']);
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-29', 1)).toBe('2028-03-01');
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
  });

  it('finds the start of a team day across DST changes', () => {
    expect(dayStart('2026-11-24', 'Europe/Berlin').toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(dayStart('2026-07-01', 'Europe/Berlin').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // The days the clocks change in Berlin (29 March, 25 October 2026) still start at local midnight.
    expect(dayStart('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(dayStart('2026-03-30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(dayStart('2026-10-26', 'Europe/Berlin').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    // New York: 8 March and 1 November 2026.
    expect(dayStart('2026-03-09', 'America/New_York').getTime() - dayStart('2026-03-08', 'America/New_York').getTime()).toBe(23 * 3_600_000);
    expect(dayStart('2026-11-02', 'America/New_York').getTime() - dayStart('2026-11-01', 'America/New_York').getTime()).toBe(25 * 3_600_000);
    // A zone that skips midnight: Santiago's spring-forward day starts at 01:00.
    expect(dayStart('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('shifts by calendar days keeping the wall time, across DST', () => {
    expect(shiftDays(at('2026-03-09T12:00:00Z'), -1, 'America/New_York').toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(shiftDays(at('2026-03-09T12:00:00Z'), -2, 'America/New_York').toISOString()).toBe('2026-03-07T13:00:00.000Z');
    expect(shiftDays(at('2028-03-01T09:00:00Z'), -1, 'UTC').toISOString()).toBe('2028-02-29T09:00:00.000Z');
  });

  it('splits time at offset changes, so SQL can group instants by the team day', () => {
    const from = Math.floor(Date.parse('2026-03-01T00:00:00Z') / 1000);
    const to = Math.floor(Date.parse('2026-04-01T00:00:00Z') / 1000);
    const spans = offsetSpans(from, to, 'America/New_York');
    expect(spans.map((s) => [new Date(s.fromS * 1000).toISOString(), s.offsetS])).toEqual([
      ['2026-03-01T00:00:00.000Z', -5 * 3600],
      ['2026-03-08T07:00:00.000Z', -4 * 3600],
    ]);
    expect(spans[1]?.toS).toBe(to);
    // Within each span floor((t + offset) / 86400) is the team day.
    for (const t of [from, from + 86_399, Math.floor(Date.parse('2026-03-08T06:59:59Z') / 1000), Math.floor(Date.parse('2026-03-08T07:00:00Z') / 1000), to - 1]) {
      const span = spans.find((s) => t >= s.fromS && t < s.toS)!;
      expect(Math.floor((t + span.offsetS) / 86400)).toBe(dayOf(t * 1000, 'America/New_York'));
    }
    expect(offsetSpans(from, to, 'UTC')).toEqual([{ fromS: from, toS: to, offsetS: 0 }]);
  });

  it('reads wall-clock times in a zone, moving times in a DST gap forward', () => {
    expect(wallTimeToInstant(2026, 12, 1, 8, 0, 0, 'Asia/Tokyo').toISOString()).toBe('2026-11-30T23:00:00.000Z');
    expect(wallTimeToInstant(2026, 3, 8, 2, 30, 0, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(wallTimeToInstant(2026, 11, 1, 1, 30, 0, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(() => wallTimeToInstant(2026, 2, 30, 0, 0, 0, 'UTC')).toThrow();
    expect(() => wallTimeToInstant(2026, 2, 3, 0, 60, 0, 'UTC')).toThrow();
    // Every minute of the hours around both New York changes agrees with Temporal asked directly.
    for (const [day, hours] of [[8, [0, 1, 2, 3]], [1, [0, 1, 2, 3]]] as const) {
      const month = day === 8 ? 3 : 11;
      for (const h of hours)
        for (let mi = 0; mi < 60; mi += 7) {
          const direct = Temporal.PlainDateTime.from({ year: 2026, month, day, hour: h, minute: mi, second: 30 }).toZonedDateTime('America/New_York').epochMilliseconds;
          expect(wallTimeToInstant(2026, month, day, h, mi, 30, 'America/New_York').getTime()).toBe(direct);
        }
    }
    // Lord Howe Island moves its clocks by 30 minutes.
    const lh = Temporal.PlainDateTime.from('2026-04-05T01:45:00').toZonedDateTime('Australia/Lord_Howe').epochMilliseconds;
    expect(wallTimeToInstant(2026, 4, 5, 1, 45, 0, 'Australia/Lord_Howe').getTime()).toBe(lh);
  });

  it('steps over weekends to the previous business day', () => {
    expect(previousBusinessDay('2026-11-23')).toBe('2026-11-20'); // Monday -> Friday
    expect(previousBusinessDay('2026-11-24')).toBe('2026-11-23');
    expect(previousBusinessDay('2028-03-01')).toBe('2028-02-29'); // Wednesday -> leap day Tuesday
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('counts hours without weekends, in the team zone', () => {
    // Friday 12:00 -> Monday 12:00 is 72 hours, of which 24 are on working days.
    expect(businessHoursBetween(at('2026-11-20T12:00:00Z'), at('2026-11-23T12:00:00Z'), 'UTC')).toBe(24);
    // Tuesday 09:00 -> Thursday 10:00: 49 hours, all on working days.
    expect(businessHoursBetween(at('2026-11-17T09:00:00Z'), at('2026-11-19T10:00:00Z'), 'UTC')).toBe(49);
    // A whole weekend counts as nothing.
    expect(businessHoursBetween(at('2026-11-21T00:00:00Z'), at('2026-11-23T00:00:00Z'), 'UTC')).toBe(0);
    // The same weekend seen from Tokyo: Saturday starts at 15:00 UTC on Friday.
    expect(businessHoursBetween(at('2026-11-20T12:00:00Z'), at('2026-11-20T18:00:00Z'), 'Asia/Tokyo')).toBe(3);
    // A Friday-to-Monday span across the Berlin spring-forward weekend: Friday 12:00 to Monday 12:00 local.
    expect(businessHoursBetween(at('2026-03-27T11:00:00Z'), at('2026-03-30T10:00:00Z'), 'Europe/Berlin')).toBe(24);
  });

  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('Asia/Tokyo')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+09:00')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
