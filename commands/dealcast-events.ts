/**
 * /dealcast events: the deal-events and visibility modal (admins only). Opening and every
 * submission re-check the admin on the server. A submission is validated as a whole (errors
 * next to the fields, nothing saved unless all is valid), then saved in one transaction with an
 * audit row per changed value.
 */
import { CALLBACK_IDS, BLOCK_IDS } from '../src/ids.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../src/metrics/deal-events.js';
import { DEAL_EVENT_SETTING_KEYS, readDealEventConfig } from '../src/jobs/deal-event-settings.js';
import { VISIBILITY_KEYS, carryTeamIds, readVisibility, type Team, type VisibilityScope } from '../src/access/visibility.js';
import { eventsSettingsView, readEventsState, type EventsDraft } from '../src/views/events-settings-modal.js';
import { listOwners } from '../store/owners.js';
import { listCrmTeams } from '../store/crm-teams.js';
import { saveRegisteredSettings } from '../src/settings/change.js';
import type { SettingKey } from '../src/settings/registry.js';
import { NOT_ADMIN_TEXT } from './dealcast-settings.js';
import { replyTarget, type CommandDeps, type CommandRequest } from './command-context.js';

/** CRMs whose teams are read at each sync, and what the modal calls them. */
const CRMS_WITH_TEAMS: Partial<Record<string, string>> = { hubspot: 'HubSpot teams', pipedrive: 'Pipedrive teams', salesforce: 'Salesforce roles' };

export async function openEventsSettings(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!(await deps.admins.isAdmin(req.userId))) {
    deps.log(`events: refused /dealcast events for ${req.userId} (not an admin)`);
    await deps.slack.replyEphemeral(target, { text: NOT_ADMIN_TEXT });
    return;
  }
  if (!req.triggerId) {
    await deps.slack.replyEphemeral(target, { text: 'Slack sent no trigger for a dialog with this command; run /dealcast events again.' });
    return;
  }
  const cfg = readDealEventConfig(deps.db, deps.crm);
  const vis = readVisibility(deps.db);
  const ownerNames = new Map(listOwners(deps.db, deps.crm).map((o) => [o.id, o.name]));
  // The field edits the teams set in Slack; the CRM's own teams are shown beside it, never copied in.
  const crmTeams = CRMS_WITH_TEAMS[deps.crm] ? { crmLabel: CRMS_WITH_TEAMS[deps.crm]!, teams: listCrmTeams(deps.db, deps.crm) } : undefined;
  await deps.slack.openView(req.triggerId, eventsSettingsView({ ...cfg, ...vis, ownerNames, crmTeams }));
}

export interface EventsValues {
  channel: string | null;
  kinds: DealEventKind[];
  dmOwners: boolean;
  bigDealAmount: number | null;
  bigDealCurrency: string | null;
  scope: VisibilityScope;
  teams: Team[];
}

/** Checks a draft; returns the values to save, or errors by block_id. */
export function validateEventsDraft(d: EventsDraft, owners: { id: string; name: string }[], crmTeams = 0): { ok: true; values: EventsValues } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const kinds = d.kinds.filter((k): k is DealEventKind => (DEAL_EVENT_KINDS as readonly string[]).includes(k));
  let amount: number | null = null;
  if (d.bigDealAmount.trim()) {
    const n = Number(d.bigDealAmount.trim());
    if (!Number.isFinite(n) || n <= 0) errors[BLOCK_IDS.eventsBigAmount] = 'Enter an amount above 0, or leave it empty for no big-deal events.';
    else amount = n;
  }
  const cur = d.bigDealCurrency.trim().toUpperCase();
  if (cur && !/^[A-Z]{3}$/.test(cur)) errors[BLOCK_IDS.eventsBigCurrency] = 'Enter a three-letter currency code, e.g. USD, EUR or JPY.';
  if (amount !== null && !cur) errors[BLOCK_IDS.eventsBigCurrency] = 'Say which currency the amount is in: deals in other currencies are never compared with it.';
  const scope = (['all', 'team', 'own'] as const).find((s) => s === d.scope) ?? 'all';
  const teams: Team[] = [];
  const problems: string[] = [];
  for (const [i, raw] of d.teams.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${i + 1}: write "Team name: Owner, Owner"`);
      continue;
    }
    const name = line.slice(0, colon).trim();
    const ids: string[] = [];
    for (const who of line.slice(colon + 1).split(',').map((s) => s.trim()).filter(Boolean)) {
      const hit = owners.filter((o) => o.name.toLowerCase() === who.toLowerCase() || o.id === who);
      if (hit.length === 1) ids.push(hit[0]!.id);
      else problems.push(hit.length ? `"${who}" matches ${hit.length} owners; use the owner id` : `no CRM owner is called "${who}"`);
    }
    teams.push({ name: name.slice(0, 80), ownerIds: [...new Set(ids)] });
  }
  if (problems.length) errors[BLOCK_IDS.visibilityTeams] = problems.slice(0, 5).join('; ').slice(0, 1900);
  if (scope === 'team' && !teams.length && !crmTeams && !problems.length) errors[BLOCK_IDS.visibilityTeams] = 'List at least one team, or choose another option above.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, values: { channel: d.channel, kinds, dmOwners: d.dmOwners, bigDealAmount: amount, bigDealCurrency: cur || null, scope, teams } };
}

export type EventsSubmitResult = { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'clear' } | undefined;

export async function onEventsSubmit(input: { userId: string; callbackId?: string; values: Parameters<typeof readEventsState>[0] }, deps: CommandDeps): Promise<EventsSubmitResult> {
  if (input.callbackId !== CALLBACK_IDS.eventsModal) return undefined;
  if (!(await deps.admins.isAdmin(input.userId))) {
    deps.log(`events: refused a save by ${input.userId} (not an admin)`);
    return { response_action: 'errors', errors: { [BLOCK_IDS.visibilityScope]: NOT_ADMIN_TEXT } };
  }
  const owners = listOwners(deps.db, deps.crm);
  const r = validateEventsDraft(readEventsState(input.values), owners, listCrmTeams(deps.db, deps.crm).length);
  if (!r.ok) return { response_action: 'errors', errors: r.errors };
  const v = r.values;
  const writes: [SettingKey, unknown][] = [
    [DEAL_EVENT_SETTING_KEYS.channel, v.channel],
    [DEAL_EVENT_SETTING_KEYS.kinds, v.kinds],
    [DEAL_EVENT_SETTING_KEYS.dmOwners, v.dmOwners],
    [DEAL_EVENT_SETTING_KEYS.bigDealAmount, v.bigDealAmount],
    [DEAL_EVENT_SETTING_KEYS.bigDealCurrency, v.bigDealCurrency],
    [VISIBILITY_KEYS.scope, v.scope],
    // Each team keeps the id of the team it continues (same name, or a rename with the same
    // owners), so a team target set for it stays with it.
    [VISIBILITY_KEYS.teams, carryTeamIds(readVisibility(deps.db).teams, v.teams)],
  ];
  // Validated against the registry and audited, like every other setting.
  saveRegisteredSettings(deps.db, writes, input.userId, deps.now());
  deps.log(`events: saved by ${input.userId} (feed ${v.channel ?? 'off'}, visibility ${v.scope})`);
  return { response_action: 'clear' };
}
