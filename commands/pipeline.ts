/** /pipeline [owner:@maria|me] [pipeline:"Enterprise"] [source:Referral] [since:90d]: open pipeline by canonical stage (count, value, weighted) as a bar chart, with the totals. */
import type { CommandHandler } from './command-context.js';
import { runReportCommand } from './report-command.js';

export const handlePipelineCommand: CommandHandler = (req, deps) => runReportCommand('pipeline', req, deps);
