/**
 * Schema drift never blanks data. When a deal field the last syncs saw populated comes back
 * blank on every row of a page (a removed or renamed CRM field, a revoked scope, a value of
 * another type the connector cannot read), the page is written with that column's last good
 * values instead, and the deals are remembered. Then:
 *
 * - a later row of the same sync has the field again: it was not drift; the remembered deals get
 *   the blank they really have;
 * - the whole sync saw it blank, often enough that chance is ruled out (store/schema-drift.ts
 *   DRIFT_MIN_EXPECTED), or a drift report for it is already open: the last good values stay,
 *   the drift is reported and the run is marked degraded;
 * - otherwise (a small incremental batch of a sparse field): the blanks are real and written.
 *
 * A field the connector reports as changed type (its page's `typeChanged`) is held back on every
 * page and at the end whatever the counts say: the CRM told us the blanks are not real.
 *
 * The decision uses the same baseline and threshold as the drift report, so what is held back
 * and what is reported agree.
 */
import type { Db } from '../../store/db.js';
import { DRIFT_MIN_EXPECTED, fieldBaselines, openDriftFields } from '../../store/schema-drift.js';
import type { DealRow } from '../model/rows.js';
import { TRACKED_FIELDS } from './schema-drift.js';
import type { FieldTypeChange } from './connector.js';

/** Deal fields and the column each is stored in. */
const DEAL_COLUMNS: Record<string, string> = {
  name: 'name',
  amount: 'amount',
  currency: 'currency',
  pipelineId: 'pipeline_id',
  stageId: 'stage_id',
  ownerId: 'owner_id',
  source: 'source',
  closeDate: 'close_date',
  amountHome: 'amount_home',
};

const blank = (v: unknown) => v === null || v === undefined || v === '';

interface FieldState {
  column: string;
  baseRows: number;
  basePopulated: number;
  alreadyOpen: boolean;
  seenPopulated: boolean;
  blankRows: number;
  held: string[];
  /** The connector said the CRM holds this field (or the one it derives from) as another type now. */
  typeChanged: boolean;
  /** Held only as a dependent of a retyped field: the drift report names that field, not this one. */
  dependent: boolean;
}

export interface DealFieldGuard {
  /** Call inside the page's transaction, before the upsert: fills held-back fields with the stored values. */
  guardPage(rows: DealRow[], typeChanged?: readonly FieldTypeChange[]): DealRow[];
  /** Call at the end of the deals stream (in a transaction): writes real blanks, returns the fields held back. */
  finish(): string[];
}

export function dealFieldGuard(db: Db, crm: string): DealFieldGuard {
  const baselines = fieldBaselines(db, crm, 'deals');
  const open = new Set(openDriftFields(db, crm, 'deals'));
  const states = new Map<string, FieldState>();
  for (const field of TRACKED_FIELDS.deals ?? []) {
    const column = DEAL_COLUMNS[field];
    const base = baselines.get(field);
    if (!column || !base || base.populated === 0) continue;
    states.set(field, { column, baseRows: base.rows, basePopulated: base.populated, alreadyOpen: open.has(field), seenPopulated: false, blankRows: 0, held: [], typeChanged: false, dependent: false });
  }
  const stored = new Map<string, (id: string) => unknown>();
  const storedValue = (column: string, id: string): unknown => {
    let get = stored.get(column);
    if (!get) {
      const st = db.prepare(`SELECT ${column} FROM deals WHERE crm = ? AND id = ?`).pluck();
      get = (dealId: string) => st.get(crm, dealId);
      stored.set(column, get);
    }
    return get(id);
  };
  const writeBlanks = (s: FieldState) => {
    const set = db.prepare(`UPDATE deals SET ${s.column} = ${s.column === 'name' ? "''" : 'NULL'} WHERE crm = ? AND id = ?`);
    for (const id of s.held) set.run(crm, id);
    s.held = [];
  };

  return {
    guardPage(rows, typeChanged = []) {
      const changed = typeChanged.flatMap((c) => [{ field: c.field, dependent: false }, ...(c.dependents ?? []).map((field) => ({ field, dependent: true }))]);
      for (const { field, dependent } of changed) {
        const s = states.get(field);
        const column = DEAL_COLUMNS[field];
        if (s) Object.assign(s, { typeChanged: true, dependent });
        else if (column) {
          // No baseline needed: the CRM said the blanks are not real, so whatever is stored stays.
          states.set(field, { column, baseRows: 0, basePopulated: 0, alreadyOpen: false, seenPopulated: false, blankRows: 0, held: [], typeChanged: true, dependent });
        }
      }
      if (!states.size) return rows;
      const live = rows.filter((r) => !r.deleted);
      if (!live.length) return rows;
      const hold: FieldState[] = [];
      const holdFields: string[] = [];
      for (const [field, s] of states) {
        if (s.typeChanged) {
          s.blankRows += live.length;
          hold.push(s);
          holdFields.push(field);
          continue;
        }
        if (s.seenPopulated) continue;
        if (live.some((r) => !blank((r as unknown as Record<string, unknown>)[field]))) {
          s.seenPopulated = true;
          writeBlanks(s);
          continue;
        }
        s.blankRows += live.length;
        hold.push(s);
        holdFields.push(field);
      }
      if (!hold.length) return rows;
      return rows.map((r) => {
        if (r.deleted) return r;
        const out = { ...r } as unknown as Record<string, unknown>;
        let kept = false;
        hold.forEach((s, i) => {
          const v = storedValue(s.column, r.id);
          if (v === undefined) return; // a deal we never stored: nothing to keep
          out[holdFields[i]!] = v;
          s.held.push(r.id);
          kept = true;
        });
        return kept ? (out as unknown as DealRow) : r;
      });
    },
    finish() {
      const heldBack: string[] = [];
      for (const [field, s] of states) {
        if (s.typeChanged) {
          // A dependent (a currency held with its amount) is reported through the field it derives from.
          if (s.held.length && !s.dependent) heldBack.push(field);
          continue;
        }
        if (s.seenPopulated) continue;
        const drift = s.alreadyOpen || (s.basePopulated / s.baseRows) * s.blankRows >= DRIFT_MIN_EXPECTED;
        if (drift) {
          if (s.held.length) heldBack.push(field);
        } else writeBlanks(s);
      }
      return heldBack;
    },
  };
}
