/**
 * The jobs part of `dealcast demo`: the morning digest and an alert run on the demo data, as dry
 * runs — printed as a reader would see them in Slack, the Block Kit payloads written to
 * digest.json and alerts.json in the output folder, and nothing posted or remembered.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../../store/db.js';
import { dryRunMessenger } from '../delivery/dry-run.js';
import { jobContext } from '../jobs/context.js';
import { runDigestJob } from '../jobs/digest.js';
import { runAlertsJob } from '../jobs/alerts.js';
import type { CliIo } from './io.js';

export async function showDigestAndAlerts(ctx: { io: CliIo; db: Db; config: Config; now: Date; outDir: string }): Promise<void> {
  const { io, db, now, outDir } = ctx;
  const config: Config = { ...ctx.config, CRM: 'demo' };
  const quiet = () => undefined;
  mkdirSync(outDir, { recursive: true });

  io.stdout('\nThe digest dealcast would post (dry run):');
  const digestOut = dryRunMessenger(io.stdout, outDir, 'text');
  const jc = jobContext({ config, db, messenger: digestOut, log: quiet, now: () => now });
  await runDigestJob({ ...jc.digest, channel: jc.digest.channel ?? '#sales-digest' }, now);
  writeFileSync(join(outDir, 'digest.json'), `${JSON.stringify(digestOut.calls.map(withoutPng), null, 2)}\n`);

  io.stdout('\nThe alerts dealcast would post (dry run):');
  const alertsOut = dryRunMessenger(io.stdout, outDir, 'text');
  const ja = jobContext({ config, db, messenger: alertsOut, log: quiet, charts: false, now: () => now });
  // Nothing is remembered: the alert log is rolled back, so the real first run still alerts.
  db.exec('SAVEPOINT demo_alerts');
  try {
    await runAlertsJob({ ...ja.alerts, channel: ja.alerts.channel ?? '#sales-alerts' }, now);
  } finally {
    db.exec('ROLLBACK TO demo_alerts');
    db.exec('RELEASE demo_alerts');
  }
  if (!alertsOut.calls.length) io.stdout('  (nothing to alert)');
  writeFileSync(join(outDir, 'alerts.json'), `${JSON.stringify(alertsOut.calls, null, 2)}\n`);
  io.stdout(`\nBlock Kit payloads: ${join(outDir, 'digest.json')}, ${join(outDir, 'alerts.json')}`);
}

function withoutPng<T extends { kind: string }>(call: T): unknown {
  if (call.kind !== 'upload') return call;
  const { chart, ...rest } = call as unknown as { chart: { png: Buffer; filename: string; title: string; altText: string } };
  return { ...rest, chart: { filename: chart.filename, title: chart.title, altText: chart.altText } };
}
