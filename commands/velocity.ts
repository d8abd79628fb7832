/** /velocity [owner:] [pipeline:] [source:] [since:]: sales velocity trend (value per day) with its four factors. */
import type { CommandHandler } from './command-context.js';
import { runReportCommand } from './report-command.js';

export const handleVelocityCommand: CommandHandler = (req, deps) => runReportCommand('velocity', req, deps);
