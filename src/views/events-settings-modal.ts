/**
 * The deal-events and visibility modal (/dealcast events, admins only): where the deal-event
 * feed goes, which kinds, DMs to owners, the big-deal threshold and its currency; and what
 * non-admins may see (everything, their team's deals, their own), with the teams as lines of
 * "Team name: Owner name, Owner name". Pure: data in, a view out; view state back to a draft.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { DEAL_EVENT_KINDS, DEAL_EVENT_LABELS, type DealEventKind } from '../metrics/deal-events.js';
import type { Team, VisibilityScope } from '../access/visibility.js';
import { clip, escapeMrkdwn, isolateName } from './numbers.js';

type View = types.ModalView;
type KnownBlock = types.KnownBlock;

export interface EventsSettingsInput {
  channel: string | null;
  kinds: ReadonlySet<DealEventKind>;
  dmOwners: boolean;
  bigDealAmount: number | null;
  bigDealCurrency: string | null;
  scope: VisibilityScope;
  teams: Team[];
  /** CRM owner id -> name (teams are shown by name). */
  ownerNames: ReadonlyMap<string, string>;
  /** The CRM's own teams (read at each sync), shown beside the field; absent when it keeps none. */
  crmTeams?: { crmLabel: string; teams: { name: string; ownerIds: string[] }[] };
}

/** The CRM's teams in one context line: names and sizes, those replaced by a Slack team marked. */
export function crmTeamsText(crm: NonNullable<EventsSettingsInput['crmTeams']>, slack: Team[]): string {
  if (!crm.teams.length) return `${crm.crmLabel} has no teams dealcast can read; teams listed above are the only ones.`;
  const replaced = new Set(slack.map((t) => t.name.normalize('NFC').trim().toLocaleLowerCase('und')));
  const list = crm.teams
    .map((t) => `${isolateName(escapeMrkdwn(t.name))} (${t.ownerIds.length})${replaced.has(t.name.normalize('NFC').trim().toLocaleLowerCase('und')) ? ' – replaced above' : ''}`)
    .join(', ');
  return `*From ${crm.crmLabel}* (read at each sync): ${list}. A team listed above with the same name replaces the CRM's; \`Name:\` with no owners hides it.`;
}

const plain = (text: string, max = 150) => ({ type: 'plain_text' as const, text: clip(text, max), emoji: true });
const DM_OPTION = { text: plain('Also DM each event to the deal owner'), value: 'dm' };
const SCOPE_OPTIONS: Record<VisibilityScope, { text: ReturnType<typeof plain>; value: string; description: ReturnType<typeof plain> }> = {
  all: { text: plain('Everything'), value: 'all', description: plain('Everyone sees every deal and rep (as before).') },
  team: { text: plain("Their team's deals"), value: 'team', description: plain('Non-admins see the deals of the owners in their team(s) below.') },
  own: { text: plain('Only their own deals'), value: 'own', description: plain('Non-admins see only deals they own in the CRM.') },
};

export function teamsText(teams: Team[], names: ReadonlyMap<string, string>): string {
  return teams.map((t) => `${t.name}: ${t.ownerIds.map((id) => names.get(id) ?? id).join(', ')}`).join('\n');
}

