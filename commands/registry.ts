/** Which handler answers which slash command (one module per command). */
import type { CommandKey } from '../src/ids.js';
import type { CommandHandler } from './command-context.js';
import { handleDealcastCommand } from './dealcast.js';

export const COMMAND_HANDLERS: Partial<Record<CommandKey, CommandHandler>> = {
  dealcast: handleDealcastCommand,
};
