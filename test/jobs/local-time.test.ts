import { describe, expect, it } from 'vitest';
import { addDays, businessHoursBetween, localDay, previousBusinessDay, startOfLocalDay } from '../../src/jobs/local-time.js';

describe('local time', () => {
  it('puts an instant on its local day', () => {
    expect(localDay(new Date('2026-11-24T23:30:00Z'), 'UTC')).toBe('2026-11-24');
    expect(localDay(new Date('2026-11-24T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-25');
    expect(localDay(new Date('2026-11-24T03:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-23');
  });

  it('finds the start of a local day across DST changes', () => {
    expect(startOfLocalDay('2026-11-24', 'Europe/Berlin').toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(startOfLocalDay('2026-07-01', 'Europe/Berlin').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // The day the clocks go forward in Berlin (29 March 2026) still starts at local midnight.
    expect(startOfLocalDay('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('steps over weekends to the previous business day', () => {
    expect(previousBusinessDay('2026-11-23')).toBe('2026-11-20'); // Monday -> Friday
    expect(previousBusinessDay('2026-11-24')).toBe('2026-11-23');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('counts hours without weekends', () => {
    // Friday 12:00 -> Monday 12:00 is 72 hours, of which 24 are on working days.
    expect(businessHoursBetween(new Date('2026-11-20T12:00:00Z'), new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe(24);
    // Tuesday 09:00 -> Thursday 10:00: 49 hours, all on working days.
    expect(businessHoursBetween(new Date('2026-11-17T09:00:00Z'), new Date('2026-11-19T10:00:00Z'), 'UTC')).toBe(49);
    // A whole weekend counts as nothing.
    expect(businessHoursBetween(new Date('2026-11-21T00:00:00Z'), new Date('2026-11-23T00:00:00Z'), 'UTC')).toBe(0);
  });
});
