/**
 * Usage and help messages: for one command (with what was wrong, when something was), and for
 * /dealcast help (every command). Pure Block Kit.
 */
import type { types } from '@slack/bolt';
import { BLOCK_IDS, COMMANDS, COMMAND_KEYS, type CommandKey } from '../ids.js';
import { escapeEntities } from './numbers.js';

type KnownBlock = types.KnownBlock;

/** Examples per command, shown under its usage. */
export const COMMAND_EXAMPLES: Record<CommandKey, string[]> = {
  pipeline: ['/pipeline', '/pipeline owner:me', '/pipeline owner:@maria pipeline:"Enterprise" since:90d'],
  forecast: ['/forecast', '/forecast pipeline:"Enterprise"', '/forecast owner:me', '/forecast quota', '/forecast quota month owner:me', '/forecast commit', '/forecast commit month owner:me'],
  funnel: ['/funnel', '/funnel since:6m', '/funnel source:Referral'],
  velocity: ['/velocity', '/velocity since:1y', '/velocity owner:@maria'],
  reps: ['/reps', '/reps 7d', '/reps since:2026-01-01'],
  deals: ['/deals', '/deals stage:Proposal stuck', '/deals owner:me closing'],
  dealcast: ['/dealcast help', '/dealcast status', '/dealcast sync', '/dealcast settings', '/dealcast events', '/dealcast targets', '/dealcast categories', '/dealcast dashboard', '/dealcast subscribe forecast owner:me weekly mon at:08:30 to:dm', '/dealcast subscriptions'],
};

const ARGUMENT_NOTES = [
  '`owner:me` your own deals · `owner:@maria` a colleague\'s · `owner:"Maria Lopez"` by CRM name',
  '`pipeline:"Enterprise"` one pipeline · `source:Referral` one lead source',
  '`since:90d` (or `12w`, `6m`, `1y`, `2026-01-31`) the window start; a bare `7d` means the same',
].join('\n');

function commandLine(key: CommandKey): string {
  const c = COMMANDS[key];
  return `*${c.command}* ${escapeEntities(c.usageHint)}\n${escapeEntities(c.description)}`;
}

/** Usage for one command; `problems` (what was wrong) go first. */
export function usageMessage(key: CommandKey, problems: string[] = []): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  if (problems.length) {
    blocks.push({
      type: 'section',
      block_id: BLOCK_IDS.usageProblems,
      text: { type: 'mrkdwn', text: `:warning: ${problems.map(escapeEntities).join('\n:warning: ')}`.slice(0, 3000) },
    });
  }
  blocks.push({ type: 'section', block_id: BLOCK_IDS.usage, text: { type: 'mrkdwn', text: commandLine(key) } });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Examples: ${COMMAND_EXAMPLES[key].map((e) => `\`${e}\``).join('  ')}` }],
  });
  if (key !== 'dealcast') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ARGUMENT_NOTES }] });
  const text = problems.length
    ? `${problems.map(escapeEntities).join(' ')} Usage: ${COMMANDS[key].command} ${COMMANDS[key].usageHint}`
    : `Usage: ${COMMANDS[key].command} ${COMMANDS[key].usageHint}`;
  return { text, blocks };
}

/** /dealcast help: every command, with examples. */
export function helpMessage(): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'dealcast: your CRM pipeline in Slack' } },
    ...COMMAND_KEYS.map(
      (k): KnownBlock => ({
        type: 'section',
        block_id: `${BLOCK_IDS.usage}_${k}`,
        text: { type: 'mrkdwn', text: `${commandLine(k)}\n_e.g._ ${COMMAND_EXAMPLES[k].map((e) => `\`${e}\``).join('  ')}` },
      }),
    ),
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: ARGUMENT_NOTES }] },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Charts are posted in the channel you type the command in; invite me first with `/invite @dealcast`.' }] },
  ];
  return { text: `dealcast commands: ${COMMAND_KEYS.map((k) => COMMANDS[k].command).join(', ')}. Type any command with "help" for its options.`, blocks };
}
