/**
 * The alerts job, run after every successful sync. Three checks — pipeline drop, rep inactivity,
 * stuck deals — reconciled against the alert log:
 * - a new subject (or one that changed, or whose quiet period has passed) is announced: one root
 *   message per kind per run with a summary, one threaded reply per subject;
 * - a subject already alerted and unchanged stays quiet;
 * - a subject that resolved gets a reply in its original thread, and that root message is
 *   updated (chat.update) with the new count.
 * The numbers come from the reports (pipeline, reps, deals); thresholds from the settings table.
 */
import type { Db } from '../../store/db.js';
import { getDeal } from '../../store/deals.js';
import { listOwners } from '../../store/owners.js';
import { dayTotals } from '../../store/snapshots.js';
import { getStageMap } from '../../store/stage-map.js';
import { insertAlert, openAlerts, realert, resolveAlert, rootCounts, type AlertEntry, type AlertKind, type LoggedKind } from '../../store/alert-log.js';
import { DealcastError } from '../errors.js';
import { listOpenSchemaDrift } from '../../store/schema-drift.js';
import type { Messenger } from '../delivery/messenger.js';
import {
  alertReplyView,
  alertResolvedView,
  alertRootView,
  schemaDriftAlertView,
  subjectLabel,
  type AlertFacts,
  type PipelineDropFacts,
  type RepInactiveFacts,
  type RootSummary,
  type StuckDealFacts,
} from '../views/alerts.js';
import { formatMoney, formatPercent } from '../views/numbers.js';
import { readAlertSettings, type AlertSettings } from '../settings/resolve.js';
import type { ReportProvider } from './digest.js';
import { addDays, businessHoursBetween, localDay } from '../time/calendar.js';
import { fillSnapshotGaps, type PipelineSource } from './snapshot.js';
import type { Claim } from './ledger.js';

export interface AlertDeps {
  db: Db;
  crm: string;
  timeZone: string;
  /** ALERT_CHANNEL. */
  channel: string | undefined;
  messenger: Messenger;
  reports: ReportProvider;
  pipeline: PipelineSource;
  log?: (line: string) => void;
  /** Slack users told about problems only an admin can fix (DEALCAST_ADMINS), e.g. a CRM field that stopped arriving. */
  admins?: string[];
  /** Looks up (and remembers) a CRM owner's Slack user when owners.slack_user_id is not known yet. */
  slackUserForOwner?: (ownerId: string) => Promise<string | null>;
}

/** One subject currently in alert condition. */
export interface Finding {
  subject: string;
  /** What the alert says that matters; unchanged fingerprint = no repeat within the quiet period. */
  fingerprint: string;
  facts: AlertFacts;
  /** Σ value it stands for (ranking and the root's total). */
  value: number;
}

export interface KindOutcome {
  kind: LoggedKind;
  /** Subjects in alert condition now. */
  active: number;
  announced: number;
  resolved: number;
  /** Active, already alerted, unchanged, within the quiet period. */
  quiet: number;
  rootTs: string | null;
}

export interface AlertsResult {
  kinds: KindOutcome[];
  skipped: { kind: AlertKind; reason: string }[];
}

const KINDS: AlertKind[] = ['pipeline_drop', 'rep_inactive', 'stuck_deal'];
const DAY_MS = 86_400_000;
/** Fewest daily snapshots the pipeline-drop average needs. */
export const PIPELINE_DROP_MIN_DAYS = 3;

/** Runs a posting step once per claim (src/jobs/ledger.ts); without a claim, just runs it. */
type Once = <V>(key: string, fn: () => Promise<V>) => Promise<V>;
const onceFor = (claim: Claim | undefined): Once => (claim ? (key, fn) => claim.once(key, fn) : (_key, fn) => fn());

