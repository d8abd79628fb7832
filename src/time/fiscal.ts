/**
 * Fiscal periods: months, fiscal quarters and fiscal years, where the fiscal year starts on the
 * first day of a configurable month (1 = January: the calendar year). Quarters are counted from
 * the fiscal year's start, so with a February start Q1 is February to April. A fiscal year is
 * named for the calendar year it ends in (February 2026 – January 2027 is FY2027), the usual
 * convention; with a January start that is the calendar year. Every step is Temporal's month
 * arithmetic on plain dates.
 */
import { Temporal } from 'temporal-polyfill';
import { dayNumberOf, plainOf, type DayNumber } from './calendar.js';

export type FiscalPeriodKind = 'month' | 'quarter' | 'year';
export const FISCAL_PERIOD_KINDS: readonly FiscalPeriodKind[] = ['month', 'quarter', 'year'];

const MONTHS: Record<FiscalPeriodKind, number> = { month: 1, quarter: 3, year: 12 };

export interface FiscalPeriod {
  kind: FiscalPeriodKind;
  /** First day and one-past-last day (day numbers). */
  fromDay: DayNumber;
  toDay: DayNumber;
  /** 'YYYY-MM-DD' of fromDay. */
  start: string;
  /** '2026-03', 'FY2027 Q1', 'FY2027'. */
  label: string;
}

function checkMonth(fiscalStartMonth: number): void {
  if (!Number.isInteger(fiscalStartMonth) || fiscalStartMonth < 1 || fiscalStartMonth > 12) {
    throw new RangeError(`A fiscal year starts in month 1 to 12 (got ${fiscalStartMonth}).`);
  }
}

/** Months from the fiscal year's start month to `month` (0..11). */
const monthsIntoYear = (month: number, fiscalStartMonth: number): number => (month - fiscalStartMonth + 12) % 12;

/** The fiscal period of `kind` containing `day`, shifted by `add` periods. */
export function fiscalPeriodOf(day: DayNumber, kind: FiscalPeriodKind, fiscalStartMonth: number, add = 0): FiscalPeriod {
  checkMonth(fiscalStartMonth);
  const p = plainOf(day).with({ day: 1 });
  const back = kind === 'month' ? 0 : monthsIntoYear(p.month, fiscalStartMonth) % MONTHS[kind];
  const first = p.subtract({ months: back }).add({ months: add * MONTHS[kind] });
  return periodFrom(first, kind, fiscalStartMonth);
}

function periodFrom(first: Temporal.PlainDate, kind: FiscalPeriodKind, fiscalStartMonth: number): FiscalPeriod {
  const next = first.add({ months: MONTHS[kind] });
  const into = monthsIntoYear(first.month, fiscalStartMonth);
  // The fiscal year's last month decides its name.
  const yearEnd = first.subtract({ months: into }).add({ months: 11 });
  const label =
    kind === 'month' ? first.toPlainYearMonth().toString() : kind === 'quarter' ? `FY${yearEnd.year} Q${Math.floor(into / 3) + 1}` : `FY${yearEnd.year}`;
  return { kind, fromDay: dayNumberOf(first), toDay: dayNumberOf(next), start: first.toString(), label };
}

/**
 * The fiscal period of `kind` that starts on `start` ('YYYY-MM-DD'), or a sentence saying why
 * no such period starts that day (not the 1st; a quarter or year starting in the wrong month).
 */
export function fiscalPeriodStarting(start: string, kind: FiscalPeriodKind, fiscalStartMonth: number): { ok: true; period: FiscalPeriod } | { ok: false; message: string } {
  checkMonth(fiscalStartMonth);
  let d: Temporal.PlainDate;
  try {
    d = Temporal.PlainDate.from(start, { overflow: 'reject' });
  } catch {
    return { ok: false, message: `"${start}" is not a date (YYYY-MM-DD).` };
  }
  if (d.day !== 1) return { ok: false, message: `a ${kind} starts on the 1st of a month (got ${start}).` };
  const into = monthsIntoYear(d.month, fiscalStartMonth);
  if (into % MONTHS[kind] !== 0) {
    const allowed = Array.from({ length: 12 / MONTHS[kind] }, (_, i) => monthName(((fiscalStartMonth - 1 + i * MONTHS[kind]) % 12) + 1));
    return {
      ok: false,
      message: `a fiscal ${kind} starts in ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')} (the fiscal year starts in ${monthName(fiscalStartMonth)}); got ${start}.`,
    };
  }
  return { ok: true, period: periodFrom(d, kind, fiscalStartMonth) };
}

const monthName = (m: number): string => Temporal.PlainDate.from({ year: 2001, month: m, day: 1 }).toLocaleString('en-US', { month: 'long' });
