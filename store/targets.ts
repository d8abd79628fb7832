/**
 * The targets table: one amount per (period, scope, source). People's changes (Slack, CSV) are
 * audited in settings_audit like any setting; the target in effect for a period and scope is the
 * one from the highest-ranked source (TARGET_SOURCES: Slack, then CSV, then the CRM's own).
 */
import type { Db } from './db.js';
import { addAudit } from './settings.js';

/** Who set a target, highest precedence first. */
export const TARGET_SOURCES = ['slack', 'csv', 'hubspot', 'pipedrive', 'salesforce', 'demo'] as const;
export type TargetSource = (typeof TARGET_SOURCES)[number];
/** Sources that are a person's decision (audited); the others are synced from a CRM. */
export const PERSON_SOURCES: readonly TargetSource[] = ['slack', 'csv'];

export type TargetPeriodKind = 'month' | 'quarter' | 'year';
/**
 * 'team' is the whole company (the name predates team targets); 'sales_team' one named team
 * within it, its scope id 'crm:<CRM team id>' or 'slack:<id of a team set in Slack>' (never its
 * name, so a renamed team keeps its target: src/targets/team-scopes.ts).
 */
export type TargetScopeKind = 'team' | 'sales_team' | 'rep' | 'pipeline';

export interface TargetInput {
  periodKind: TargetPeriodKind;
  /** First day, 'YYYY-MM-DD'. */
  periodStart: string;
  /** One-past-last day, 'YYYY-MM-DD'. */
  periodEnd: string;
  scopeKind: TargetScopeKind;
  /** '' for the company, 'crm:<id>' or 'slack:<id>' for a named team, the CRM's owner id for a rep, its pipeline id for a pipeline. */
  scopeId: string;
  currency: string;
  amount: number;
}

export interface Target extends TargetInput {
  source: TargetSource;
  updatedAt: string;
  updatedBy: string | null;
}

export interface SaveResult {
  added: number;
  changed: number;
  unchanged: number;
}

const COLUMNS = `period_kind AS periodKind, period_start AS periodStart, period_end AS periodEnd, scope_kind AS scopeKind, scope_id AS scopeId,
  source, currency, amount, updated_at AS updatedAt, updated_by AS updatedBy`;

/** The audit `what` of a target: 'target:<crm>:<kind>:<start>:<scope kind>:<scope id>'. */
export const targetAuditKey = (crm: string, t: Pick<TargetInput, 'periodKind' | 'periodStart' | 'scopeKind' | 'scopeId'>): string =>
  `target:${crm}:${t.periodKind}:${t.periodStart}:${t.scopeKind}:${t.scopeId}`;

const rank = (s: TargetSource): number => TARGET_SOURCES.indexOf(s);

/** Every stored row of one period and scope (all sources), highest precedence first. */
function rowsOf(db: Db, crm: string, t: Pick<TargetInput, 'periodKind' | 'periodStart' | 'scopeKind' | 'scopeId'>): Target[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM targets WHERE crm = ? AND period_kind = ? AND period_start = ? AND scope_kind = ? AND scope_id = ?`)
    .all(crm, t.periodKind, t.periodStart, t.scopeKind, t.scopeId) as Target[];
  return rows.sort((a, b) => rank(a.source) - rank(b.source));
}

const shown = (t: Target | undefined) => (t ? { amount: t.amount, currency: t.currency, source: t.source } : null);

/**
 * Saves targets from one source in one transaction: all of them or none. A person's change
 * (Slack, CSV) writes one audit row per target whose value changed, with the target that was in
 * effect before (whatever its source) and the new one; a CRM's rows are not audited.
 */
export function saveTargets(db: Db, crm: string, rows: TargetInput[], by: { source: TargetSource; userId: string | null; now: Date }): SaveResult {
  const at = by.now.toISOString();
  const audited = PERSON_SOURCES.includes(by.source);
  const upsert = db.prepare(
    `INSERT INTO targets (crm, period_kind, period_start, period_end, scope_kind, scope_id, source, currency, amount, updated_at, updated_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, period_kind, period_start, scope_kind, scope_id, source) DO UPDATE SET
       period_end = excluded.period_end, currency = excluded.currency, amount = excluded.amount,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  const result: SaveResult = { added: 0, changed: 0, unchanged: 0 };
  db.transaction(() => {
    for (const r of rows) {
      const before = rowsOf(db, crm, r);
      const mine = before.find((t) => t.source === by.source);
      if (mine && mine.amount === r.amount && mine.currency === r.currency && mine.periodEnd === r.periodEnd) {
        result.unchanged++;
        continue;
      }
      upsert.run(crm, r.periodKind, r.periodStart, r.periodEnd, r.scopeKind, r.scopeId, by.source, r.currency, r.amount, at, by.userId);
      if (mine) result.changed++;
      else result.added++;
      if (audited) addAudit(db, at, by.userId ?? by.source, targetAuditKey(crm, r), shown(before[0]), { amount: r.amount, currency: r.currency, source: by.source });
    }
  })();
  return result;
}

