/** /forecast [owner:] [pipeline:] [source:]: monthly forecast (won + calibrated weighted pipeline), with the CRM-probability forecast for comparison. */
import type { CommandHandler } from './command-context.js';
import { runReportCommand } from './report-command.js';

export const handleForecastCommand: CommandHandler = (req, deps) => runReportCommand('forecast', req, deps);
