/**
 * /forecast [owner:] [pipeline:] [source:]: monthly forecast (won + calibrated weighted pipeline),
 * with the CRM-probability forecast for comparison. /forecast quota […]: attainment against
 * targets (forecast-quota.ts). /forecast commit […]: the reps' Commit and Best case beside the
 * model's range, with their past commit bias (forecast-commit.ts).
 */
import type { CommandHandler } from './command-context.js';
import { isCommitText, runCommitCommand } from './forecast-commit.js';
import { isQuotaText, runQuotaCommand } from './forecast-quota.js';
import { runReportCommand } from './report-command.js';

export const handleForecastCommand: CommandHandler = (req, deps) =>
  isQuotaText(req.text) ? runQuotaCommand(req, deps) : isCommitText(req.text) ? runCommitCommand(req, deps) : runReportCommand('forecast', req, deps);
