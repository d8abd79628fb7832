/**
 * /forecast [owner:] [pipeline:] [source:]: monthly forecast (won + calibrated weighted pipeline),
 * with the CRM-probability forecast for comparison. /forecast quota […]: attainment against
 * targets (forecast-quota.ts).
 */
import type { CommandHandler } from './command-context.js';
import { isQuotaText, runQuotaCommand } from './forecast-quota.js';
import { runReportCommand } from './report-command.js';

export const handleForecastCommand: CommandHandler = (req, deps) => (isQuotaText(req.text) ? runQuotaCommand(req, deps) : runReportCommand('forecast', req, deps));
