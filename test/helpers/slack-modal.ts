/**
 * Plays Slack's client for a modal in tests: holds the view the app last opened or updated (as
 * the fake Slack recorded it), computes `view.state.values` the way Slack does (every stateful
 * element with its current value: the initial value until the user changes it), lets the test
 * "type" into fields, and builds block_actions and view_submission payloads exactly as Slack
 * sends them.
 */
import type { RecordedCall } from '../fakes/slack.js';

type Json = Record<string, any>;

export interface ModalUser {
  id: string;
  name: string;
}

const STATEFUL = new Set(['plain_text_input', 'static_select', 'checkboxes', 'conversations_select', 'timepicker', 'number_input', 'radio_buttons']);

function initialState(el: Json): Json {
  switch (el.type) {
    case 'plain_text_input':
    case 'number_input':
      return { type: el.type, value: el.initial_value ?? null };
    case 'static_select':
      return { type: el.type, selected_option: el.initial_option ?? null };
    case 'checkboxes':
      return { type: el.type, selected_options: el.initial_options ?? [] };
    case 'conversations_select':
      return { type: el.type, selected_conversation: el.initial_conversation ?? null };
    case 'timepicker':
      return { type: el.type, selected_time: el.initial_time ?? null };
    default:
      return { type: el.type };
  }
}

export class ModalSession {
  /** The view as Slack holds it (with id and hash). */
  view: Json;
  /** Edits the user made since the last render: block_id -> action_id -> state. */
  private edits = new Map<string, Map<string, Json>>();

  constructor(
    call: RecordedCall,
    readonly teamId = 'T0FAKE',
  ) {
    this.view = ModalSession.viewOf(call);
  }

  static viewOf(call: RecordedCall): Json {
    const answer = call.answer as { view?: Json };
    return { ...(call.params.view as Json), id: answer.view?.id, hash: answer.view?.hash };
  }

  /** Takes a newer render (views.update). Like Slack, keeps what the user typed into blocks whose block_id is unchanged. */
  update(call: RecordedCall): void {
    const next = ModalSession.viewOf(call);
    const ids = new Set((next.blocks as Json[]).map((b) => b.block_id));
    for (const id of [...this.edits.keys()]) if (!ids.has(id)) this.edits.delete(id);
    this.view = { ...next, id: this.view.id };
  }

  get blocks(): Json[] {
    return this.view.blocks as Json[];
  }

  block(blockId: string): Json {
    const b = this.blocks.find((x) => x.block_id === blockId);
    if (!b) throw new Error(`no block ${blockId} in the view; blocks: ${this.blocks.map((x) => x.block_id).join(', ')}`);
    return b;
  }

  blockStartingWith(prefix: string, suffix = ''): Json[] {
    return this.blocks.filter((b) => typeof b.block_id === 'string' && b.block_id.startsWith(prefix) && b.block_id.endsWith(suffix));
  }

  private elements(b: Json): Json[] {
    if (b.type === 'input') return [b.element];
    if (b.type === 'actions') return b.elements;
    if (b.type === 'section' && b.accessory) return [b.accessory];
    return [];
  }

  /** Slack's view.state.values for the current view and the user's edits. */
  stateValues(): Json {
    const values: Json = {};
    for (const b of this.blocks) {
      for (const el of this.elements(b)) {
        if (!STATEFUL.has(el.type)) continue;
        values[b.block_id] ??= {};
        values[b.block_id][el.action_id] = this.edits.get(b.block_id)?.get(el.action_id) ?? initialState(el);
      }
    }
    return values;
  }

  /** The user changes one element. */
  set(blockId: string, actionId: string, state: Json): void {
    const b = this.block(blockId);
    const el = this.elements(b).find((e) => e.action_id === actionId);
    if (!el) throw new Error(`no element ${actionId} in block ${blockId}`);
    if (!this.edits.has(blockId)) this.edits.set(blockId, new Map());
    this.edits.get(blockId)!.set(actionId, { type: el.type, ...state });
  }

  typeText(blockId: string, actionId: string, value: string): void {
    this.set(blockId, actionId, { value });
  }

  selectOption(blockId: string, actionId: string, value: string): Json {
    const b = this.block(blockId);
    const el = this.elements(b).find((e) => e.action_id === actionId)!;
    // A select holds options, or option groups each holding options.
    const options: Json[] = el.options ?? (el.option_groups as Json[] | undefined)?.flatMap((g) => g.options) ?? [];
    const option = options.find((o) => o.value === value);
    if (!option) throw new Error(`no option ${value} in ${blockId}/${actionId}`);
    this.set(blockId, actionId, { selected_option: option });
    return option;
  }

  private viewPayload(): Json {
    return {
      id: this.view.id,
      team_id: this.teamId,
      type: 'modal',
      blocks: this.view.blocks,
      private_metadata: this.view.private_metadata ?? '',
      callback_id: this.view.callback_id,
      state: { values: this.stateValues() },
      hash: this.view.hash,
      title: this.view.title,
      clear_on_close: false,
      notify_on_close: false,
      close: this.view.close ?? null,
      submit: this.view.submit ?? null,
      previous_view_id: null,
      root_view_id: this.view.id,
      app_id: 'A0DEALCAST',
      external_id: '',
      app_installed_team_id: this.teamId,
      bot_id: 'BBOT',
    };
  }

  private envelope(user: ModalUser): Json {
    return {
      team: { id: this.teamId, domain: 'fake' },
      user: { id: user.id, username: user.name, name: user.name, team_id: this.teamId },
      api_app_id: 'A0DEALCAST',
      token: 'deprecated-verification-token',
      trigger_id: `${Date.now()}.42.${Math.random().toString(16).slice(2, 10)}`,
      is_enterprise_install: false,
      enterprise: null,
    };
  }

  /** A block_actions payload for the user pressing/choosing `actionId` in `blockId`. */
  blockActions(user: ModalUser, blockId: string, actionId: string, extra: Json = {}): Json {
    const b = this.block(blockId);
    const el = this.elements(b).find((e) => e.action_id === actionId);
    if (!el) throw new Error(`no element ${actionId} in block ${blockId}`);
    const state = this.edits.get(blockId)?.get(actionId);
    return {
      type: 'block_actions',
      ...this.envelope(user),
      container: { type: 'view', view_id: this.view.id },
      view: this.viewPayload(),
      actions: [
        {
          type: el.type,
          action_id: actionId,
          block_id: blockId,
          ...(el.type === 'button' ? { text: el.text, value: el.value } : {}),
          ...(state ?? {}),
          ...extra,
          action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
        },
      ],
    };
  }

  viewSubmission(user: ModalUser): Json {
    return { type: 'view_submission', ...this.envelope(user), view: this.viewPayload(), response_urls: [] };
  }
}