export function eventsSettingsView(s: EventsSettingsInput): View {
  const kindOption = (k: DealEventKind) => ({ text: plain(DEAL_EVENT_LABELS[k]), value: k });
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: BLOCK_IDS.eventsHeader, text: plain('Deal events') },
    {
      type: 'context',
      block_id: BLOCK_IDS.eventsIntro,
      elements: [{ type: 'mrkdwn', text: 'After each sync, changes to deals are posted to this channel, one thread per deal. The first sync after install announces nothing.' }],
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.eventsChannel,
      optional: true,
      label: plain('Feed channel'),
      element: {
        type: 'conversations_select',
        action_id: ACTION_IDS.eventsField,
        placeholder: plain('Choose a channel'),
        filter: { include: ['public', 'private'], exclude_bot_users: true, exclude_external_shared_channels: true },
        ...(s.channel ? { initial_conversation: s.channel } : {}),
      },
      hint: plain('Invite @dealcast to a private channel first. Leave empty for no feed.'),
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.eventsKinds,
      optional: true,
      label: plain('Announce'),
      element: {
        type: 'checkboxes',
        action_id: ACTION_IDS.eventsField,
        options: DEAL_EVENT_KINDS.map(kindOption),
        ...(s.kinds.size ? { initial_options: DEAL_EVENT_KINDS.filter((k) => s.kinds.has(k)).map(kindOption) } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.eventsDm,
      optional: true,
      label: plain('Owners'),
      element: { type: 'checkboxes', action_id: ACTION_IDS.eventsField, options: [DM_OPTION], ...(s.dmOwners ? { initial_options: [DM_OPTION] } : {}) },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.eventsBigAmount,
      optional: true,
      label: plain('Big new deal: at least'),
      element: {
        type: 'number_input',
        action_id: ACTION_IDS.eventsField,
        is_decimal_allowed: true,
        min_value: '0',
        ...(s.bigDealAmount !== null ? { initial_value: String(s.bigDealAmount) } : {}),
        placeholder: plain('e.g. 50000'),
      },
      hint: plain('Empty: no big-deal events. Only deals in the currency below are compared with it.'),
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.eventsBigCurrency,
      optional: true,
      label: plain('Currency of that amount'),
      element: {
        type: 'plain_text_input',
        action_id: ACTION_IDS.eventsField,
        max_length: 3,
        ...(s.bigDealCurrency ? { initial_value: s.bigDealCurrency } : {}),
        placeholder: plain('USD, EUR, JPY …'),
      },
    },
    { type: 'header', block_id: BLOCK_IDS.visibilityHeader, text: plain('Who sees what') },
    {
      type: 'input',
      block_id: BLOCK_IDS.visibilityScope,
      label: plain('Non-admins see'),
      element: {
        type: 'radio_buttons',
        action_id: ACTION_IDS.eventsField,
        options: Object.values(SCOPE_OPTIONS),
        initial_option: SCOPE_OPTIONS[s.scope],
      },
      hint: plain('Applies to commands, buttons, App Home, subscriptions and CSV downloads. Admins always see everything.'),
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.visibilityTeams,
      optional: true,
      label: plain('Teams (one per line)'),
      element: {
        type: 'plain_text_input',
        action_id: ACTION_IDS.eventsField,
        multiline: true,
        max_length: 3000,
        ...(s.teams.length ? { initial_value: clip(teamsText(s.teams, s.ownerNames), 3000) } : {}),
        placeholder: plain('Enterprise: Maria Lopez, 山田 太郎'),
      },
      hint: plain('Team name, a colon, then CRM owner names separated by commas.'),
    },
    ...(s.crmTeams
      ? [{ type: 'context' as const, block_id: BLOCK_IDS.visibilityCrmTeams, elements: [{ type: 'mrkdwn' as const, text: clip(crmTeamsText(s.crmTeams, s.teams), 3000) }] }]
      : []),
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.eventsModal,
    title: plain('Deal events & access', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

export interface EventsDraft {
  channel: string | null;
  kinds: string[];
  dmOwners: boolean;
  bigDealAmount: string;
  bigDealCurrency: string;
  scope: string;
  teams: string;
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_conversation?: string | null; selected_options?: { value: string }[]; selected_option?: { value: string } | null }>>;

export function readEventsState(values: StateValues): EventsDraft {
  const f = (b: string) => values[b]?.[ACTION_IDS.eventsField];
  return {
    channel: f(BLOCK_IDS.eventsChannel)?.selected_conversation ?? null,
    kinds: (f(BLOCK_IDS.eventsKinds)?.selected_options ?? []).map((o) => o.value),
    dmOwners: (f(BLOCK_IDS.eventsDm)?.selected_options ?? []).some((o) => o.value === DM_OPTION.value),
    bigDealAmount: f(BLOCK_IDS.eventsBigAmount)?.value ?? '',
    bigDealCurrency: f(BLOCK_IDS.eventsBigCurrency)?.value ?? '',
    scope: f(BLOCK_IDS.visibilityScope)?.selected_option?.value ?? 'all',
    teams: f(BLOCK_IDS.visibilityTeams)?.value ?? '',
  };
}
