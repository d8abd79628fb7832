/**
 * The targets modal (/dealcast targets, admins only): one target at a time — the period (this or
 * next month, fiscal quarter or fiscal year), the scope (the company, a team, a pipeline or a rep), the
 * amount and its currency — above the targets in effect for the current quarter and month and
 * who set them. A target saved here outranks the CSV's and the CRM's. Pure: data in, a view out;
 * view state back to a draft.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import type { FiscalPeriod } from '../time/fiscal.js';
import { dayToIso } from '../time/calendar.js';
import { clip, escapeMrkdwn, formatMoney, isolateName } from './numbers.js';

type View = types.ModalView;
type KnownBlock = types.KnownBlock;

/** Options a static select may hold (Slack's limit). */
export const MAX_SELECT_OPTIONS = 100;

export interface TargetPeriodChoice {
  /** 'This quarter', 'Next month', … */
  name: string;
  period: FiscalPeriod;
}

export interface TargetsModalInput {
  periods: TargetPeriodChoice[];
  /** Teams a target may be for: id = the scope id ('crm:<id>', 'slack:<id>'), so a renamed team keeps its target. */
  teams: { id: string; name: string }[];
  pipelines: { id: string; name: string }[];
  reps: { id: string; name: string }[];
  /** The reporting currency: the currency field's initial value. */
  currency: string;
  /** Targets in effect for the current quarter and month, as lines already worded. */
  current: { period: string; lines: { scope: string; amount: number; currency: string; source: string }[] }[];
  /** After a save: what was saved, worded. */
  saved?: string;
}

export interface TargetsDraft {
  period: string | null;
  scope: string | null;
  amount: string;
  currency: string;
}

const plain = (text: string, max = 75) => ({ type: 'plain_text' as const, text: clip(text, max), emoji: true });
const option = (text: string, value: string) => ({ text: plain(text), value: clip(value, 150) });

/** A period choice's select value: 'quarter:2026-10-01'. */
export const periodValue = (p: FiscalPeriod): string => `${p.kind}:${p.start}`;
/** A scope's select value: 'team:' (the company), 'sales_team:crm:42', 'pipeline:<id>', 'rep:<owner id>'. */
export const scopeValue = (kind: 'team' | 'sales_team' | 'pipeline' | 'rep', id = ''): string => `${kind}:${id}`;

export function targetsModalView(m: TargetsModalInput): View {
  const periodOptions = m.periods.map((c) => option(`${c.name}: ${c.period.label} (${c.period.start} – ${dayToIso(c.period.toDay - 1)})`, periodValue(c.period)));
  // The company first, then teams, pipelines and reps, within Slack's 100 options.
  const room = MAX_SELECT_OPTIONS - 1;
  const teams = m.teams.slice(0, room);
  const pipelines = m.pipelines.slice(0, room - teams.length);
  const reps = m.reps.slice(0, room - teams.length - pipelines.length);
  const groups = [
    { label: plain('Company'), options: [option('The whole company', scopeValue('team'))] },
    ...(teams.length ? [{ label: plain('Teams'), options: teams.map((t) => option(t.name, scopeValue('sales_team', t.id))) }] : []),
    ...(pipelines.length ? [{ label: plain('Pipelines'), options: pipelines.map((p) => option(p.name, scopeValue('pipeline', p.id))) }] : []),
    ...(reps.length ? [{ label: plain('Reps'), options: reps.map((r) => option(r.name, scopeValue('rep', r.id))) }] : []),
  ];
  const left = m.teams.length + m.pipelines.length + m.reps.length - teams.length - pipelines.length - reps.length;
  const blocks: KnownBlock[] = [];
  if (m.saved) blocks.push({ type: 'section', block_id: BLOCK_IDS.targetsSaved, text: { type: 'mrkdwn', text: clip(`:white_check_mark: ${m.saved}`, 3000) } });
  blocks.push({
    type: 'context',
    block_id: BLOCK_IDS.targetsIntro,
    elements: [
      {
        type: 'mrkdwn',
        text: `A target set here wins over one from a CSV import or the CRM, and every change is audited.${left > 0 ? ` ${left} more teams, pipelines or reps than a list can hold: set theirs with \`dealcast import-targets\`.` : ''}`,
      },
    ],
  });
  blocks.push(
    { type: 'input', block_id: BLOCK_IDS.targetsPeriod, label: plain('Period'), element: { type: 'static_select', action_id: ACTION_IDS.targetsField, placeholder: plain('Choose a period'), options: periodOptions } },
    { type: 'input', block_id: BLOCK_IDS.targetsScope, label: plain('For'), element: { type: 'static_select', action_id: ACTION_IDS.targetsField, placeholder: plain('The company, a team, a pipeline or a rep'), option_groups: groups } },
    {
      type: 'input',
      block_id: BLOCK_IDS.targetsAmount,
      label: plain('Amount'),
      hint: plain('A whole amount, e.g. 1200000 or 1,200,000.', 150),
      element: { type: 'plain_text_input', action_id: ACTION_IDS.targetsField, placeholder: plain('1,200,000') },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.targetsCurrency,
      label: plain('Currency'),
      hint: plain('Three letters (USD, EUR, JPY). Only deals in this currency count toward the target.', 150),
      element: { type: 'plain_text_input', action_id: ACTION_IDS.targetsField, initial_value: m.currency, max_length: 3 },
    },
  );
  const current = m.current
    .map((c) => `*${escapeMrkdwn(c.period)}*\n${c.lines.map((l) => `• ${isolateName(escapeMrkdwn(l.scope))}: ${formatMoney(l.amount, l.currency)} (${l.source})`).join('\n') || '• none yet'}`)
    .join('\n');
  blocks.push({ type: 'divider' }, { type: 'section', block_id: BLOCK_IDS.targetsCurrent, text: { type: 'mrkdwn', text: clip(`*Targets in effect*\n${current}`, 3000) } });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.targetsModal,
    title: plain('dealcast targets', 24),
    submit: plain('Save target', 24),
    close: plain('Close', 24),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null }>>;

/** The modal's state back to a draft (what the admin chose and typed). */
export function readTargetsState(values: StateValues): TargetsDraft {
  const el = (block: string) => values[block]?.[ACTION_IDS.targetsField];
  return {
    period: el(BLOCK_IDS.targetsPeriod)?.selected_option?.value ?? null,
    scope: el(BLOCK_IDS.targetsScope)?.selected_option?.value ?? null,
    amount: el(BLOCK_IDS.targetsAmount)?.value ?? '',
    currency: el(BLOCK_IDS.targetsCurrency)?.value ?? '',
  };
}
