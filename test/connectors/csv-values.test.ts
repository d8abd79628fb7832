import { describe, expect, it } from 'vitest';
import {
  detectDateOrder,
  detectDecimalMark,
  parseAmountCell,
  parseDateCell,
  parseFlagCell,
  parseStatusCell,
  wallTimeToUtc,
} from '../../src/connectors/csv-values.js';

describe('parseDateCell', () => {
  it.each([
    ['2026-03-14', 'ymd', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['2026-03-14 16:11', 'ymd', '2026-03-14', '2026-03-14T16:11:00.000Z'],
    ['2026-03-14T16:11:05.000+0000', 'ymd', '2026-03-14', '2026-03-14T16:11:05.000Z'],
    ['2026-03-14T16:11:05Z', 'ymd', '2026-03-14', '2026-03-14T16:11:05.000Z'],
    ['2026-03-14T18:11:05+02:00', 'ymd', '2026-03-14', '2026-03-14T16:11:05.000Z'],
    ['3/14/2026', 'mdy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['03/14/2026 4:11 PM', 'mdy', '2026-03-14', '2026-03-14T16:11:00.000Z'],
    ['3/14/2026 12:05 AM', 'mdy', '2026-03-14', '2026-03-14T00:05:00.000Z'],
    ['14/03/2026', 'dmy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['14/03/2026 16:11', 'dmy', '2026-03-14', '2026-03-14T16:11:00.000Z'],
    ['14.03.2026', 'dmy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['14-03-26', 'dmy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['14 Mar 2026', 'dmy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
    ['March 14, 2026', 'mdy', '2026-03-14', '2026-03-14T00:00:00.000Z'],
  ] as const)('%s (%s)', (raw, order, date, instant) => {
    expect(parseDateCell(raw, order, 'UTC')).toEqual({ date, instant });
  });

  it('reads the same cell differently by order', () => {
    expect(parseDateCell('03/04/2026', 'dmy', 'UTC')?.date).toBe('2026-04-03');
    expect(parseDateCell('03/04/2026', 'mdy', 'UTC')?.date).toBe('2026-03-04');
  });

  it('puts wall times without an offset in the team time zone, across DST', () => {
    // Berlin is UTC+1 in winter, UTC+2 in summer.
    expect(parseDateCell('2026-01-15 09:00', 'ymd', 'Europe/Berlin')?.instant).toBe('2026-01-15T08:00:00.000Z');
    expect(parseDateCell('2026-07-15 09:00', 'ymd', 'Europe/Berlin')?.instant).toBe('2026-07-15T07:00:00.000Z');
    expect(parseDateCell('3/14/2026', 'mdy', 'America/New_York')?.instant).toBe('2026-03-14T04:00:00.000Z');
    // The calendar date stays the one written.
    expect(parseDateCell('3/14/2026', 'mdy', 'America/New_York')?.date).toBe('2026-03-14');
    expect(new Date(wallTimeToUtc(2026, 3, 29, 12, 0, 0, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T10:00:00.000Z');
  });

  it('returns null for an empty cell and throws a row-report message for a bad one', () => {
    expect(parseDateCell('  ', 'ymd', 'UTC')).toBeNull();
    expect(() => parseDateCell('2026-02-30', 'ymd', 'UTC')).toThrow("'2026-02-30' is not a valid date");
    expect(() => parseDateCell('31/02/2026', 'dmy', 'UTC')).toThrow('(read as day/month/year)');
    expect(() => parseDateCell('03/25/2026', 'dmy', 'UTC')).toThrow('is not a valid date');
    expect(() => parseDateCell('soon', 'ymd', 'UTC')).toThrow("'soon' is not a date");
    expect(() => parseDateCell('14/03/2026', 'ymd', 'UTC')).toThrow('day/month order');
  });
});

describe('detectDateOrder', () => {
  it('tells the order from any date that can only be read one way', () => {
    expect(detectDateOrder(['03/04/2026', '14/03/2026'])).toBe('dmy');
    expect(detectDateOrder(['03/04/2026', '3/14/2026 4:11 PM'])).toBe('mdy');
    expect(detectDateOrder(['03/04/2026', '2026-03-14'])).toBeNull();
    expect(detectDateOrder(['14/03/2026', '3/14/2026'])).toBe('conflict');
  });
});

describe('parseAmountCell', () => {
  it.each([
    ['1234.5', '.', 1234.5, null],
    ['$1,234.50', '.', 1234.5, 'USD'],
    ['USD 140,000.00', '.', 140000, 'USD'],
    ['1.234,50 €', ',', 1234.5, 'EUR'],
    ['€1.234,50', ',', 1234.5, 'EUR'],
    ['1 234,50 EUR', ',', 1234.5, 'EUR'],
    ['1\u00a0234,50', ',', 1234.5, null],
    ["1'234.50 CHF", '.', 1234.5, 'CHF'],
    ['£980', '.', 980, 'GBP'],
    ['(1,200.00)', '.', -1200, null],
    ['-75', '.', -75, null],
    ['12,345,678', '.', 12345678, null],
    ['0', '.', 0, null],
  ] as const)('%s', (raw, mark, value, currency) => {
    expect(parseAmountCell(raw, mark)).toEqual({ value, currency });
  });

  it('rejects what is not money, including wrongly grouped thousands', () => {
    expect(parseAmountCell('', '.')).toBeNull();
    expect(() => parseAmountCell('TBD', '.')).toThrow("'TBD' is not an amount");
    expect(() => parseAmountCell('1,23,4', '.')).toThrow('is not an amount');
    expect(() => parseAmountCell('12k', '.')).toThrow('is not an amount');
  });
});

describe('detectDecimalMark', () => {
  it('votes on a column', () => {
    expect(detectDecimalMark(['$1,234.50', '980'])).toBe('.');
    expect(detectDecimalMark(['1.234,50 €', '980 €', '12,5'])).toBe(',');
    expect(detectDecimalMark(['1,234,567'])).toBe('.');
    expect(detectDecimalMark(['1.234.567'])).toBe(',');
    // "1,234" alone could be either: nothing tells.
    expect(detectDecimalMark(['1,234', '500'])).toBeNull();
  });
});

describe('flags and statuses', () => {
  it('reads booleans the way CRMs write them', () => {
    expect([parseFlagCell('TRUE'), parseFlagCell('false'), parseFlagCell('1'), parseFlagCell('0'), parseFlagCell('')]).toEqual([true, false, true, false, null]);
    expect(() => parseFlagCell('maybe')).toThrow('is not true or false');
  });
  it('reads Pipedrive statuses', () => {
    expect(['Open', 'Won', 'Lost', 'deleted', ''].map(parseStatusCell)).toEqual(['open', 'won', 'lost', 'deleted', null]);
    expect(() => parseStatusCell('Stalled')).toThrow('is not open, won or lost');
  });
});
