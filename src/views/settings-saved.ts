/**
 * The confirmation an admin gets (as a DM) after saving /dealcast settings: every value that
 * changed, old → new, and when reports pick it up. Pure Block Kit, within a message's limits.
 */
import type { types } from '@slack/bolt';
import { SLACK_LIMITS } from '../delivery/slack.js';
import type { ChangeLine } from '../settings/change.js';
import { escapeMrkdwn } from './numbers.js';

type KnownBlock = types.KnownBlock;

/** Lines per section block (each well under 3000 characters). */
const LINES_PER_SECTION = 20;

export function settingsSavedMessage(lines: ChangeLine[], crm: string): { text: string; blocks: KnownBlock[] } {
  if (!lines.length) {
    return {
      text: 'dealcast settings saved: nothing changed.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: *dealcast settings saved*: nothing changed.' } }],
    };
  }
  const stageLines = lines.filter((l) => l.what.startsWith('stage_map:'));
  const other = lines.filter((l) => !l.what.startsWith('stage_map:'));
  const text = `dealcast settings saved: ${lines.length} change${lines.length === 1 ? '' : 's'} (${stageLines.length} stage${stageLines.length === 1 ? '' : 's'}, ${other.length} other).`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: *dealcast settings saved* (${escapeMrkdwn(crm)}): ${lines.length} change${lines.length === 1 ? '' : 's'}.` } },
  ];
  const bullets = [...stageLines, ...other].map((l) => `• *${escapeMrkdwn(l.label)}*: ${escapeMrkdwn(l.summary).replace(/&lt;#([CGD][A-Z0-9]+)&gt;/g, '<#$1>')}`);
  // Room for the header, the context and the "more" line within a message's 50 blocks.
  const maxSections = SLACK_LIMITS.blocksPerMessage - 4;
  for (let i = 0; i < bullets.length && blocks.length <= maxSections; i += LINES_PER_SECTION) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: bullets.slice(i, i + LINES_PER_SECTION).join('\n').slice(0, SLACK_LIMITS.sectionTextChars) } });
  }
  const shown = (blocks.length - 1) * LINES_PER_SECTION;
  if (shown < bullets.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${bullets.length - shown} more.` }] });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'The next report, digest and alert use these settings. Every change is recorded in the settings audit log.' }],
  });
  return { text, blocks };
}
