import { describe, expect, it } from 'vitest';
import { wrapLine } from '../../charts/frame.js';
import {
  chartConfig,
  currencyAffixes,
  describeFilters,
  formatHoursAgo,
  formatMoney,
  formatMonth,
  formatPercent,
  truncateLabel,
} from '../../charts/theme.js';

describe('formatMoney', () => {
  it('is compact with one decimal below 10 of a unit and none above', () => {
    expect(formatMoney(1_234_567, 'USD')).toBe('$1.2M');
    expect(formatMoney(12_345_678, 'USD')).toBe('$12M');
    expect(formatMoney(850_000, 'USD')).toBe('$850K');
    expect(formatMoney(4_500_000_000, 'USD')).toBe('$4.5B');
    expect(formatMoney(999, 'USD')).toBe('$999');
    expect(formatMoney(0, 'USD')).toBe('$0');
    expect(formatMoney(-2_500, 'USD')).toBe('-$2.5K');
  });
  it("uses the report's currency symbol", () => {
    expect(formatMoney(1_200_000, 'EUR')).toBe('€1.2M');
    expect(formatMoney(1_200_000, 'GBP')).toBe('£1.2M');
    expect(formatMoney(1_200_000, 'JPY')).toBe('¥1.2M');
    expect(formatMoney(1_200_000, 'CHF')).toBe('CHF 1.2M');
  });
  it('falls back to the code after the number for an unknown currency', () => {
    expect(currencyAffixes('XYZ1')).toEqual(['', ' XYZ1']);
    expect(formatMoney(1_500, 'XYZ1')).toBe('1.5K XYZ1');
  });
  it('puts the currency into the vega locale for axis formats', () => {
    expect(chartConfig('EUR').locale?.number?.currency).toEqual(['€', '']);
  });
});

describe('small formats', () => {
  it('formats fractions as percentages', () => {
    expect(formatPercent(0.34)).toBe('34%');
    expect(formatPercent(0.004)).toBe('0.4%');
    expect(formatPercent(null)).toBe('–');
  });
  it('formats hours since activity', () => {
    expect(formatHoursAgo(0.5)).toBe('<1h');
    expect(formatHoursAgo(30)).toBe('30h');
    expect(formatHoursAgo(72)).toBe('3d');
    expect(formatHoursAgo(24 * 30)).toBe('4w');
    expect(formatHoursAgo(null)).toBe('–');
  });
  it('formats months and filters', () => {
    expect(formatMonth('2026-12')).toBe('Dec 2026');
    expect(describeFilters({ pipeline: 'Enterprise', owner: 'Ana', since: '2026-06-01' })).toBe('Pipeline: Enterprise · Owner: Ana · since Jun 1, 2026');
    expect(describeFilters({})).toBe('');
  });
});

describe('truncateLabel and wrapLine', () => {
  it('keeps short names and cuts long ones at a word boundary with an ellipsis', () => {
    expect(truncateLabel('Negotiation')).toBe('Negotiation');
    expect(truncateLabel('Maximilian Alexander von Hohenberg', 14)).toBe('Maximilian…');
    expect(truncateLabel('Supercalifragilisticexpialidocious', 10)).toBe('Supercali…');
    expect(truncateLabel('Supercalifragilisticexpialidocious', 10)).toHaveLength(10);
  });
  it('never cuts an emoji sequence, a surrogate pair or a conjunct in half', () => {
    expect(truncateLabel('👨‍👩‍👧‍👦'.repeat(4), 14)).toBe('👨‍👩‍👧‍👦…');
    expect(truncateLabel('𠮷'.repeat(10), 6)).toBe('𠮷𠮷…');
    expect(truncateLabel('अनन्या शर्मा अनन्या शर्मा', 9)).toBe('अनन्या…');
  });
  it('wraps long subtitle lines at the separators', () => {
    const line = 'Pipeline: Enterprise renewals EMEA · Owner: Chloé Dubois-Lefebvre · as of Nov 24, 2026';
    const lines = wrapLine(line, 60);
    expect(lines).toEqual(['Pipeline: Enterprise renewals EMEA', 'Owner: Chloé Dubois-Lefebvre · as of Nov 24, 2026']);
    expect(wrapLine('short', 60)).toEqual(['short']);
  });
});