/** The targets in effect for one period: per scope, the row of the highest-ranked source. */
export function effectiveTargets(db: Db, crm: string, periodKind: TargetPeriodKind, periodStart: string): Target[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM targets WHERE crm = ? AND period_kind = ? AND period_start = ?`).all(crm, periodKind, periodStart) as Target[];
  const best = new Map<string, Target>();
  for (const r of rows) {
    const key = `${r.scopeKind}\u0000${r.scopeId}`;
    const seen = best.get(key);
    if (!seen || rank(r.source) < rank(seen.source)) best.set(key, r);
  }
  const order: Record<TargetScopeKind, number> = { team: 0, sales_team: 1, pipeline: 2, rep: 3 };
  return [...best.values()].sort((a, b) => order[a.scopeKind] - order[b.scopeKind] || a.scopeId.localeCompare(b.scopeId));
}

/** The period kinds and starts that have any target, newest first (for "no target for this period" hints). */
export function targetPeriods(db: Db, crm: string): { periodKind: TargetPeriodKind; periodStart: string }[] {
  return db
    .prepare('SELECT DISTINCT period_kind AS periodKind, period_start AS periodStart FROM targets WHERE crm = ? ORDER BY period_start DESC, period_kind')
    .all(crm) as { periodKind: TargetPeriodKind; periodStart: string }[];
}

/**
 * Makes a CRM's own targets (source = the CRM) exactly `rows`: upserts them and removes the ones
 * the CRM no longer keeps, in one transaction. People's targets (Slack, CSV) are never touched,
 * and keep winning over these where both exist.
 */
export function replaceCrmTargets(db: Db, crm: string, rows: TargetInput[], by: { source: TargetSource; now: Date }): SaveResult & { removed: number } {
  if (PERSON_SOURCES.includes(by.source)) throw new Error(`replaceCrmTargets is for a CRM's own targets, not ${by.source}'s.`);
  let out: SaveResult & { removed: number } = { added: 0, changed: 0, unchanged: 0, removed: 0 };
  db.transaction(() => {
    const saved = saveTargets(db, crm, rows, { source: by.source, userId: null, now: by.now });
    const keep = new Set(rows.map((r) => `${r.periodKind}|${r.periodStart}|${r.scopeKind}|${r.scopeId}`));
    const mine = db
      .prepare('SELECT period_kind AS periodKind, period_start AS periodStart, scope_kind AS scopeKind, scope_id AS scopeId FROM targets WHERE crm = ? AND source = ?')
      .all(crm, by.source) as Pick<TargetInput, 'periodKind' | 'periodStart' | 'scopeKind' | 'scopeId'>[];
    const del = db.prepare('DELETE FROM targets WHERE crm = ? AND source = ? AND period_kind = ? AND period_start = ? AND scope_kind = ? AND scope_id = ?');
    let removed = 0;
    for (const r of mine) {
      if (keep.has(`${r.periodKind}|${r.periodStart}|${r.scopeKind}|${r.scopeId}`)) continue;
      removed += del.run(crm, by.source, r.periodKind, r.periodStart, r.scopeKind, r.scopeId).changes;
    }
    out = { ...saved, removed };
  })();
  return out;
}
