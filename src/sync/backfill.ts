/**
 * Backfill: fills missing stage-entry dates from the CRM's own history, only where empty, so
 * it is always safe to rerun. Reads go through the connector's `stageHistoryFor` and the HTTP
 * door (rate limits and retries as for a sync).
 */
import type { Db } from '../../store/db.js';
import { dealsMissingStageDates, fillStageDates } from '../../store/stage-backfill.js';
import type { Connector, CrmHttp } from './connector.js';

export interface BackfillResult {
  /** Deals that were missing a date for their current stage. */
  candidates: number;
  /** Deals asked about (candidates, capped by `limit`). */
  asked: number;
  /** Deals that gained a stage-entry date. */
  dealsGained: number;
  /** History facts added. */
  rowsAdded: number;
}

export async function backfillStageDates(db: Db, connector: Connector, http: CrmHttp, opts: { limit?: number; log?: (line: string) => void } = {}): Promise<BackfillResult> {
  if (!connector.stageHistoryFor) throw new Error(`${connector.label} keeps no stage history to backfill from.`);
  const candidates = dealsMissingStageDates(db, connector.crm);
  const ids = opts.limit !== undefined ? candidates.slice(0, opts.limit) : candidates;
  const gained = new Set<string>();
  let rowsAdded = 0;
  let done = 0;
  const CHUNK = 100;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    for await (const rows of connector.stageHistoryFor(chunk, http)) {
      const r = fillStageDates(db, connector.crm, rows);
      rowsAdded += r.rowsAdded;
      for (const id of r.dealsGained) gained.add(id);
    }
    done += chunk.length;
    opts.log?.(`Backfill: asked ${connector.label} about ${done} of ${ids.length} deals; ${gained.size} gained dates so far.`);
  }
  return { candidates: candidates.length, asked: ids.length, dealsGained: gained.size, rowsAdded };
}
