/**
 * Field fill per sync and the schema drift it reveals. A field counts as drifted when this
 * run saw it blank on every row although the baseline run saw it populated often enough that
 * an all-blank batch cannot be chance: populated share × rows this run ≥ DRIFT_MIN_EXPECTED.
 * (With 10 expected, the chance of a false report is under e^-10 ≈ 0.005 %.) Small incremental
 * batches therefore never report a sparse field; a full sync always can.
 */
import type { Db } from './db.js';

export const DRIFT_MIN_EXPECTED = 10;

export interface FieldFill {
  rows: number;
  /** field → rows with a non-blank value */
  populated: Record<string, number>;
}

/** 'missing': the CRM stopped sending the field; 'type_changed': it sends it as another type than the mapping reads. */
export type DriftKind = 'missing' | 'type_changed';

export interface SchemaDrift {
  kind: DriftKind;
  /** For 'type_changed': what the CRM holds now, e.g. "Amount is now string". Null for 'missing'. */
  detail: string | null;
  crm: string;
  stream: string;
  field: string;
  detectedAt: string;
  runId: number;
  rowsSeen: number;
  baselineRunId: number;
  baselineRows: number;
  baselinePopulated: number;
}

interface Baseline {
  runId: number;
  rows: number;
  populated: number;
}

