/**
 * The sentence every surface (Slack, dashboard, CLI, chart subtitle) shows when deals were left
 * out of money totals because their currency has no exchange rate into the reporting currency.
 */
import type { ReportBase } from '../metrics/report-types.js';
import { formatCount, formatMoney } from './numbers.js';

export function moneyNote(r: Pick<ReportBase, 'currency' | 'unconverted'>, money: (v: number, currency: string) => string = formatMoney): string | null {
  const u = r.unconverted;
  if (!u?.deals) return null;
  const list = u.currencies.map((c) => `${c.currency} ${formatCount(c.deals)} (${money(c.amount, c.currency)})`).join(', ');
  return `${formatCount(u.deals)} ${u.deals === 1 ? 'deal' : 'deals'} in currencies with no exchange rate to ${r.currency} left out of money totals: ${list}.`;
}

/** "Amounts in USD" plus the note, for context lines. */
export function currencyLine(r: Pick<ReportBase, 'currency' | 'unconverted'>): string {
  const note = moneyNote(r);
  return `Amounts in ${r.currency}.${note ? ` ${note}` : ''}`;
}
