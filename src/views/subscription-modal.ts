/**
 * The subscription modal: `/dealcast subscribe` without arguments opens it empty, Edit on the
 * list opens it filled. Report, filters (as typed in commands), where (this channel or my DM),
 * how often (and on which weekdays / days of the month), at what time, in which time zone,
 * and the holiday skip list. Pure: data in, a view out; view state back to a draft.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import type { Frequency } from '../../store/subscriptions.js';
import { clip } from './numbers.js';

type View = types.ModalView;
type KnownBlock = types.KnownBlock;

export interface SubscriptionForm {
  /** Set when editing. */
  id: number | null;
  /** The channel the modal was opened from ('' from a DM). */
  channel: string;
  report: string;
  filters: string;
  toDm: boolean;
  frequency: Frequency;
  days: number[];
  time: string;
  timeZone: string;
  skipDates: string[];
}

const plain = (text: string, max = 75) => ({ type: 'plain_text' as const, text: clip(text, max), emoji: true });
const opt = (text: string, value: string) => ({ text: plain(text), value });
const WEEKDAY_OPTIONS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d, i) => opt(d, String(i + 1)));
const FREQUENCIES: Record<Frequency, string> = { daily: 'Every day', weekdays: 'Every weekday (Mon–Fri)', weekly: 'Weekly, on the days below', monthly: 'Monthly, on the days of the month below' };

export function subscriptionModal(f: SubscriptionForm, reports: readonly string[]): View {
  const reportOptions = reports.map((r) => opt(r, r));
  const freqOptions = (Object.keys(FREQUENCIES) as Frequency[]).map((k) => opt(FREQUENCIES[k], k));
  const whereOptions = [...(f.channel && !f.channel.startsWith('D') ? [opt('This channel', 'channel')] : []), opt('My direct messages', 'dm')];
  const where = f.toDm || !whereOptions.some((o) => o.value === 'channel') ? whereOptions.find((o) => o.value === 'dm')! : whereOptions[0]!;
  const weekdays = f.frequency === 'weekly' ? f.days.filter((d) => d >= 1 && d <= 7) : [];
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionReport,
      label: plain('Report'),
      element: { type: 'static_select', action_id: ACTION_IDS.subscriptionField, options: reportOptions, ...(reports.includes(f.report) ? { initial_option: opt(f.report, f.report) } : {}) },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionFilters,
      optional: true,
      label: plain('Filters'),
      element: { type: 'plain_text_input', action_id: ACTION_IDS.subscriptionField, ...(f.filters ? { initial_value: clip(f.filters, 500) } : {}), placeholder: plain('owner:me pipeline:"Enterprise" since:90d', 150) },
      hint: plain('As in the report commands. owner:me means you.', 150),
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionWhere,
      label: plain('Send to'),
      element: { type: 'radio_buttons', action_id: ACTION_IDS.subscriptionField, options: whereOptions, initial_option: where },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionFrequency,
      label: plain('How often'),
      element: { type: 'static_select', action_id: ACTION_IDS.subscriptionField, options: freqOptions, initial_option: opt(FREQUENCIES[f.frequency], f.frequency) },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionDays,
      optional: true,
      label: plain('Weekly on'),
      element: { type: 'checkboxes', action_id: ACTION_IDS.subscriptionField, options: WEEKDAY_OPTIONS, ...(weekdays.length ? { initial_options: weekdays.map((d) => WEEKDAY_OPTIONS[d - 1]!) } : {}) },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionMonthDays,
      optional: true,
      label: plain('Monthly on days'),
      element: {
        type: 'plain_text_input',
        action_id: ACTION_IDS.subscriptionField,
        ...(f.frequency === 'monthly' && f.days.length ? { initial_value: f.days.join(',') } : {}),
        placeholder: plain('1,15'),
      },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionTime,
      label: plain('At'),
      element: { type: 'timepicker', action_id: ACTION_IDS.subscriptionField, initial_time: f.time },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionTimeZone,
      label: plain('Time zone'),
      element: { type: 'plain_text_input', action_id: ACTION_IDS.subscriptionField, initial_value: f.timeZone, placeholder: plain('Europe/Berlin') },
    },
    {
      type: 'input',
      block_id: BLOCK_IDS.subscriptionSkip,
      optional: true,
      label: plain('Skip these days (holidays)'),
      element: {
        type: 'plain_text_input',
        action_id: ACTION_IDS.subscriptionField,
        ...(f.skipDates.length ? { initial_value: clip(f.skipDates.join(','), 3000) } : {}),
        placeholder: plain('2026-12-24,2026-12-31'),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.subscriptionModal,
    title: plain(f.id ? 'Edit subscription' : 'New subscription', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ id: f.id, channel: f.channel }),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_time?: string | null; selected_options?: { value: string }[]; selected_option?: { value: string } | null }>>;

export interface SubscriptionDraft {
  id: number | null;
  channel: string;
  report: string;
  filters: string;
  toDm: boolean;
  frequency: string;
  weekdays: number[];
  monthDays: string;
  time: string;
  timeZone: string;
  skip: string;
}

export function readSubscriptionState(values: StateValues, privateMetadata: string | undefined): SubscriptionDraft {
  const f = (b: string) => values[b]?.[ACTION_IDS.subscriptionField];
  let meta: { id?: unknown; channel?: unknown } = {};
  try {
    meta = JSON.parse(privateMetadata ?? '{}') as typeof meta;
  } catch {
    meta = {};
  }
  return {
    id: typeof meta.id === 'number' ? meta.id : null,
    channel: typeof meta.channel === 'string' ? meta.channel : '',
    report: f(BLOCK_IDS.subscriptionReport)?.selected_option?.value ?? '',
    filters: f(BLOCK_IDS.subscriptionFilters)?.value ?? '',
    toDm: f(BLOCK_IDS.subscriptionWhere)?.selected_option?.value === 'dm',
    frequency: f(BLOCK_IDS.subscriptionFrequency)?.selected_option?.value ?? 'weekdays',
    weekdays: (f(BLOCK_IDS.subscriptionDays)?.selected_options ?? []).map((o) => Number(o.value)).filter((n) => n >= 1 && n <= 7),
    monthDays: f(BLOCK_IDS.subscriptionMonthDays)?.value ?? '',
    time: f(BLOCK_IDS.subscriptionTime)?.selected_time ?? '',
    timeZone: f(BLOCK_IDS.subscriptionTimeZone)?.value ?? '',
    skip: f(BLOCK_IDS.subscriptionSkip)?.value ?? '',
  };
}