/** Records one run's fill for a stream; opens and resolves drift reports. Returns drifts opened now. */
export function recordFieldFill(db: Db, crm: string, runId: number, stream: string, fill: FieldFill, at: string): SchemaDrift[] {
  if (fill.rows === 0) return [];
  const getBase = db.prepare('SELECT run_id AS runId, rows, populated FROM sync_field_fill WHERE crm = ? AND stream = ? AND field = ?');
  const setBase = db.prepare(
    `INSERT INTO sync_field_fill (crm, stream, field, run_id, rows, populated, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (crm, stream, field) DO UPDATE SET run_id = excluded.run_id, rows = excluded.rows, populated = excluded.populated, recorded_at = excluded.recorded_at`,
  );
  const resolve = db.prepare('UPDATE schema_drift SET resolved_at = ? WHERE crm = ? AND stream = ? AND field = ? AND resolved_at IS NULL');
  const open = db.prepare(
    `INSERT INTO schema_drift (crm, stream, field, detected_at, run_id, rows_seen, baseline_run_id, baseline_rows, baseline_populated)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const opened: SchemaDrift[] = [];
  db.transaction(() => {
    for (const [field, populated] of Object.entries(fill.populated)) {
      const base = getBase.get(crm, stream, field) as Baseline | undefined;
      if (populated > 0) {
        setBase.run(crm, stream, field, runId, fill.rows, populated, at);
        resolve.run(at, crm, stream, field);
        continue;
      }
      if (base && base.populated > 0) {
        if ((base.populated / base.rows) * fill.rows >= DRIFT_MIN_EXPECTED) {
          const r = open.run(crm, stream, field, at, runId, fill.rows, base.runId, base.rows, base.populated);
          if (r.changes) opened.push({ kind: 'missing', detail: null, crm, stream, field, detectedAt: at, runId, rowsSeen: fill.rows, baselineRunId: base.runId, baselineRows: base.rows, baselinePopulated: base.populated });
        }
        continue;
      }
      setBase.run(crm, stream, field, runId, fill.rows, 0, at);
    }
  }).immediate();
  return opened;
}

/**
 * Records that fields of one stream changed type in the CRM (the connector read them as blank).
 * Opens one report per field, or turns an open 'missing' report for it into this clearer one;
 * the report resolves like any drift, when a later run reads the field populated again.
 * Returns the reports opened now.
 */
export function recordTypeDrift(db: Db, crm: string, runId: number, stream: string, changes: { field: string; detail: string; rows: number }[], at: string): SchemaDrift[] {
  const base = fieldBaselines(db, crm, stream);
  const open = db.prepare(
    `INSERT INTO schema_drift (crm, stream, field, detected_at, run_id, rows_seen, baseline_run_id, baseline_rows, baseline_populated, kind, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'type_changed', ?) ON CONFLICT DO NOTHING`,
  );
  const clarify = db.prepare(`UPDATE schema_drift SET kind = 'type_changed', detail = ? WHERE crm = ? AND stream = ? AND field = ? AND resolved_at IS NULL AND kind = 'missing'`);
  const opened: SchemaDrift[] = [];
  db.transaction(() => {
    for (const c of changes) {
      const b = base.get(c.field) ?? { runId, rows: 0, populated: 0 };
      if (open.run(crm, stream, c.field, at, runId, c.rows, b.runId, b.rows, b.populated, c.detail).changes) {
        opened.push({ kind: 'type_changed', detail: c.detail, crm, stream, field: c.field, detectedAt: at, runId, rowsSeen: c.rows, baselineRunId: b.runId, baselineRows: b.rows, baselinePopulated: b.populated });
      } else clarify.run(c.detail, crm, stream, c.field);
    }
  }).immediate();
  return opened;
}

/**
 * Resolves the 'type_changed' reports of one stream whose field a complete read found readable
 * again (not in `stillChanged`). Connectors check the type on every read, so a read that
 * delivered rows without reporting the field is the all-clear, with or without a fill tracker.
 */
export function resolveTypeDrift(db: Db, crm: string, stream: string, stillChanged: readonly string[], at: string): number {
  const open = db
    .prepare(`SELECT field FROM schema_drift WHERE crm = ? AND stream = ? AND kind = 'type_changed' AND resolved_at IS NULL`)
    .pluck()
    .all(crm, stream) as string[];
  const resolve = db.prepare('UPDATE schema_drift SET resolved_at = ? WHERE crm = ? AND stream = ? AND field = ? AND resolved_at IS NULL');
  let n = 0;
  for (const field of open) if (!stillChanged.includes(field)) n += resolve.run(at, crm, stream, field).changes;
  return n;
}

/** The baseline fill per field of one stream (what the last good sync saw). */
export function fieldBaselines(db: Db, crm: string, stream: string): Map<string, Baseline> {
  const rows = db.prepare('SELECT field, run_id AS runId, rows, populated FROM sync_field_fill WHERE crm = ? AND stream = ?').all(crm, stream) as (Baseline & {
    field: string;
  })[];
  return new Map(rows.map(({ field, ...b }) => [field, b]));
}

/** Fields of one stream with an open drift report. */
export function openDriftFields(db: Db, crm: string, stream: string): string[] {
  return db.prepare('SELECT field FROM schema_drift WHERE crm = ? AND stream = ? AND resolved_at IS NULL').pluck().all(crm, stream) as string[];
}

/** Open drift reports for `status` and the digest: fields the CRM stopped sending. */
export function listOpenSchemaDrift(db: Db, crm: string): SchemaDrift[] {
  return db
    .prepare(
      `SELECT kind, detail, crm, stream, field, detected_at AS detectedAt, run_id AS runId, rows_seen AS rowsSeen, baseline_run_id AS baselineRunId,
              baseline_rows AS baselineRows, baseline_populated AS baselinePopulated
       FROM schema_drift WHERE crm = ? AND resolved_at IS NULL ORDER BY stream, field`,
    )
    .all(crm) as SchemaDrift[];
}

/** One line per drift, e.g. for status output and the digest. */
export function describeSchemaDrift(d: SchemaDrift): string {
  if (d.kind === 'type_changed') {
    return `${d.stream}.${d.field} changed type in the CRM (${d.detail ?? 'it no longer reads as before'}) at ${d.detectedAt}; it is read as blank until the mapping or the CRM field is fixed${d.stream === 'deals' ? '; the last good values are kept' : ''}`;
  }
  return `${d.stream}.${d.field} came back blank on all ${d.rowsSeen} rows of the sync at ${d.detectedAt}, though ${d.baselinePopulated} of ${d.baselineRows} had it before (a renamed CRM field or a revoked scope?)${d.stream === 'deals' ? '; the last good values are kept' : ''}`;
}

/** One short line for Slack (status, the digest's first line, the admins' alert): which field, since when. */
export function shortSchemaDrift(d: Pick<SchemaDrift, 'stream' | 'field' | 'detectedAt'> & Partial<Pick<SchemaDrift, 'kind' | 'detail'>>): string {
  return `${d.stream}.${d.field} ${driftProblem(d)} since ${d.detectedAt.slice(0, 16).replace('T', ' ')} UTC${d.stream === 'deals' ? ' (last good values kept)' : ''}`;
}

/** What went wrong with the field, in a few words: "missing from the CRM", "changed type in the CRM (Amount is now string)". */
export function driftProblem(d: Partial<Pick<SchemaDrift, 'kind' | 'detail'>>): string {
  return d.kind === 'type_changed' ? `changed type in the CRM${d.detail ? ` (${d.detail})` : ''}` : 'missing from the CRM';
}
