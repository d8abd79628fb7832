/** /reps [7d|since:] [pipeline:]: the rep scoreboard: activities, open pipeline and won value per rep in the window. */
import type { CommandHandler } from './command-context.js';
import { runReportCommand } from './report-command.js';

export const handleRepsCommand: CommandHandler = (req, deps) => runReportCommand('reps', req, deps);
