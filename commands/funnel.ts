/** /funnel [owner:] [pipeline:] [source:] [since:90d]: stage-to-stage conversion of the deals created in the window, and the win rate. */
import type { CommandHandler } from './command-context.js';
import { runReportCommand } from './report-command.js';

export const handleFunnelCommand: CommandHandler = (req, deps) => runReportCommand('funnel', req, deps);