export async function runAlertsJob(deps: AlertDeps, now: Date, claim?: Claim): Promise<AlertsResult> {
  if (!deps.channel) {
    throw new DealcastError('alert_channel', 'ALERT_CHANNEL is not set, so there is nowhere to post alerts.', 'Choose an alert channel in Slack with /dealcast settings, or set ALERT_CHANNEL to a channel id (C…) the bot is in.');
  }
  const settings = readAlertSettings(deps.db, deps.log);
  const detected = await detectAlerts(deps, now, settings);
  const out: AlertsResult = { kinds: [], skipped: detected.skipped };
  for (const kind of KINDS) {
    if (detected.skipped.some((s) => s.kind === kind)) continue;
    out.kinds.push(await reconcile(deps, deps.channel, kind, detected.findings[kind], settings, now, onceFor(claim)));
  }
  const drift = await reconcileSchemaDrift(deps, deps.channel, now, onceFor(claim));
  if (drift.active || drift.announced || drift.resolved) out.kinds.push(drift);
  const said = out.kinds.filter((k) => k.announced || k.resolved).map((k) => `${k.kind}: ${k.announced} new, ${k.resolved} resolved`);
  deps.log?.(`alerts: ${said.length ? said.join('; ') : 'nothing new'}`);
  return out;
}

/** The subjects in alert condition now, per kind (no posting, no log). */
export async function detectAlerts(
  deps: Pick<AlertDeps, 'db' | 'crm' | 'timeZone' | 'reports' | 'pipeline' | 'log'>,
  now: Date,
  settings: AlertSettings,
): Promise<{ findings: Record<AlertKind, Finding[]>; skipped: { kind: AlertKind; reason: string }[] }> {
  const findings: Record<AlertKind, Finding[]> = { pipeline_drop: [], rep_inactive: [], stuck_deal: [] };
  const skipped: { kind: AlertKind; reason: string }[] = [];
  const owners = new Map(listOwners(deps.db, deps.crm).map((o) => [o.id, o]));

  // Pipeline drop: today's open pipeline vs the average of the previous N daily snapshots.
  // The three reports are computed off the event loop, side by side.
  const [pipeline, reps, stuck] = await Promise.all([
    deps.reports('pipeline', { now }),
    deps.reports('reps', { now }),
    deps.reports('deals', { now, threshold: settings['alerts.stuck.ratio'], minSample: settings['alerts.stuck.min_sample'], limit: 100_000 }),
  ]);
  const currency = pipeline.currency;
  await fillSnapshotGaps({ db: deps.db, crm: deps.crm, timeZone: deps.timeZone, pipeline: deps.pipeline, log: deps.log }, now);
  const today = localDay(now, deps.timeZone);
  const n = settings['alerts.pipeline_drop.days'];
  const days = dayTotals(deps.db, deps.crm, addDays(today, -n), addDays(today, -1));
  if (days.length < Math.min(PIPELINE_DROP_MIN_DAYS, n)) {
    skipped.push({ kind: 'pipeline_drop', reason: `only ${days.length} daily snapshot(s) before today` });
  } else {
    const average = days.reduce((a, d) => a + d.value, 0) / days.length;
    const drop = average > 0 ? (average - pipeline.total.value) / average : 0;
    const threshold = settings['alerts.pipeline_drop.threshold'];
    if (drop > threshold) {
      const facts: PipelineDropFacts = {
        kind: 'pipeline_drop',
        currency,
        today: pipeline.total.value,
        average,
        drop,
        threshold,
        days: days.map((d) => ({ day: d.day, value: d.value, reconstructed: d.reconstructed })),
      };
      // Deeper by another 5 points counts as a change worth repeating.
      findings.pipeline_drop.push({ subject: 'pipeline', fingerprint: `drop>=${Math.floor(drop * 20) * 5}%`, facts, value: pipeline.total.value });
    }
  }

  // Rep inactivity: active reps with no logged activity for more than N hours, weekends excluded.
  if (!reps.activities_available) skipped.push({ kind: 'rep_inactive', reason: 'this CRM does not provide activities' });
  else {
    const anyActivity = reps.reps.some((r) => r.last_activity_at !== null);
    if (!anyActivity) skipped.push({ kind: 'rep_inactive', reason: 'no activities have been synced' });
    else {
      const limit = settings['alerts.rep_inactive.hours'];
      for (const r of reps.reps) {
        const o = owners.get(r.owner_id);
        if (!o?.active) continue;
        // A rep with nothing open and no activity on record is not someone we expect to log calls.
        if (r.last_activity_at === null && r.open_deals === 0) continue;
        const hours = r.last_activity_at ? businessHoursBetween(new Date(r.last_activity_at), now, deps.timeZone) : null;
        if (hours !== null && hours <= limit) continue;
        const facts: RepInactiveFacts = {
          kind: 'rep_inactive',
          currency,
          ownerId: r.owner_id,
          name: r.owner,
          slackUserId: o.slackUserId,
          lastActivityAt: r.last_activity_at,
          businessHours: hours,
          thresholdHours: limit,
          openDeals: r.open_deals,
          openValue: r.open_value,
        };
        findings.rep_inactive.push({ subject: r.owner_id, fingerprint: `last:${r.last_activity_at ?? 'never'}`, facts, value: r.open_value });
      }
    }
  }

  // Stuck deals: the metrics' stuck-deal list (days in stage ≥ ratio × stage average, minimum sample).
  for (const d of stuck.deals) {
    if (d.days_in_stage === null || d.stage_avg_days === null || d.stuck_ratio === null) continue;
    const deal = getDeal(deps.db, deps.crm, d.id);
    const owner = deal?.ownerId ? (owners.get(deal.ownerId) ?? null) : null;
    const facts: StuckDealFacts = {
      kind: 'stuck_deal',
      currency,
      dealId: d.id,
      name: d.name,
      amount: d.amount,
      stage: d.stage,
      crmStage: d.crm_stage,
      stageId: deal?.stageId ?? null,
      daysInStage: d.days_in_stage,
      stageAvgDays: d.stage_avg_days,
      ratio: d.stuck_ratio,
      owner: owner?.name ?? d.owner,
      ownerId: owner?.id ?? null,
      slackUserId: owner?.slackUserId ?? null,
      closeDate: d.close_date,
    };
    findings.stuck_deal.push({ subject: d.id, fingerprint: `stage:${deal?.stageId ?? d.crm_stage}`, facts, value: d.amount ?? 0 });
  }
  findings.stuck_deal.sort((a, b) => b.value - a.value || a.subject.localeCompare(b.subject));
  return { findings, skipped };
}

