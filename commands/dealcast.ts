/**
 * /dealcast help | status | sync | settings | events | targets | categories | dashboard
 * - help: every command with examples (ephemeral).
 * - status: last sync and whether it worked, data freshness, stages needing review (ephemeral).
 * - sync: admins only (DEALCAST_ADMINS, or Slack workspace admins/owners): sync now, then say
 *   how it went. A sync already running is joined, not doubled.
 * - settings: admins only: the settings modal (commands/dealcast-settings.ts).
 * - events: admins only: deal-event feed and visibility settings (commands/dealcast-events.ts).
 * - targets: admins only: set a target of a period for the company, a team, a pipeline or a rep (commands/dealcast-targets.ts).
 * - categories: admins only: the deal field holding the forecast category (Pipedrive, Attio) and what its options mean (commands/dealcast-categories.ts).
 * - subscribe / subscriptions: scheduled reports (commands/subscribe.ts).
 * - dashboard: the self-contained dashboard page, sent to the caller by DM (encrypted when
 *   DASHBOARD_PASSWORD is set; deal names as DASHBOARD_DEAL_NAMES says).
 */
import { parseCommandArgs } from './command-args.js';
import { describeError, SyncBusyError } from '../src/errors.js';
import { buildDashboardFile } from '../src/dashboard/build.js';
import { helpMessage, usageMessage } from '../src/views/help.js';
import { statusMessage } from '../src/views/status.js';
import { plural } from '../src/views/numbers.js';
import { describeSyncCounts } from '../src/views/sync-counts.js';
import { resolveTeamSettings } from '../src/settings/resolve.js';
import { openSettings } from './dealcast-settings.js';
import { openEventsSettings } from './dealcast-events.js';
import { openTargets } from './dealcast-targets.js';
import { openCategories } from './dealcast-categories.js';
import { handleSubscribe, handleSubscriptionsList } from './subscribe.js';
import { countDeals } from '../store/deals.js';
import { listPipelines } from '../store/pipelines.js';
import { stagesNeedingReview } from '../store/stage-map.js';
import { lastRun, lastSuccessfulRun } from '../store/sync-runs.js';
import { listOpenSchemaDrift } from '../store/schema-drift.js';
import { replyTarget, type CommandDeps, type CommandHandler, type CommandRequest } from './command-context.js';

const SUBCOMMANDS = ['status', 'sync', 'settings', 'events', 'targets', 'categories', 'dashboard'] as const;

export function statusFacts(deps: CommandDeps) {
  const { db, crm } = deps;
  const pipelines = new Map(listPipelines(db, crm, { includeDeleted: true }).map((p) => [p.id, p.name]));
  const last = lastRun(db, crm);
  const ok = lastSuccessfulRun(db, crm);
  return {
    crmLabel: crm,
    now: deps.now(),
    timeZone: resolveTeamSettings(deps.db, deps.config).timeZone,
    lastRun: last && { startedAt: last.startedAt, finishedAt: last.finishedAt, status: last.status, mode: last.mode, error: last.error },
    lastSuccess: ok && { startedAt: ok.startedAt, finishedAt: ok.finishedAt, mode: ok.mode },
    deals: countDeals(db, crm),
    needsReview: stagesNeedingReview(db, crm).map((s) => ({ name: s.name, pipeline: pipelines.get(s.pipelineId) ?? s.pipelineId, canonical: s.canonical })),
    schedule: deps.syncSchedule,
    drift: listOpenSchemaDrift(db, crm).map((d) => ({ field: `${d.stream}.${d.field}`, since: d.detectedAt, changedType: d.kind === 'type_changed' ? (d.detail ?? 'another type') : null })),
  };
}

