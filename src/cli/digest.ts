/**
 * `dealcast digest [--dry-run] [--now ISO] [--out DIR]`: builds and posts the digest once, now.
 * --dry-run prints the Block Kit JSON instead of posting and writes the chart PNGs into --out.
 * A real run is recorded in the job ledger (slot "manual:<instant>"), so the next scheduled
 * digest knows what was said and what has moved since.
 */
import { runDigestJob, digestDetail } from '../jobs/digest.js';
import { jobContext } from '../jobs/context.js';
import { runInSlot } from '../jobs/ledger.js';
import { dryRunMessenger } from '../delivery/dry-run.js';
import { cliMessenger } from './job-messenger.js';
import type { CliMessengerOptions } from './job-messenger.js';
import { cliConfig, openStore, parseFlags, parseNow, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { 'dry-run': { type: 'boolean' }, now: { type: 'string' }, out: { type: 'string' } }, 'digest');
  const now = parseNow(values.now);
  const config = cliConfig(io);
  const db = openStore(config);
  try {
    return await runDigest({ io, db, config, now, dryRun: values['dry-run'] ?? false, outDir: values.out ?? './out' });
  } finally {
    db.close();
  }
}

export async function runDigest(ctx: {
  io: CliIo;
  db: import('../../store/db.js').Db;
  config: import('../config.js').Config;
  now: Date;
  dryRun: boolean;
  outDir: string;
  /** Send-queue pacing and clock (tests). */
  queue?: CliMessengerOptions;
}): Promise<number> {
  const { io, db, config, now } = ctx;
  const log = (line: string) => io.stderr(line);
  if (ctx.dryRun) {
    const messenger = dryRunMessenger(io.stdout, ctx.outDir);
    // The job's own "posted" line would contradict the dry run.
    const dryLog = (line: string) => void (line.startsWith('digest: posted') ? undefined : log(line));
    const jc = jobContext({ config, db, messenger, log: dryLog, now: () => now });
    await runDigestJob({ ...jc.digest, channel: jc.digest.channel ?? '#digest (DIGEST_CHANNEL is not set)' }, now);
    io.stderr(`Dry run: nothing was posted. Charts are in ${ctx.outDir}.`);
    return 0;
  }
  const { messenger, done } = cliMessenger(config, log, ctx.queue);
  const jc = jobContext({ config, db, messenger, log, now: () => now });
  const outcome = await runInSlot(db, 'digest', `manual:${now.toISOString()}`, now, () => runDigestJob(jc.digest, now), { detail: digestDetail, log });
  await done();
  if (outcome.status === 'failed') throw outcome.error;
  if (outcome.status === 'ok') io.stdout(`Digest posted to ${outcome.result.channel} (ts ${outcome.result.ts}${outcome.result.charts.length ? `, ${outcome.result.charts.length} charts in the thread` : ''}).`);
  return 0;
}
