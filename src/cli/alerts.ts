/**
 * `dealcast alerts [--dry-run] [--now ISO]`: runs the alert checks once, now. --dry-run prints
 * what would be posted and changes nothing (the alert log is left as it was).
 */
import { ensureDerivedFresh } from '../../store/deal-facts.js';
import { runAlertsJob, type AlertsResult } from '../jobs/alerts.js';
import { jobContext } from '../jobs/context.js';
import { runInSlot } from '../jobs/ledger.js';
import { dryRunMessenger } from '../delivery/dry-run.js';
import { cliMessenger } from './job-messenger.js';
import type { CliMessengerOptions } from './job-messenger.js';
import { cliConfig, escapeControl, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { 'dry-run': { type: 'boolean' }, now: { type: 'string' } }, 'alerts');
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io);
  const db = openStore(config);
  const now = nowIn(teamTimeZone(db, config));
  try {
    return await runAlerts({ io, db, config, now, dryRun: values['dry-run'] ?? false });
  } finally {
    db.close();
  }
}

export function describeAlerts(r: AlertsResult): string {
  const kinds = r.kinds.map((k) => `${k.kind.replace('_', ' ')}: ${k.active} active, ${k.announced} announced, ${k.resolved} resolved, ${k.quiet} already alerted`);
  const skipped = r.skipped.map((s) => `${s.kind.replace('_', ' ')}: not checked (${s.reason})`);
  return [...kinds, ...skipped].join('\n');
}

export async function runAlerts(ctx: { io: CliIo; db: import('../../store/db.js').Db; config: import('../config.js').Config; now: Date; dryRun: boolean; queue?: CliMessengerOptions }): Promise<number> {
  const { io, db, config, now } = ctx;
  const log = (line: string) => io.stderr(escapeControl(line));
  // A one-shot process: its write side brings the report tables up to date before reading them.
  ensureDerivedFresh(db, config.CRM, { currency: config.DEALCAST_CURRENCY ?? null });
  if (ctx.dryRun) {
    const messenger = dryRunMessenger(io.stdout, './out');
    const jc = jobContext({ config, db, messenger, log, charts: false, now: () => now });
    // A dry run must leave the alert log as it found it: run inside a transaction, then roll back.
    let result: AlertsResult | undefined;
    db.exec('SAVEPOINT alerts_dry_run');
    try {
      result = await runAlertsJob({ ...jc.alerts, channel: jc.alerts.channel ?? '#alerts (ALERT_CHANNEL is not set)' }, now);
    } finally {
      db.exec('ROLLBACK TO alerts_dry_run');
      db.exec('RELEASE alerts_dry_run');
    }
    io.stderr(`${describeAlerts(result)}\nDry run: nothing was posted and the alert log is unchanged.`);
    return 0;
  }
  const { messenger, done } = cliMessenger(config, log, ctx.queue);
  const jc = jobContext({ config, db, messenger, log, charts: false, now: () => now });
  // Alert runs take turns (a lease): a run beside `start` or another manual run waits, then finds
  // the subjects already announced. A run killed mid-thread is continued by the next one.
  const outcome = await runInSlot(db, 'alerts', `manual:${now.toISOString()}`, now, (claim) => runAlertsJob(jc.alerts, now, claim), {
    log,
    adoptOrphans: true,
    crashAt: config.DEALCAST_CRASH_AT,
  });
  await done();
  if (outcome.status === 'failed') throw outcome.error;
  if (outcome.status === 'ok') io.stdout(describeAlerts(outcome.result));
  if (outcome.status === 'taken') io.stdout('Another alerts run covered this moment already; nothing more was posted.');
  return 0;
}