async function syncNow(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!(await deps.admins.isAdmin(req.userId))) {
    await deps.slack.replyEphemeral(target, {
      text: 'Only dealcast admins can start a sync: workspace admins and owners, and the people listed in DEALCAST_ADMINS. The next scheduled sync will run on its own.',
    });
    return;
  }
  const joining = deps.sync.running;
  await deps.slack.replyEphemeral(target, {
    text: joining ? 'A sync is already running; I will tell you when it finishes.' : `Syncing ${deps.crm} now; I will tell you when it finishes.`,
  });
  try {
    const r = await deps.sync.run();
    const counts = describeSyncCounts(r.counts);
    deps.log(`command: /dealcast sync by ${req.userId}: ${r.mode} sync done`);
    await deps.slack.replyEphemeral(target, {
      text: `:white_check_mark: ${r.mode === 'full' ? 'Full' : 'Incremental'} sync done: ${counts || 'nothing new'}.${r.deleted ? ` ${plural(r.deleted, 'deal gone from the CRM was', 'deals gone from the CRM were')} marked deleted.` : ''}${
        r.deletionsHeld
          ? ` ${plural(r.deletionsHeld.missing, 'deal missing from this full read was', 'deals missing from this full read were')} *not* marked deleted, because ${r.deletionsHeld.reason}.${
              r.deletionsHeld.kind === 'mass-deletion' ? ' If they really are gone, run `dealcast sync --full --confirm-deletions`.' : ''
            }`
          : ''
      }${r.newStages && r.mode === 'incremental' ? ` ${plural(r.newStages, 'new stage needs', 'new stages need')} review: see /dealcast status.` : ''}`,
    });
  } catch (err) {
    if (err instanceof SyncBusyError) {
      deps.log(`command: /dealcast sync by ${req.userId}: not started, ${err.message}`);
      await deps.slack.replyEphemeral(target, { text: `:hourglass: ${err.message.replace(/ \([^)]*\)\.$/, '.')} Its results will be in the reports when it finishes.` });
      return;
    }
    deps.log(`command: /dealcast sync by ${req.userId} failed: ${describeError(err)}`);
    await deps.slack.replyEphemeral(target, { text: `:x: The sync failed: ${describeError(err)}` });
  }
}

async function sendDashboard(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  await deps.slack.replyEphemeral(target, { text: 'Building the dashboard page; I will send it to you by DM.' });
  try {
    const file = await buildDashboardFile(deps.db, deps.config, { now: deps.now() });
    const dm = await deps.slack.openDm(req.userId);
    await deps.slack.uploadFile(
      dm,
      { data: file.bytes, filename: file.filename, title: 'dealcast dashboard' },
      {
        text: file.encrypted
          ? 'Your dealcast dashboard: open the file in a browser and enter the dashboard password.'
          : 'Your dealcast dashboard: open the file in any browser, even offline.',
      },
    );
    deps.log(`command: /dealcast dashboard by ${req.userId}: sent ${file.filename} (${file.bytes.length} bytes${file.encrypted ? ', encrypted' : ''})`);
  } catch (err) {
    deps.log(`command: /dealcast dashboard by ${req.userId} failed: ${describeError(err)}`);
    await deps.slack.replyEphemeral(target, { text: `:x: Could not send the dashboard: ${describeError(err).split('\n')[0]}` });
  }
}

export const handleDealcastCommand: CommandHandler = async (req, deps) => {
  const target = replyTarget(req);
  // subscribe takes a report, filters and a schedule of its own grammar (commands/subscribe.ts).
  const first = /^\s*(subscribe|subscriptions)\b\s*([\s\S]*)$/i.exec(req.text);
  if (first) {
    if (first[1]!.toLowerCase() === 'subscribe') await handleSubscribe({ ...req, text: first[2] ?? '' }, deps);
    else await handleSubscriptionsList(req, deps);
    return;
  }
  const parsed = parseCommandArgs(req.text, { filters: [], words: SUBCOMMANDS });
  if (!parsed.ok) {
    await deps.slack.replyEphemeral(target, usageMessage('dealcast', parsed.problems));
    return;
  }
  const words = parsed.args.words;
  if (words.length > 1) {
    await deps.slack.replyEphemeral(target, usageMessage('dealcast', [`Give one subcommand at a time (got ${words.join(' ')}).`]));
    return;
  }
  const sub = words[0];
  if (parsed.args.help || !sub) {
    await deps.slack.replyEphemeral(target, helpMessage());
    return;
  }
  if (sub === 'status') {
    await deps.slack.replyEphemeral(target, statusMessage(statusFacts(deps)));
    return;
  }
  if (sub === 'settings') {
    await openSettings(req, deps);
    return;
  }
  if (sub === 'events') {
    await openEventsSettings(req, deps);
    return;
  }
  if (sub === 'categories') {
    await openCategories(req, deps);
    return;
  }
  if (sub === 'targets') {
    await openTargets(req, deps);
    return;
  }
  if (sub === 'dashboard') {
    await sendDashboard(req, deps);
    return;
  }
  await syncNow(req, deps);
};
