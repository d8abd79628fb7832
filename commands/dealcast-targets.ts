/**
 * /dealcast targets: the targets modal (admins only). Opening and every submission re-check the
 * admin on the server. A submission is validated as a whole (errors beside the fields; the modal
 * stays open with what was typed, nothing saved); a valid one is saved as the Slack target of
 * that period and scope — it outranks the CSV's and the CRM's (store/targets.ts) — with an audit
 * row, and the modal shows what was saved, ready for the next one.
 */
import { BLOCK_IDS, CALLBACK_IDS } from '../src/ids.js';
import { FISCAL_PERIOD_KINDS, fiscalPeriodOf, fiscalPeriodStarting, type FiscalPeriodKind } from '../src/time/fiscal.js';
import { dayToIso, todayIn } from '../src/time/calendar.js';
import { resolveSetting } from '../src/settings/resolve.js';
import { parseTargetAmount } from '../src/targets/csv.js';
import { readTargetsState, targetsModalView, type TargetPeriodChoice, type TargetsDraft, type TargetsModalInput } from '../src/views/targets-modal.js';
import { formatMoney } from '../src/views/numbers.js';
import { reportingMoney } from '../store/deal-facts.js';
import { listOwners } from '../store/owners.js';
import { listPipelines } from '../store/pipelines.js';
import { effectiveTargets, saveTargets, type TargetInput } from '../store/targets.js';
import { loadTargetTeams } from '../src/targets/team-scopes.js';
import { NOT_ADMIN_TEXT } from './dealcast-settings.js';
import { replyTarget, teamTimeZone, type CommandDeps, type CommandRequest } from './command-context.js';

const KIND_NAMES: Record<FiscalPeriodKind, string> = { month: 'month', quarter: 'quarter', year: 'fiscal year' };

const fiscalStartMonth = (deps: CommandDeps): number =>
  resolveSetting(deps.db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: teamTimeZone(deps) }, 'targets.fiscal_year_start_month').value ?? 1;

/** This and next month, fiscal quarter and fiscal year, in the team's zone. */
function periodChoices(deps: CommandDeps): TargetPeriodChoice[] {
  const today = todayIn(deps.now(), teamTimeZone(deps));
  const fsm = fiscalStartMonth(deps);
  return (['quarter', 'month', 'year'] as const).flatMap((kind) => [
    { name: `This ${KIND_NAMES[kind]}`, period: fiscalPeriodOf(today, kind, fsm) },
    { name: `Next ${KIND_NAMES[kind]}`, period: fiscalPeriodOf(today, kind, fsm, 1) },
  ]);
}

/** How a target's scope is called in the modal: 'Team' for the company, else the team's, pipeline's or rep's name as it is now. */
function scopeNamer(deps: CommandDeps): (t: { scopeKind: string; scopeId: string }) => string {
  const teams = loadTargetTeams(deps.db, deps.crm);
  const names = new Map<string, string>([
    ...listOwners(deps.db, deps.crm).map((o) => [`rep:${o.id}`, o.name] as const),
    ...listPipelines(deps.db, deps.crm, { includeDeleted: true }).map((p) => [`pipeline:${p.id}`, p.name] as const),
  ]);
  return (t) =>
    t.scopeKind === 'team' ? 'Team' : t.scopeKind === 'sales_team' ? `Team ${teams.resolve(t.scopeId)?.name ?? `${t.scopeId} (no longer exists)`}` : (names.get(`${t.scopeKind}:${t.scopeId}`) ?? t.scopeId);
}

function modalInput(deps: CommandDeps, saved?: string): TargetsModalInput {
  const owners = listOwners(deps.db, deps.crm);
  const pipelines = listPipelines(deps.db, deps.crm);
  const nameOf = scopeNamer(deps);
  const periods = periodChoices(deps);
  const shown = periods.filter((c) => c.name.startsWith('This '));
  return {
    periods,
    teams: loadTargetTeams(deps.db, deps.crm).choices.map((t) => ({ id: t.scopeId, name: t.name })),
    pipelines: pipelines.map((p) => ({ id: p.id, name: p.name })),
    reps: owners.map((o) => ({ id: o.id, name: o.name })),
    currency: reportingMoney(deps.db, deps.crm, { currency: deps.config.DEALCAST_CURRENCY ?? null }).currency,
    current: shown.map((c) => ({
      period: `${c.period.label} (${c.period.start} – ${dayToIso(c.period.toDay - 1)})`,
      lines: effectiveTargets(deps.db, deps.crm, c.period.kind, c.period.start).map((t) => ({
        scope: nameOf(t),
        amount: t.amount,
        currency: t.currency,
        source: t.source,
      })),
    })),
    ...(saved ? { saved } : {}),
  };
}

