/**
 * The deal_facts table (migration 002): one row per reportable deal, derived by
 * src/metrics/deal-facts.ts from deals + stage history + stage map. The sync engine calls
 * refreshDerived() after every sync; admin edits of the stage map call it too. Reports call
 * ensureDerivedFresh(), which rebuilds when the data changed since the last refresh (a new sync
 * run, new deals, a stage-map edit), so a forgotten refresh costs time, never wrong numbers.
 */
import type { Db } from './db.js';
import { autoMapStage, isCanonicalStage } from '../src/canonical-stages.js';
import { deriveDealFact, type DealFact, type DealForFacts, type HistoryForFacts, type StageInfo } from '../src/metrics/deal-facts.js';
import { getSetting, setSetting } from './settings.js';
import { listStages } from './stages.js';

/** Bump when the derivation rules change: every database rebuilds its facts once. */
const FACTS_VERSION = 1;
const CHUNK = 2000;

interface Stamp {
  version: number;
  syncRunId: number | null;
  dealsMaxRowid: number | null;
  stageMapUpdatedAt: string | null;
  stageMapRows: number;
  currency: string;
}

const stampKey = (crm: string) => `derived:deal_facts:${crm}`;

function currentStamp(db: Db, crm: string): Omit<Stamp, 'currency'> {
  const run = db.prepare('SELECT MAX(id) FROM sync_runs WHERE crm = ?').pluck().get(crm) as number | null;
  // MAX(rowid) over the whole table is O(1); any CRM's new deals only cost one extra refresh.
  const rowid = db.prepare('SELECT MAX(rowid) FROM deals').pluck().get() as number | null;
  const map = db.prepare('SELECT MAX(updated_at) AS at, COUNT(*) AS n FROM stage_map WHERE crm = ?').get(crm) as { at: string | null; n: number };
  return { version: FACTS_VERSION, syncRunId: run, dealsMaxRowid: rowid, stageMapUpdatedAt: map.at, stageMapRows: map.n };
}

/** Canonical stage and included flag for every stage (mapped, or auto-mapped if not yet). */
export function loadStageInfo(db: Db, crm: string): Map<string, StageInfo> {
  const stages = listStages(db, crm, { includeDeleted: true });
  const rows = db.prepare('SELECT stage_id AS stageId, canonical, included FROM stage_map WHERE crm = ?').all(crm) as {
    stageId: string;
    canonical: string;
    included: number;
  }[];
  const mapped = new Map(rows.map((r) => [r.stageId, r]));
  const out = new Map<string, StageInfo>();
  for (const s of stages) {
    const m = mapped.get(s.id);
    if (m && isCanonicalStage(m.canonical)) out.set(s.id, { canonical: m.canonical, included: m.included === 1 });
    else out.set(s.id, { canonical: autoMapStage(s, stages.filter((o) => o.pipelineId === s.pipelineId && !o.deletedAt)), included: true });
  }
  return out;
}

export interface RefreshOptions {
  /** Refresh only these deals (after an incremental sync). Omit to rebuild every deal. */
  dealIds?: Iterable<string>;
}

/**
 * Rebuilds deal_facts for a CRM (or only the given deals) in one transaction. Call after every
 * sync and after any stage-map edit (a stage-map edit needs the full rebuild). Returns rows written.
 */
