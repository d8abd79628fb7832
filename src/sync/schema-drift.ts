/**
 * Counts, per sync, how many rows each stream delivered with each field populated, and hands
 * the counts to store/schema-drift.ts once the data is complete. A wrapper around a
 * connector's streams, so neither the connectors nor the engine change:
 *
 *   const tracked = trackFieldFill(connector);
 *   await runSync(db, tracked.connector, { …, afterSync: tracked.afterSync });
 */
import type { Db } from '../../store/db.js';
import { recordFieldFill, type FieldFill, type SchemaDrift } from '../../store/schema-drift.js';
import type { StreamName, StreamRows } from '../model/rows.js';
import type { Connector, Stream } from './connector.js';

/** Fields whose blanks mean something (derived fields such as closedAt are blank by nature). */
export const TRACKED_FIELDS: Partial<Record<StreamName, string[]>> = {
  deals: ['name', 'amount', 'currency', 'pipelineId', 'stageId', 'ownerId', 'source', 'closeDate'],
  activities: ['ownerId', 'dealId'],
  owners: ['email'],
};

const blank = (v: unknown) => v === null || v === undefined || v === '';

export interface FieldFillTracker {
  connector: Connector;
  /** Pass as runSync's afterSync: records this run's fill and any drift it reveals. */
  afterSync: (db: Db, crm: string) => void;
  /** Drift opened by the last completed run (for logs). */
  lastDrift: () => SchemaDrift[];
}

export function trackFieldFill(connector: Connector): FieldFillTracker {
  const fills = new Map<StreamName, FieldFill>();
  let drift: SchemaDrift[] = [];
  const streams: Connector['streams'] = { ...connector.streams };
  for (const [name, fields] of Object.entries(TRACKED_FIELDS) as [StreamName, string[]][]) {
    const inner = connector.streams[name] as Stream<StreamRows[typeof name]> | undefined;
    if (!inner) continue;
    const wrapped: Stream<StreamRows[typeof name]> = {
      incremental: inner.incremental,
      async *read(ctx) {
        const fill: FieldFill = { rows: 0, populated: Object.fromEntries(fields.map((f) => [f, 0])) };
        fills.set(name, fill);
        for await (const page of inner.read(ctx)) {
          // A retyped field (and what derives from it) is read blank on purpose: its blanks say
          // nothing about whether the CRM still sends it, so this run does not count it.
          for (const c of page.typeChanged ?? []) for (const f of [c.field, ...(c.dependents ?? [])]) delete fill.populated[f];
          for (const row of page.rows as unknown as Record<string, unknown>[]) {
            if (row.deleted === true) continue;
            fill.rows++;
            for (const f of fields) if (f in fill.populated && !blank(row[f])) fill.populated[f] = (fill.populated[f] ?? 0) + 1;
          }
          yield page;
        }
      },
    };
    (streams as Record<string, unknown>)[name] = wrapped;
  }
  return {
    connector: { ...connector, streams },
    afterSync(db, crm) {
      // runSync calls afterSync inside the run it is finishing: the latest run of this CRM.
      const run = db.prepare(`SELECT id, started_at AS startedAt FROM sync_runs WHERE crm = ? ORDER BY id DESC LIMIT 1`).get(crm) as
        | { id: number; startedAt: string }
        | undefined;
      drift = [];
      if (run) for (const [stream, fill] of fills) drift.push(...recordFieldFill(db, crm, run.id, stream, fill, run.startedAt));
      fills.clear();
    },
    lastDrift: () => drift,
  };
}