/** /dealcast targets */
export async function openTargets(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!(await deps.admins.isAdmin(req.userId))) {
    deps.log(`targets: refused /dealcast targets for ${req.userId} (not an admin)`);
    await deps.slack.replyEphemeral(target, { text: NOT_ADMIN_TEXT });
    return;
  }
  if (!req.triggerId) {
    await deps.slack.replyEphemeral(target, { text: 'Slack sent no trigger for a dialog with this command; run /dealcast targets again.' });
    return;
  }
  await deps.slack.openView(req.triggerId, targetsModalView(modalInput(deps)));
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Checks a draft; returns the target to save, or errors by block_id. */
export function validateTargetsDraft(
  d: TargetsDraft,
  ctx: { fiscalStartMonth: number; owners: { id: string }[]; pipelines: { id: string }[]; teams: { id: string }[] },
): { ok: true; target: TargetInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let period: { kind: FiscalPeriodKind; start: string; end: string } | null = null;
  const [kind, start] = (d.period ?? '').split(':');
  if (!d.period) errors[BLOCK_IDS.targetsPeriod] = 'Choose the period the target is for.';
  else if (!FISCAL_PERIOD_KINDS.includes(kind as FiscalPeriodKind) || !start) errors[BLOCK_IDS.targetsPeriod] = 'Choose one of the periods listed.';
  else {
    const p = fiscalPeriodStarting(start, kind as FiscalPeriodKind, ctx.fiscalStartMonth);
    if (p.ok) period = { kind: p.period.kind, start: p.period.start, end: dayToIso(p.period.toDay) };
    else errors[BLOCK_IDS.targetsPeriod] = `Choose the period again: ${p.message}`;
  }
  let scope: { kind: 'team' | 'sales_team' | 'pipeline' | 'rep'; id: string } | null = null;
  const colon = (d.scope ?? '').indexOf(':');
  const scopeKind = colon > 0 ? d.scope!.slice(0, colon) : '';
  const scopeId = colon > 0 ? d.scope!.slice(colon + 1) : '';
  if (!d.scope) errors[BLOCK_IDS.targetsScope] = 'Choose the company, a team, a pipeline or a rep.';
  else if (scopeKind === 'team') scope = { kind: 'team', id: '' };
  else if (scopeKind === 'sales_team' && ctx.teams.some((t) => t.id === scopeId)) scope = { kind: 'sales_team', id: scopeId };
  else if (scopeKind === 'pipeline' && ctx.pipelines.some((p) => p.id === scopeId)) scope = { kind: 'pipeline', id: scopeId };
  else if (scopeKind === 'rep' && ctx.owners.some((o) => o.id === scopeId)) scope = { kind: 'rep', id: scopeId };
  else errors[BLOCK_IDS.targetsScope] = 'That team, pipeline or rep no longer exists; choose again.';
  const amount = parseTargetAmount(d.amount);
  if (amount === null || amount <= 0) errors[BLOCK_IDS.targetsAmount] = 'Enter an amount above 0 in digits, e.g. 1200000 or 1,200,000 (no currency sign).';
  const currency = d.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency) || !KNOWN_CURRENCIES.has(currency)) errors[BLOCK_IDS.targetsCurrency] = 'Enter a three-letter currency code, e.g. USD, EUR or JPY.';
  if (Object.keys(errors).length || !period || !scope || amount === null) return { ok: false, errors };
  return {
    ok: true,
    target: { periodKind: period.kind, periodStart: period.start, periodEnd: period.end, scopeKind: scope.kind, scopeId: scope.id, currency, amount },
  };
}

export type TargetsSubmitResult =
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update'; view: ReturnType<typeof targetsModalView> }
  | undefined;

export async function onTargetsSubmit(input: { userId: string; callbackId?: string; values: Parameters<typeof readTargetsState>[0] }, deps: CommandDeps): Promise<TargetsSubmitResult> {
  if (input.callbackId !== CALLBACK_IDS.targetsModal) return undefined;
  if (!(await deps.admins.isAdmin(input.userId))) {
    deps.log(`targets: refused a save by ${input.userId} (not an admin)`);
    return { response_action: 'errors', errors: { [BLOCK_IDS.targetsAmount]: NOT_ADMIN_TEXT } };
  }
  const owners = listOwners(deps.db, deps.crm);
  const pipelines = listPipelines(deps.db, deps.crm);
  const fsm = fiscalStartMonth(deps);
  const teams = loadTargetTeams(deps.db, deps.crm).choices.map((t) => ({ id: t.scopeId }));
  const r = validateTargetsDraft(readTargetsState(input.values), { fiscalStartMonth: fsm, owners, pipelines, teams });
  if (!r.ok) return { response_action: 'errors', errors: r.errors };
  const t = r.target;
  const before = effectiveTargets(deps.db, deps.crm, t.periodKind, t.periodStart).find((x) => x.scopeKind === t.scopeKind && x.scopeId === t.scopeId);
  // Audited in settings_audit by saveTargets, as every person's change of a target is.
  saveTargets(deps.db, deps.crm, [t], { source: 'slack', userId: input.userId, now: deps.now() });
  const who = t.scopeKind === 'team' ? 'the company' : scopeNamer(deps)(t);
  const label = fiscalPeriodStarting(t.periodStart, t.periodKind, fsm);
  const periodLabel = label.ok ? label.period.label : t.periodStart;
  const was = before ? ` (was ${formatMoney(before.amount, before.currency)}, set by ${before.source})` : '';
  const saved = `Saved: ${who}, ${periodLabel}: ${formatMoney(t.amount, t.currency)}${was}.`;
  deps.log(`targets: ${input.userId} set ${t.periodKind} ${t.periodStart} ${t.scopeKind}:${t.scopeId} to ${t.amount} ${t.currency}`);
  return { response_action: 'update', view: targetsModalView(modalInput(deps, saved)) };
}