/** Fills in the owner's Slack user when it can be looked up, so the reply @-mentions them. */
async function mentionable(deps: AlertDeps, facts: AlertFacts): Promise<void> {
  if (facts.kind === 'pipeline_drop' || facts.slackUserId || !deps.slackUserForOwner) return;
  const ownerId = facts.ownerId;
  if (!ownerId) return;
  try {
    facts.slackUserId = await deps.slackUserForOwner(ownerId);
  } catch (err) {
    deps.log?.(`alerts: could not look up the Slack user of owner ${ownerId} (${(err as Error).message}); naming them instead`);
  }
}

/** Why an open alert no longer applies, or null when it still does (or we cannot tell). */
function resolution(deps: Pick<AlertDeps, 'db' | 'crm'>, entry: AlertEntry, active: Finding | undefined, currentFacts: { pipelineToday?: number; average?: number; currency: string }): string | null {
  switch (entry.kind) {
    case 'pipeline_drop': {
      if (active) return null;
      const f = entry.details as unknown as { facts?: PipelineDropFacts };
      if (currentFacts.pipelineToday === undefined || currentFacts.average === undefined) return null;
      const vs = currentFacts.average > 0 ? (currentFacts.pipelineToday - currentFacts.average) / currentFacts.average : 0;
      return `recovered to ${formatMoney(currentFacts.pipelineToday, currentFacts.currency)}, ${formatPercent(Math.abs(vs))} ${vs < 0 ? 'below' : 'above'} the ${f.facts?.days.length ?? 7}-day average.`;
    }
    case 'rep_inactive': {
      if (active) return null;
      const owner = listOwners(deps.db, deps.crm).find((o) => o.id === entry.subject);
      if (!owner?.active) return 'is no longer an active user in the CRM.';
      return 'has logged activity again.';
    }
    case 'stuck_deal': {
      const deal = getDeal(deps.db, deps.crm, entry.subject);
      const was = (entry.details as { facts?: StuckDealFacts }).facts;
      if (!deal || deal.deletedAt) return 'was removed from the CRM.';
      if (deal.status === 'won') return 'was won. :tada:';
      if (deal.status === 'lost') return 'was closed as lost.';
      if (was?.stageId && deal.stageId !== was.stageId) {
        const m = deal.stageId ? getStageMap(deps.db, deps.crm).get(deal.stageId) : undefined;
        return `moved to ${m?.canonical ?? 'another stage'}.`;
      }
      // Same stage and no longer over the line only because the stage average moved: still stuck in substance.
      return null;
    }
    default:
      return null;
  }
}

