/**
 * Registers the slash commands with Bolt, thinly: ack at once (an empty 200, well under Slack's
 * 3 s), then run the handler from commands/. A failure is logged with its context and answered
 * ephemerally in one sentence; nothing escapes to crash the process.
 */
import type { App } from '@slack/bolt';
import { COMMANDS, COMMAND_KEYS, type CommandKey } from '../ids.js';
import { DealcastError, describeError, UsageError } from '../errors.js';
import { usageMessage } from '../views/help.js';
import { escapeEntities } from '../views/numbers.js';
import type { MessageContent } from '../delivery/slack.js';
import { replyTarget, type CommandDeps, type CommandHandler, type CommandRequest } from '../../commands/command-context.js';

export function registerCommands(app: App, handlers: Partial<Record<CommandKey, CommandHandler>>, deps: CommandDeps): void {
  for (const key of COMMAND_KEYS) {
    const handler = handlers[key];
    if (!handler) continue;
    app.command(COMMANDS[key].command, async ({ command, ack }) => {
      await ack();
      const req: CommandRequest = {
        command: command.command,
        text: command.text ?? '',
        userId: command.user_id,
        channelId: command.channel_id,
        responseUrl: command.response_url,
        triggerId: command.trigger_id,
        teamId: command.team_id,
      };
      await runHandler(key, handler, req, deps);
    });
  }
}

/** Runs one handler; turns any failure into an ephemeral sentence and a log line with context. */
export async function runHandler(key: CommandKey, handler: CommandHandler, req: CommandRequest, deps: CommandDeps): Promise<void> {
  const t0 = Date.now();
  try {
    await handler(req, deps);
    deps.log(`command: ${req.command} by ${req.userId} in ${req.channelId} answered in ${Date.now() - t0} ms`);
  } catch (err) {
    // Quoted as JSON: a newline or a control character in the argument cannot start a log line of its own.
    const where = `${req.command} ${JSON.stringify(req.text)} by ${req.userId} in ${req.channelId}`;
    if (err instanceof UsageError) {
      deps.log(`command: ${where}: ${err.message}`);
      await safeReply(deps, req, usageMessage(key, [describeError(err)]));
      return;
    }
    const stack = !(err instanceof DealcastError) && err instanceof Error && err.stack ? `\n${err.stack}` : '';
    deps.log(`command: ${where} failed: ${describeError(err)}${stack}`);
    await safeReply(deps, req, {
      text: `:x: Sorry, ${COMMANDS[key].command} failed: ${escapeEntities(describeError(err).split('\n').join(' '))}`,
    });
  }
}

async function safeReply(deps: CommandDeps, req: CommandRequest, content: MessageContent): Promise<void> {
  try {
    await deps.slack.replyEphemeral(replyTarget(req), content);
  } catch (err) {
    deps.log(`command: could not answer ${req.command} by ${req.userId}: ${describeError(err)}`);
  }
}
