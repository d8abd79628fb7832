/**
 * The CRM's company currency and exchange rates (migration 004_money): written after a sync (or a
 * CSV import with --rates), read when deal facts convert amounts into the reporting currency.
 */
import type { Db } from './db.js';
import type { MoneySettings, RateRow } from '../src/metrics/money.js';

export interface CurrencySettingsRow extends MoneySettings {
  /** Where the rates came from ('Salesforce CurrencyType', 'rates file …'); null when never saved. */
  source: string | null;
}

/** Replaces the CRM's base currency and rates with what it keeps now. */
export function saveCurrencySettings(db: Db, crm: string, money: MoneySettings, source: string, now: string): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO crm_currency (crm, base, source, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (crm) DO UPDATE SET base = excluded.base, source = excluded.source, updated_at = excluded.updated_at`,
    ).run(crm, money.base?.toUpperCase() ?? null, source, now);
    db.prepare('DELETE FROM currency_rates WHERE crm = ?').run(crm);
    const ins = db.prepare('INSERT OR REPLACE INTO currency_rates (crm, currency, start_date, end_date, per_base) VALUES (?, ?, ?, ?, ?)');
    for (const r of money.rates) ins.run(crm, r.currency.toUpperCase(), r.startDate ?? '', r.endDate, r.perBase);
  })();
}

export function loadCurrencySettings(db: Db, crm: string): CurrencySettingsRow {
  const head = db.prepare('SELECT base, source FROM crm_currency WHERE crm = ?').get(crm) as { base: string | null; source: string } | undefined;
  const rates = (
    db.prepare('SELECT currency, start_date AS startDate, end_date AS endDate, per_base AS perBase FROM currency_rates WHERE crm = ? ORDER BY currency, start_date').all(crm) as (Omit<RateRow, 'startDate'> & {
      startDate: string;
    })[]
  ).map((r) => ({ ...r, startDate: r.startDate === '' ? null : r.startDate }));
  return { base: head?.base ?? null, rates, source: head?.source ?? null };
}

/** The most common currency among live deals (null when no deal names one). */
export function mostCommonCurrency(db: Db, crm: string): string | null {
  return (
    (db
      .prepare(
        `SELECT currency FROM deals WHERE crm = ? AND deleted_at IS NULL AND currency IS NOT NULL
         GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1`,
      )
      .pluck()
      .get(crm) as string | undefined) ?? null
  );
}
