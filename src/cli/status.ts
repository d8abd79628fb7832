/** `dealcast status`: last sync per stream, row counts, data freshness, stages needing review. */
import { describeAgo } from '../views/freshness.js';
import { listCursors } from '../../store/sync-cursors.js';
import { heldDeletions, lastRun, lastSuccessfulRun } from '../../store/sync-runs.js';
import { stagesNeedingReview } from '../../store/stage-map.js';
import { countDeals } from '../../store/deals.js';
import { stageHistorySources, type StageHistorySources } from '../../store/stage-history.js';
import { describeSchemaDrift, listOpenSchemaDrift } from '../../store/schema-drift.js';
import type { Db } from '../../store/db.js';
import { cliConfig, crmInDb, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';
import { crmNotes } from '../connectors/index.js';
import { padEndWidth, padStartWidth } from './text-width.js';
import { plural } from '../views/numbers.js';
import { lastTargetsSync } from '../sync/targets-sync.js';

/** What `status` says about the CRM's own targets: the last read, or where targets come from instead. */
function targetsLine(db: Db, crm: string): string | null {
  const t = lastTargetsSync(db, crm);
  if (t) return t.message;
  if (crm === 'attio' || crm === 'csv') return `Targets: ${crm === 'attio' ? 'Attio' : 'a CSV export'} keeps no sales targets; set them with "dealcast import-targets" or in Slack.`;
  return null;
}
import { newestDataAt } from '../../store/point-in-time.js';
import { OLD_DATA_DAYS } from '../reports/compute.js';
import { describeConnection, healthFilePath, readConnectionStatus } from '../delivery/connection-health.js';


/**
 * What the stage history holds, by where it came from. A CRM (or CSV export) without history of
 * its own gets one row per deal at its first sync, the stage it was in then, which is not a
 * history anyone exported: "stage history 8000" for 8000 deals read as if the CRM had given it.
 */
export function stageHistoryLine(h: StageHistorySources, crm: string): string {
  const source = crm === 'csv' ? 'the export' : 'the CRM';
  if (h.total === 0) return `Stage history: none (${source} gave none, and dealcast has recorded none yet).`;
  const parts: string[] = [];
  if (h.fromCrm) parts.push(`${h.fromCrm} from ${source}`);
  if (h.backfill) parts.push(`${h.backfill} backfilled from ${source}`);
  if (h.observed) {
    const changes = h.observed - h.observedDeals;
    parts.push(
      `${h.observed} recorded by dealcast (${h.observedDeals} deal${h.observedDeals === 1 ? '' : 's'} in the stage ${h.observedDeals === 1 ? 'it was' : 'they were'} in when first ${crm === 'csv' ? 'imported' : 'synced'}, ${changes} stage change${changes === 1 ? '' : 's'} seen since)`,
    );
  }
  const none = h.fromCrm + h.backfill === 0 ? `; none from ${source}, so time in stage and stage paths know only what dealcast has seen` : '';
  return `Stage history: ${h.total} stage entr${h.total === 1 ? 'y' : 'ies'}: ${parts.join(', ')}${none}.`;
}

function stageHistoryJson(h: StageHistorySources) {
  return { total: h.total, from_crm: h.fromCrm, backfill: h.backfill, observed: h.observed, observed_first_seen: h.observedDeals, observed_changes: h.observed - h.observedDeals };
}

function tableCounts(db: Db, crm: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of ['pipelines', 'stages', 'owners', 'deal_stage_history', 'activities']) {
    out[t] = db.prepare(`SELECT COUNT(*) FROM ${t} WHERE crm = ?`).pluck().get(crm) as number;
  }
  return out;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { now: { type: 'string' }, json: { type: 'boolean' } }, 'status');
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io);
  const db = openStore(config, { forReading: true });
  const now = nowIn(teamTimeZone(db, config));
  try {
    const crm = crmInDb(db, config.CRM) as typeof config.CRM;
    const last = lastRun(db, crm);
    const ok = lastSuccessfulRun(db, crm);
    const deals = countDeals(db, crm);
    const counts = tableCounts(db, crm);
    const history = stageHistorySources(db, crm);
    const review = stagesNeedingReview(db, crm);
    const cursors = listCursors(db, crm);
    const drift = listOpenSchemaDrift(db, crm);
    const held = heldDeletions(db, crm);
    const healthPath = healthFilePath(config.DEALCAST_DB);
    const slack = healthPath ? readConnectionStatus(healthPath) : null;
    if (values.json) {
      io.stdout(JSON.stringify({ crm, database: config.DEALCAST_DB, slack, last_run: last, last_successful_run: ok, deals, counts, stage_history: stageHistoryJson(history), cursors, needs_review: review, schema_drift: drift, deletions_held: held, notes: crmNotes(crm), targets_sync: lastTargetsSync(db, crm) }, null, 2));
      return 0;
    }
    io.stdout(`CRM: ${crm}    database: ${config.DEALCAST_DB}`);
    for (const line of describeConnection(slack, now)) io.stdout(line);
    if (!last) {
      io.stdout('Never synced. Run "dealcast sync" (or "npm run demo" to try the demo CRM).');
      return 0;
    }
    io.stdout(
      ok
        ? `Data as of ${ok.startedAt} (${describeAgo(ok.startedAt, now)}), ${ok.mode} sync.`
        : 'No sync has succeeded yet: reports have no data.',
    );
    if (last.status !== 'ok') {
      io.stdout(`Last sync ${last.status === 'running' ? 'is still running or was interrupted' : 'FAILED'} at ${last.startedAt}: ${last.error ?? ''}`.trim());
      if (ok) io.stdout('Reports keep using the last good data.');
    }
    io.stdout('');
    io.stdout('Stream          rows last run   cursor');
    for (const [stream, n] of Object.entries(last.counts)) {
      const c = cursors.find((x) => x.stream === stream);
      io.stdout(`${padEndWidth(stream, 15)} ${padStartWidth(String(n), 13)}   ${c?.cursor ?? '(full read each run)'}`);
    }
    io.stdout('');
    io.stdout(
      `Deals: ${deals.total - deals.deleted} (${deals.open} open, ${deals.won} won, ${deals.lost} lost)${deals.deleted ? `, ${deals.deleted} deleted in the CRM` : ''}`,
    );
    if (held) {
      io.stdout(
        `Held back: ${plural(held.missing, 'deal', 'deals')} missing from the full read of ${held.at} ${held.missing === 1 ? 'was' : 'were'} not marked deleted, because ${held.reason}. Reports still count ${held.missing === 1 ? 'it' : 'them'}.`,
      );
      io.stdout(
        held.kind === 'mass-deletion'
          ? `If they really are gone: ${crm === 'csv' ? '"dealcast import-csv FILE --full --confirm-deletions"' : '"dealcast sync --full --confirm-deletions"'}.`
          : 'Fix the unreadable rows and sync again with --full to settle them.',
      );
    }
    io.stdout(
      `Pipelines ${counts.pipelines}, stages ${counts.stages}, owners ${counts.owners}, activities ${counts.activities}`,
    );
    io.stdout(stageHistoryLine(history, crm));
    const newest = newestDataAt(db, crm);
    if (newest) {
      const days = Math.floor((now.getTime() - Date.parse(newest)) / 86_400_000);
      io.stdout(`Newest date in the data: ${newest.slice(0, 10)}${days >= OLD_DATA_DAYS ? ` (${days} days ago)` : ''}.`);
      if (days >= OLD_DATA_DAYS) {
        io.stdout(`Reports of recent weeks will be empty: to see the data as it stood at its end, add --now ${newest.slice(0, 10)}T23:59:59Z to "dealcast report".`);
      }
    }
    for (const note of crmNotes(crm)) io.stdout(note);
    const targets = targetsLine(db, crm);
    if (targets) io.stdout(targets);
    if (drift.length) {
      io.stdout('');
      io.stdout(`Degraded: ${plural(drift.length, 'field', 'fields')} the CRM no longer sends as before (missing, or changed type):`);
      for (const d of drift) io.stdout(`  - ${describeSchemaDrift(d)}`);
      io.stdout('Check that the CRM field was not renamed and that the token still has its scopes. Deal fields keep their last good values until then.');
    }
    if (review.length) {
      io.stdout('');
      io.stdout(`${plural(review.length, 'stage needs', 'stages need')} review (new since the first sync, mapped automatically):`);
      for (const r of review) io.stdout(`  - ${r.name} (pipeline ${r.pipelineId}) → ${r.canonical}`);
      io.stdout('Review them in Slack with /dealcast settings.');
    }
    return 0;
  } finally {
    db.close();
  }
}