async function reconcile(deps: AlertDeps, channel: string, kind: AlertKind, findings: Finding[], settings: AlertSettings, now: Date, once: Once): Promise<KindOutcome> {
  const at = now.toISOString();
  const quietMs = settings['alerts.quiet_days'] * DAY_MS;
  const open = new Map(openAlerts(deps.db, kind).map((e) => [e.subject, e]));
  const active = new Map(findings.map((f) => [f.subject, f]));
  const outcome: KindOutcome = { kind, active: findings.length, announced: 0, resolved: 0, quiet: 0, rootTs: null };

  // 1. Resolutions: a reply in the subject's original thread, then that root's count updated.
  const drop = findings[0]?.facts.kind === 'pipeline_drop' ? (findings[0].facts as PipelineDropFacts) : undefined;
  let pipelineNow: { pipelineToday?: number; average?: number; currency: string } = { currency: 'USD' };
  if (kind === 'pipeline_drop' && open.size && !drop) {
    const p = await deps.reports('pipeline', { now });
    const today = localDay(now, deps.timeZone);
    const days = dayTotals(deps.db, deps.crm, addDays(today, -settings['alerts.pipeline_drop.days']), addDays(today, -1));
    pipelineNow = { pipelineToday: p.total.value, average: days.length ? days.reduce((a, d) => a + d.value, 0) / days.length : undefined, currency: p.currency };
  }
  const touchedRoots = new Map<string, { channel: string; rootTs: string; summary: RootSummary }>();
  for (const entry of open.values()) {
    const reason = resolution(deps, entry, active.get(entry.subject), pipelineNow);
    if (reason === null) continue;
    const facts = (entry.details as { facts?: AlertFacts }).facts;
    const label = facts ? subjectLabel(facts) : entry.subject;
    // Only a subject described in the thread gets a reply there; one only counted in the summary
    // shows in the root's updated count.
    const { channel: ch, rootTs, replyTs } = entry;
    if (ch && rootTs && replyTs) await once(`resolved:${entry.id}`, () => deps.messenger.reply(ch, rootTs, alertResolvedView(label, reason)));
    resolveAlert(deps.db, entry.id, at, { ...entry.details, resolution: reason });
    open.delete(entry.subject);
    outcome.resolved++;
    const summary = (entry.details as { root?: RootSummary }).root;
    if (entry.channel && entry.rootTs && summary) touchedRoots.set(`${entry.channel} ${entry.rootTs}`, { channel: entry.channel, rootTs: entry.rootTs, summary });
  }
  for (const r of touchedRoots.values()) {
    const c = rootCounts(deps.db, r.channel, r.rootTs);
    await deps.messenger.update(r.channel, r.rootTs, alertRootView(r.summary, { open: c.open, resolved: c.resolved, updatedAt: at }));
  }

  // 2. Announcements: new subjects, changed ones, and ones whose quiet period has passed.
  const due: Finding[] = [];
  for (const f of findings) {
    const e = open.get(f.subject);
    if (!e) due.push(f);
    else if (e.fingerprint !== f.fingerprint || now.getTime() - Date.parse(e.lastAlertedAt) >= quietMs) due.push(f);
    else outcome.quiet++;
  }
  const head = due[0];
  if (!head) return outcome;

  const describedMax = kind === 'stuck_deal' ? settings['alerts.stuck.max_replies'] : due.length;
  const described = due.slice(0, describedMax);
  const first = head.facts;
  const summary: RootSummary = {
    kind,
    currency: first.currency,
    count: due.length,
    value: due.reduce((a, f) => a + f.value, 0),
    described: described.length,
    repeated: due.filter((f) => open.has(f.subject)).length,
    threshold:
      kind === 'pipeline_drop' ? settings['alerts.pipeline_drop.threshold'] : kind === 'rep_inactive' ? settings['alerts.rep_inactive.hours'] : settings['alerts.stuck.ratio'],
    ...(first.kind === 'pipeline_drop' ? { drop: { today: first.today, average: first.average, drop: first.drop, days: first.days.length } } : {}),
    postedAt: at,
    timeZone: deps.timeZone,
  };
  for (const f of described) await mentionable(deps, f.facts);
  // The root's ts is recorded before any reply: a run killed mid-thread is resumed into the same
  // root, and each subject's reply is posted once.
  const root = await once(`root:${kind}`, () => deps.messenger.post(channel, alertRootView(summary)).then(({ ts }) => ({ channel, ts })));
  outcome.rootTs = root.ts;
  for (const f of due) {
    const reply = described.includes(f) ? await once(`reply:${kind}:${f.subject}`, () => deps.messenger.reply(root.channel, root.ts, alertReplyView(f.facts, deps.timeZone))) : null;
    const details = { facts: f.facts, root: summary } as unknown as Record<string, unknown>;
    const e = open.get(f.subject);
    const entry = { fingerprint: f.fingerprint, channel: root.channel, rootTs: root.ts, replyTs: reply?.ts ?? null, at, details };
    if (e) realert(deps.db, e.id, entry);
    else insertAlert(deps.db, { kind, subject: f.subject, ...entry });
    outcome.announced++;
  }
  return outcome;
}

