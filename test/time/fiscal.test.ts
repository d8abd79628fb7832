import { describe, expect, it } from 'vitest';
import { isoToDay } from '../../src/time/calendar.js';
import { fiscalPeriodOf, fiscalPeriodStarting } from '../../src/time/fiscal.js';

const at = (iso: string) => isoToDay(iso);

describe('fiscal periods', () => {
  it('calendar quarters and years with a January start', () => {
    const q = fiscalPeriodOf(at('2026-05-17'), 'quarter', 1);
    expect(q).toMatchObject({ start: '2026-04-01', label: 'FY2026 Q2', toDay: at('2026-07-01') });
    expect(fiscalPeriodOf(at('2026-05-17'), 'year', 1)).toMatchObject({ start: '2026-01-01', label: 'FY2026', toDay: at('2027-01-01') });
    expect(fiscalPeriodOf(at('2026-02-28'), 'month', 1)).toMatchObject({ start: '2026-02-01', label: '2026-02', toDay: at('2026-03-01') });
  });

  it('quarters starting in February: Q1 = Feb–Apr, and January belongs to the previous fiscal year', () => {
    const fsm = 2;
    expect(fiscalPeriodOf(at('2026-02-01'), 'quarter', fsm)).toMatchObject({ start: '2026-02-01', label: 'FY2027 Q1', toDay: at('2026-05-01') });
    expect(fiscalPeriodOf(at('2026-04-30'), 'quarter', fsm).start).toBe('2026-02-01');
    expect(fiscalPeriodOf(at('2026-12-05'), 'quarter', fsm)).toMatchObject({ start: '2026-11-01', label: 'FY2027 Q4', toDay: at('2027-02-01') });
    expect(fiscalPeriodOf(at('2027-01-31'), 'quarter', fsm)).toMatchObject({ start: '2026-11-01', label: 'FY2027 Q4' });
    expect(fiscalPeriodOf(at('2026-01-15'), 'year', fsm)).toMatchObject({ start: '2025-02-01', label: 'FY2026', toDay: at('2026-02-01') });
    // 89 days: Nov 30 + Dec 31 + Jan 31 (the quarter crosses the calendar year).
    const q4 = fiscalPeriodOf(at('2026-12-05'), 'quarter', fsm);
    expect(q4.toDay - q4.fromDay).toBe(30 + 31 + 31);
    // Shifting: the previous quarter of FY2027 Q1 is FY2026 Q4 (Nov 2025 – Jan 2026).
    expect(fiscalPeriodOf(at('2026-03-10'), 'quarter', fsm, -1)).toMatchObject({ start: '2025-11-01', label: 'FY2026 Q4' });
  });

  it('a February–April quarter in a leap year has 90 days', () => {
    const q = fiscalPeriodOf(at('2028-03-01'), 'quarter', 2);
    expect(q.toDay - q.fromDay).toBe(29 + 31 + 30);
  });

  it('accepts only real period starts, saying which months are allowed', () => {
    expect(fiscalPeriodStarting('2026-05-01', 'quarter', 2)).toMatchObject({ ok: true, period: { label: 'FY2027 Q2' } });
    const bad = fiscalPeriodStarting('2026-04-01', 'quarter', 2);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('February, May, August or November');
    const mid = fiscalPeriodStarting('2026-05-15', 'month', 2);
    expect(mid.ok).toBe(false);
    expect(fiscalPeriodStarting('2026-02-30', 'month', 1).ok).toBe(false);
    expect(fiscalPeriodStarting('2026-02-01', 'year', 2)).toMatchObject({ ok: true, period: { label: 'FY2027', toDay: at('2027-02-01') } });
  });
});