export function refreshDerived(db: Db, crm: string, opts: RefreshOptions = {}): number {
  const stages = loadStageInfo(db, crm);
  const dealCols = `id, pipeline_id AS pipelineId, stage_id AS stageId, owner_id AS ownerId, source, amount, status,
    created_at AS createdAt, closed_at AS closedAt, close_date AS closeDate, stage_entered_at AS stageEnteredAt`;
  const insert = db.prepare(
    `INSERT INTO deal_facts (crm, deal_id, pipeline_id, stage_id, owner_id, source, amount, status, canonical, deepest, created, closed,
       close_day, stage_since, at1, at2, at3, days0, days1, days2, days3)
     VALUES (@crm, @dealId, @pipelineId, @stageId, @ownerId, @source, @amount, @status, @canonical, @deepest, @created, @closed,
       @closeDay, @stageSince, @at1, @at2, @at3, @days0, @days1, @days2, @days3)`,
  );
  let written = 0;
  const writeChunk = (deals: DealForFacts[], history: (HistoryForFacts & { dealId: string })[]) => {
    const byDeal = new Map<string, HistoryForFacts[]>();
    for (const h of history) {
      let list = byDeal.get(h.dealId);
      if (!list) byDeal.set(h.dealId, (list = []));
      list.push(h);
    }
    for (const d of deals) {
      const fact: DealFact | null = deriveDealFact(d, byDeal.get(d.id) ?? [], stages);
      if (fact) {
        insert.run({ crm, ...fact });
        written++;
      }
    }
  };

  db.transaction(() => {
    if (opts.dealIds === undefined) {
      db.prepare('DELETE FROM deal_facts WHERE crm = ?').run(crm);
      const page = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ${CHUNK}`);
      const hist = db.prepare(
        `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
         WHERE crm = ? AND deal_id >= ? AND deal_id <= ? ORDER BY deal_id, entered_at`,
      );
      let after = '';
      for (;;) {
        const deals = page.all(crm, after) as DealForFacts[];
        if (!deals.length) break;
        const last = deals[deals.length - 1].id;
        writeChunk(deals, hist.all(crm, deals[0].id, last) as (HistoryForFacts & { dealId: string })[]);
        after = last;
      }
    } else {
      const ids = [...new Set(opts.dealIds)];
      const del = db.prepare('DELETE FROM deal_facts WHERE crm = ? AND deal_id = ?');
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        for (const id of part) del.run(crm, id);
        const marks = part.map(() => '?').join(',');
        const deals = db.prepare(`SELECT ${dealCols} FROM deals WHERE crm = ? AND deleted_at IS NULL AND id IN (${marks})`).all(crm, ...part) as DealForFacts[];
        const history = db
          .prepare(
            `SELECT deal_id AS dealId, stage_id AS stageId, entered_at AS enteredAt FROM deal_stage_history
             WHERE crm = ? AND deal_id IN (${marks}) ORDER BY deal_id, entered_at`,
          )
          .all(crm, ...part) as (HistoryForFacts & { dealId: string })[];
        writeChunk(deals, history);
      }
    }
    const currency =
      (db
        .prepare(
          `SELECT currency FROM deals WHERE crm = ? AND deleted_at IS NULL AND currency IS NOT NULL
           GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1`,
        )
        .pluck()
        .get(crm) as string | undefined) ?? 'USD';
    if (opts.dealIds === undefined) {
      // Fresh statistics let the planner pick the covering indexes the report queries rely on.
      db.exec('PRAGMA analysis_limit = 1000; ANALYZE deal_facts;');
    }
    setSetting(db, stampKey(crm), { ...currentStamp(db, crm), currency } satisfies Stamp, new Date().toISOString());
  })();
  return written;
}

/** Rebuilds deal_facts when deals, a sync run or the stage map changed since the last refresh. */
export function ensureDerivedFresh(db: Db, crm: string): { refreshed: boolean; currency: string } {
  const saved = getSetting<Stamp | null>(db, stampKey(crm), null);
  const now = currentStamp(db, crm);
  const fresh =
    saved !== null &&
    saved.version === now.version &&
    saved.syncRunId === now.syncRunId &&
    saved.dealsMaxRowid === now.dealsMaxRowid &&
    saved.stageMapUpdatedAt === now.stageMapUpdatedAt &&
    saved.stageMapRows === now.stageMapRows;
  if (fresh) return { refreshed: false, currency: saved.currency };
  refreshDerived(db, crm);
  return { refreshed: true, currency: getSetting<Stamp>(db, stampKey(crm), { currency: 'USD' } as Stamp).currency };
}