/**
 * Schema drift, for the admins: one message per field the CRM stopped sending or changed the type of (mentioning
 * DEALCAST_ADMINS), a reply in its thread when the field is back. Kept in the alert log like any
 * subject, so it is said once.
 */
async function reconcileSchemaDrift(deps: AlertDeps, channel: string, now: Date, once: Once): Promise<KindOutcome> {
  const kind: LoggedKind = 'schema_drift';
  const at = now.toISOString();
  const drift = listOpenSchemaDrift(deps.db, deps.crm);
  const active = new Map(drift.map((d) => [`${d.stream}.${d.field}`, d]));
  const outcome: KindOutcome = { kind, active: drift.length, announced: 0, resolved: 0, quiet: 0, rootTs: null };
  for (const e of openAlerts(deps.db, kind)) {
    if (active.has(e.subject)) {
      outcome.quiet++;
      active.delete(e.subject);
      continue;
    }
    const { channel: ch, rootTs } = e;
    if (ch && rootTs) await once(`resolved:${e.id}`, () => deps.messenger.reply(ch, rootTs, alertResolvedView(`\`${e.subject}\``, 'is arriving from the CRM again.')));
    resolveAlert(deps.db, e.id, at, { ...e.details, resolution: 'back' });
    outcome.resolved++;
  }
  for (const [field, d] of active) {
    const view = schemaDriftAlertView({ field, since: d.detectedAt, rowsSeen: d.rowsSeen, baselinePopulated: d.baselinePopulated, baselineRows: d.baselineRows, changedType: d.kind === 'type_changed' ? (d.detail ?? 'another type') : null }, deps.admins ?? [], deps.timeZone);
    const root = await once(`root:${kind}:${field}`, () => deps.messenger.post(channel, view).then(({ ts }) => ({ channel, ts })));
    insertAlert(deps.db, { kind, subject: field, fingerprint: d.detectedAt, channel: root.channel, rootTs: root.ts, replyTs: null, at, details: { since: d.detectedAt } });
    outcome.announced++;
    outcome.rootTs = root.ts;
  }
  return outcome;
}
