/**
 * The one argument grammar every slash command shares:
 *
 *   /pipeline owner:@maria pipeline:"Enterprise" since:90d
 *   /deals stage:Proposal stuck
 *   /reps 7d
 *   /forecast owner:me
 *
 * A token is `key:value` (value optionally in straight or curly quotes), a bare duration
 * (`7d`, shorthand for since:7d) or a bare flag (`stuck`, `help`). Slack escapes user mentions
 * as `<@U123|maria>` (or `<@U123>`) when the command has escaping on, and escapes &, <, > as
 * HTML entities; both forms of a mention are understood. Parsing is pure: resolving an owner to
 * a CRM owner or a duration to a date happens later, with the database and `now`.
 */
import type { OwnerArg } from '../src/delivery/slack-owners.js';

import { describeSince, parseSinceText, type SinceArg } from '../src/time/parse.js';

export type FilterKey = 'owner' | 'pipeline' | 'source' | 'since' | 'stage';
export type FlagKey = 'stuck' | 'closing';

export type { OwnerArg };

export type { SinceArg };
export { describeSince };

export interface CommandArgs {
  help: boolean;
  owner?: OwnerArg;
  pipeline?: string;
  source?: string;
  since?: SinceArg;
  stage?: string;
  stuck: boolean;
  /** `closing`: open deals by expected close date, soonest first (/deals). */
  closing: boolean;
  /** Bare words that were not flags (the subcommand of /dealcast, e.g. 'status'). */
  words: string[];
}

export interface ArgSpec {
  /** Filters this command accepts. */
  filters: readonly FilterKey[];
  flags?: readonly FlagKey[];
  /** Accepts bare words (subcommands); otherwise an unknown bare word is an error. */
  words?: readonly string[];
}

export type ParseResult = { ok: true; args: CommandArgs } | { ok: false; args: CommandArgs; problems: string[] };

const DURATION = /^(\d{1,4})\s*(d|w|m|y)$/i;
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/;

/** Undoes Slack's escaping of &, < and > in message text. */
export function unescapeSlackText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

interface Token {
  key: string | null;
  value: string;
  /** The token as typed, for messages. */
  raw: string;
}

/** Opening quote -> the closing quotes that end it (phones and macOS type curly quotes). */
const QUOTES: Record<string, string[]> = {
  '"': ['"', '”'],
  '“': ['”', '"', '“'],
  '„': ['“', '”', '"'],
  "'": ["'", '’'],
  '‘': ['’', "'"],
};

/** Splits command text into tokens; quotes group words, `<…>` mentions stay whole. */
export function tokenize(text: string): { tokens: Token[]; problems: string[] } {
  const tokens: Token[] = [];
  const problems: string[] = [];
  const s = text.trim();
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s.charAt(i))) i++;
    if (i >= s.length) break;
    const start = i;
    let key: string | null = null;
    let value = '';
    // key: letters and underscores followed by a colon
    const keyMatch = /^([A-Za-z_]+):/.exec(s.slice(i));
    if (keyMatch) {
      key = keyMatch[1]!.toLowerCase();
      i += keyMatch[0].length;
    }
    const c = s[i];
    if (c !== undefined && c in QUOTES) {
      const ends = (QUOTES[c] ?? []).map((q) => s.indexOf(q, i + 1)).filter((e) => e > i);
      const end = ends.length ? Math.min(...ends) : -1;
      if (end < 0) {
        problems.push(`The quote in \`${s.slice(start)}\` is never closed.`);
        value = s.slice(i + 1);
        i = s.length;
      } else {
        value = s.slice(i + 1, end);
        i = end + 1;
      }
    } else if (c === '<') {
      const end = s.indexOf('>', i);
      if (end < 0) {
        value = s.slice(i);
        i = s.length;
      } else {
        value = s.slice(i, end + 1);
        i = end + 1;
      }
    } else {
      while (i < s.length && !/\s/.test(s.charAt(i))) i++;
      value = s.slice(start + (key ? key.length + 1 : 0), i);
    }
    tokens.push({ key, value: value.trim(), raw: s.slice(start, i) });
  }
  return { tokens, problems };
}

