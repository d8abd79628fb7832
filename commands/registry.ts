/** Which handler answers which slash command (one module per command). */
import type { CommandKey } from '../src/ids.js';
import type { CommandHandler } from './command-context.js';
import { handleDealcastCommand } from './dealcast.js';
import { handleDealsCommand } from './deals.js';
import { handleForecastCommand } from './forecast.js';
import { handleFunnelCommand } from './funnel.js';
import { handlePipelineCommand } from './pipeline.js';
import { handleRepsCommand } from './reps.js';
import { handleVelocityCommand } from './velocity.js';

export const COMMAND_HANDLERS: Record<CommandKey, CommandHandler> = {
  pipeline: handlePipelineCommand,
  forecast: handleForecastCommand,
  funnel: handleFunnelCommand,
  velocity: handleVelocityCommand,
  reps: handleRepsCommand,
  deals: handleDealsCommand,
  dealcast: handleDealcastCommand,
};
