/**
 * After the deals: the CRM's own sales targets into the targets store, with the CRM as their
 * source, so targets typed in Slack or imported from a CSV keep winning (store/targets.ts).
 *
 * Never fails the sync. A token that may not read goals (a missing scope, a 403, forecasting
 * switched off) marks the targets sync unavailable with what to do; any other failure keeps the
 * last targets and says so. Every goal left out is counted and logged with its reason. The
 * outcome is kept in internal_state for `dealcast status`.
 */
import type { Db } from '../../store/db.js';
import { replaceCrmTargets, type TargetSource } from '../../store/targets.js';
import { listOwners } from '../../store/owners.js';
import { listPipelines } from '../../store/pipelines.js';
import { listCrmTeams } from '../../store/crm-teams.js';
import { loadCurrencySettings, mostCommonCurrency } from '../../store/currency-rates.js';
import { getState, setState } from '../../store/internal-state.js';
import { resolveSetting } from '../settings/resolve.js';
import { crmGoalsToTargets } from '../targets/crm-goals.js';
import { CrmAuthError, describeError } from '../errors.js';
import { TargetsUnavailable, type Connector, type CrmGoalSkip, type CrmHttp } from './connector.js';

export interface TargetsSyncStatus {
  status: 'ok' | 'unavailable' | 'failed';
  /** When this sync read them (the sync's start). */
  at: string;
  /** Where they came from, e.g. 'HubSpot goal targets'. */
  source: string;
  /** Targets of the CRM in the store after this sync, and how they changed. */
  saved: number;
  added: number;
  changed: number;
  removed: number;
  /** Goals the CRM keeps that dealcast left out, and the first few with their reasons. */
  skipped: number;
  examples: CrmGoalSkip[];
  /** One line for `dealcast status` and the sync log. */
  message: string;
}

const stateKey = (crm: string) => `targets_sync:${crm}`;
/** Skipped goals named one by one in the log; the rest are counted. */
export const SKIPPED_LOGGED = 10;

/** The outcome of the last targets sync of this CRM (null when its connector keeps no targets). */
export function lastTargetsSync(db: Db, crm: string): TargetsSyncStatus | null {
  return getState<TargetsSyncStatus | null>(db, stateKey(crm), null);
}

export async function syncCrmTargets(
  db: Db,
  connector: Connector,
  http: CrmHttp,
  now: Date,
  log: (line: string) => void,
): Promise<TargetsSyncStatus | null> {
  if (!connector.targets) return null;
  const crm = connector.crm;
  const at = now.toISOString();
  const base = { at, source: connector.label, saved: 0, added: 0, changed: 0, removed: 0, skipped: 0, examples: [] as CrmGoalSkip[] };
  let status: TargetsSyncStatus;
  try {
    const read = await connector.targets(http, { now, log });
    const fiscalStartMonth = resolveSetting(db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: 'UTC' }, 'targets.fiscal_year_start_month').value ?? 1;
    const mapped = crmGoalsToTargets(read.goals, {
      fiscalStartMonth,
      baseCurrency: loadCurrencySettings(db, crm).base ?? mostCommonCurrency(db, crm),
      ownerIds: new Set(listOwners(db, crm).map((o) => o.id)),
      pipelineIds: new Set(listPipelines(db, crm, { includeDeleted: true }).map((p) => p.id)),
      teamIds: new Set(listCrmTeams(db, crm).map((t) => t.id)),
    });
    const skipped = [...read.skipped, ...mapped.skipped];
    const r = replaceCrmTargets(db, crm, mapped.targets, { source: crm as TargetSource, now });
    for (const s of skipped.slice(0, SKIPPED_LOGGED)) log(`Target left out: ${connector.label} goal ${s.id} "${s.name}": ${s.reason}.`);
    if (skipped.length > SKIPPED_LOGGED) log(`… and ${skipped.length - SKIPPED_LOGGED} more goals left out (see "dealcast status --json").`);
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    status = {
      ...base,
      status: 'ok',
      source: read.source,
      saved: mapped.targets.length,
      added: r.added,
      changed: r.changed,
      removed: r.removed,
      skipped: skipped.length,
      examples: skipped.slice(0, SKIPPED_LOGGED),
      message:
        `Targets from ${read.source}: ${plural(mapped.targets.length, 'target')} (${r.added} new, ${r.changed} changed, ${r.removed} removed)` +
        (skipped.length ? `; ${plural(skipped.length, 'goal')} left out (not revenue, or not a period or scope dealcast keeps)` : '') +
        '. Targets set in Slack or imported from a CSV win over these.',
    };
  } catch (err) {
    if (err instanceof TargetsUnavailable || err instanceof CrmAuthError) {
      const hint = err instanceof TargetsUnavailable ? err.hint : (err.hint ?? '');
      const what = err instanceof TargetsUnavailable ? err.message : `${connector.label} refused to list its goals (HTTP ${err.status ?? '?'})`;
      status = { ...base, status: 'unavailable', message: `Targets from ${connector.label}: unavailable — ${what}. ${hint} Deals synced as usual; set targets with "dealcast import-targets" or in Slack meanwhile.`.replace(/\s+/g, ' ') };
    } else {
      status = { ...base, status: 'failed', message: `Targets from ${connector.label}: could not be read this time (${describeError(err).split('\n')[0]}); the targets from the last good read are kept.` };
    }
  }
  log(status.message);
  setState(db, stateKey(crm), status, at);
  return status;
}