function parseOwner(value: string): OwnerArg | string {
  const v = value.trim();
  const m = MENTION.exec(v);
  if (m) return { kind: 'slack', userId: m[1]!, label: m[2] ? m[2] : null };
  const name = unescapeSlackText(v).replace(/^@/, '').trim();
  if (!name) return 'says whose deals: owner:me, owner:@maria or owner:"Maria Lopez".';
  if (name.toLowerCase() === 'me') return { kind: 'me' };
  return { kind: 'name', name };
}

/** `since` text (7d, 12w, 6m, 1y, 2026-01-31), checked strictly by the team calendar; a string is the problem. */
export function parseSince(value: string): SinceArg | string {
  const since = parseSinceText(value);
  return since.ok ? since.value : since.message;
}

/** Parses command text against what the command accepts. Every problem is listed, not just the first. */
export function parseCommandArgs(text: string, spec: ArgSpec): ParseResult {
  const args: CommandArgs = { help: false, stuck: false, closing: false, words: [] };
  const { tokens, problems } = tokenize(text);
  const seen = new Set<string>();
  const accepted = new Set<string>(spec.filters);
  const flags = new Set<string>(spec.flags ?? []);
  const words = new Set((spec.words ?? []).map((w) => w.toLowerCase()));
  const acceptedList = () => [...spec.filters.map((f) => `${f}:`), ...(spec.flags ?? [])].join(', ');

  for (const t of tokens) {
    if (t.key === null) {
      const word = unescapeSlackText(t.value);
      const lower = word.toLowerCase();
      if (lower === 'help' || lower === '-h' || lower === '--help' || lower === '?') {
        args.help = true;
      } else if (flags.has(lower)) {
        args.stuck = args.stuck || lower === 'stuck';
        args.closing = args.closing || lower === 'closing';
      } else if (words.has(lower)) {
        args.words.push(lower);
      } else if (DURATION.test(word) && accepted.has('since')) {
        if (seen.has('since')) problems.push(`The window is given twice (\`${t.raw}\`).`);
        seen.add('since');
        const since = parseSince(word);
        if (typeof since === 'string') problems.push(`\`${t.raw}\` ${since}`);
        else args.since = since;
      } else if (MENTION.test(t.value) || word.startsWith('@')) {
        problems.push(
          accepted.has('owner')
            ? `Unknown argument \`${unescapeSlackText(t.raw)}\`: to filter by owner write owner:${word.startsWith('@') ? word : '@name'}.`
            : `Unknown argument \`${unescapeSlackText(t.raw)}\`: this command does not filter by owner.`,
        );
      } else {
        problems.push(
          words.size
            ? `Unknown argument \`${unescapeSlackText(t.raw)}\`: expected one of ${[...words].join(', ')}.`
            : `Unknown argument \`${unescapeSlackText(t.raw)}\`${acceptedList() ? `; this command accepts ${acceptedList()}` : ''}.`,
        );
      }
      continue;
    }
    const key = t.key;
    if (!accepted.has(key)) {
      const known = ['owner', 'pipeline', 'source', 'since', 'stage'].includes(key);
      problems.push(
        known
          ? `This command does not take \`${key}:\`${acceptedList() ? `; it accepts ${acceptedList()}` : ''}.`
          : `Unknown filter \`${key}:\`${acceptedList() ? `; this command accepts ${acceptedList()}` : ''}.`,
      );
      continue;
    }
    if (seen.has(key)) {
      problems.push(`\`${key}:\` is given twice; give it once.`);
      continue;
    }
    seen.add(key);
    if (!t.value) {
      problems.push(`\`${key}:\` needs a value, e.g. ${key === 'since' ? 'since:90d' : key === 'owner' ? 'owner:me' : `${key}:"Name"`}.`);
      continue;
    }
    switch (key as FilterKey) {
      case 'owner': {
        const o = parseOwner(t.value);
        if (typeof o === 'string') problems.push(`\`owner:\` ${o}`);
        else args.owner = o;
        break;
      }
      case 'since': {
        const since = parseSince(unescapeSlackText(t.value));
        if (typeof since === 'string') problems.push(`\`since:\` ${since}`);
        else args.since = since;
        break;
      }
      case 'pipeline':
        args.pipeline = unescapeSlackText(t.value);
        break;
      case 'source':
        args.source = unescapeSlackText(t.value);
        break;
      case 'stage':
        args.stage = unescapeSlackText(t.value);
        break;
    }
  }
  return problems.length ? { ok: false, args, problems } : { ok: true, args };
}
