/**
 * Money in more than one currency: which currency reports are in, and how one deal's amount is
 * converted into it. Amounts of different currencies are never added; a deal whose currency has
 * no rate gets no converted amount (reports leave it out of totals and say so).
 *
 * Rates are relative to the CRM's base (company/corporate) currency, as Salesforce keeps them:
 * `perBase` units of the currency are worth one unit of the base. Dated rates apply to days
 * [startDate, endDate); an undated rate is the current one and covers every other day.
 */

export interface RateRow {
  currency: string;
  /** First day the rate applies ('YYYY-MM-DD'); null for the undated (current) rate. */
  startDate: string | null;
  /** First day it no longer applies; null when open-ended. */
  endDate: string | null;
  perBase: number;
}

export interface MoneySettings {
  /** The CRM's company currency (what the rates are relative to), when it has one. */
  base: string | null;
  rates: RateRow[];
}

/** The currency reports are in: the one asked for, else the CRM's company currency, else the most common, else USD. */
export function chooseReportingCurrency(asked: string | null | undefined, base: string | null, mostCommon: string | null): string {
  return (asked ?? base ?? mostCommon ?? 'USD').toUpperCase();
}

export interface AmountToConvert {
  amount: number | null;
  currency: string | null;
  /** The amount in the base currency as the CRM converted it (HubSpot), if known. */
  amountHome?: number | null;
  /** The day whose rate applies ('YYYY-MM-DD'): the expected or actual close date. */
  day: string | null;
}

export type Converter = (a: AmountToConvert) => { amount: number | null; currency: string | null; converted: boolean };

/**
 * A converter into `reporting`. A deal without a currency is in the CRM's only currency (the
 * base, or the reporting currency when the CRM names none). The result's `amount` is null when
 * the deal has an amount but no rate converts it (`converted` false).
 */
export function currencyConverter(reporting: string, money: MoneySettings): Converter {
  const byCurrency = new Map<string, RateRow[]>();
  for (const r of money.rates) {
    if (!(r.perBase > 0) || !Number.isFinite(r.perBase)) continue;
    const code = r.currency.toUpperCase();
    let list = byCurrency.get(code);
    if (!list) byCurrency.set(code, (list = []));
    list.push(r);
  }
  const base = money.base?.toUpperCase() ?? null;
  const perBase = (currency: string, day: string | null): number | null => {
    if (currency === base) return 1;
    const list = byCurrency.get(currency);
    if (!list) return null;
    if (day) {
      const dated = list.find((r) => r.startDate !== null && r.startDate <= day && (r.endDate === null || day < r.endDate));
      if (dated) return dated.perBase;
    }
    const undated = list.find((r) => r.startDate === null);
    if (undated) return undated.perBase;
    // Only dated rates, none covering the day: the nearest one.
    const sorted = [...list].sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    if (!first || !last) return null;
    return (day && day < (first.startDate ?? '') ? first : last).perBase;
  };
  return (a) => {
    const currency = (a.currency ?? base ?? reporting).toUpperCase();
    if (a.amount === null) return { amount: null, currency, converted: true };
    if (currency === reporting) return { amount: a.amount, currency, converted: true };
    if (base === reporting && a.amountHome !== null && a.amountHome !== undefined) return { amount: a.amountHome, currency, converted: true };
    const from = perBase(currency, a.day);
    const to = perBase(reporting, a.day);
    if (from === null || to === null) return { amount: null, currency, converted: false };
    return { amount: (a.amount / from) * to, currency, converted: true };
  };
}

/** A stable text of the settings (a change means every converted amount must be recomputed). */
export function moneySignature(reporting: string, money: MoneySettings): string {
  const rates = money.rates
    .map((r) => `${r.currency}@${r.startDate ?? ''}-${r.endDate ?? ''}=${r.perBase}`)
    .sort()
    .join(',');
  return `${reporting}|${money.base ?? ''}|${rates}`;
}

/**
 * A rates file for CSV imports: a header with `currency` and `rate` (and optionally `date`, the
 * first day the rate applies), one row per currency (and date). `rate` is what one unit of the
 * currency is worth in the base currency; the base currency is the one whose rate is 1.
 */
export function parseRatesFile(text: string): MoneySettings {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const first = lines[0];
  if (first === undefined) throw new Error('the rates file is empty');
  const sep = first.includes(';') && !first.includes(',') ? ';' : first.includes('\t') ? '\t' : ',';
  const head = first.split(sep).map((h) => h.trim().toLowerCase());
  const ci = head.indexOf('currency');
  const ri = head.findIndex((h) => h === 'rate' || h.startsWith('rate'));
  const di = head.findIndex((h) => h === 'date' || h === 'from' || h === 'start_date');
  if (ci < 0 || ri < 0) throw new Error('the rates file needs a header with "currency" and "rate" columns (e.g. "currency,rate")');
  const rows: { currency: string; rate: number; date: string | null; line: number }[] = [];
  lines.slice(1).forEach((l, i) => {
    const cells = l.split(sep).map((c) => c.trim());
    const currency = (cells[ci] ?? '').toUpperCase();
    const rate = Number((cells[ri] ?? '').replace(',', '.'));
    const date = di >= 0 && cells[di] ? cells[di] : null;
    if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`line ${i + 2}: "${cells[ci] ?? ''}" is not a three-letter currency code`);
    if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`line ${i + 2}: the rate for ${currency} must be a positive number`);
    if (date !== null && !/^\d{4}-\d\d-\d\d$/.test(date)) throw new Error(`line ${i + 2}: the date must be YYYY-MM-DD (got "${date}")`);
    rows.push({ currency, rate, date, line: i + 2 });
  });
  const bases = [...new Set(rows.filter((r) => r.rate === 1).map((r) => r.currency))];
  if (bases.length !== 1) {
    throw new Error(
      bases.length ? `more than one currency has rate 1 (${bases.join(', ')}): keep only the base currency at 1` : 'add a row for the base currency with rate 1 (e.g. "USD,1")',
    );
  }
  const base = bases[0] as string;
  const rates: RateRow[] = [];
  const byCurrency = new Map<string, typeof rows>();
  for (const r of rows) {
    if (r.currency === base) continue;
    const list = byCurrency.get(r.currency) ?? [];
    list.push(r);
    byCurrency.set(r.currency, list);
  }
  for (const [currency, list] of byCurrency) {
    const dated = list.filter((r) => r.date !== null).sort((a, b) => (a.date as string).localeCompare(b.date as string));
    for (const [i, r] of dated.entries()) rates.push({ currency, startDate: r.date, endDate: dated[i + 1]?.date ?? null, perBase: 1 / r.rate });
    for (const r of list.filter((x) => x.date === null)) rates.push({ currency, startDate: null, endDate: null, perBase: 1 / r.rate });
  }
  return { base, rates };
}
