/**
 * `dealcast digest [--dry-run] [--now ISO] [--out DIR]`: builds and posts the digest once, now.
 * --dry-run prints the Block Kit JSON instead of posting and writes the chart PNGs into --out.
 * A real run is recorded in the job ledger under the latest DIGEST_CRON slot (within a day), so
 * it is posted once whether `start` or this command gets there first, and the next digest knows
 * what was said and what has moved since. --again posts another (slot "manual:<instant>").
 */
import { ensureDerivedFresh } from '../../store/deal-facts.js';
import { runDigestJob, digestDetail } from '../jobs/digest.js';
import { jobContext } from '../jobs/context.js';
import { runInSlot } from '../jobs/ledger.js';
import { dryRunMessenger } from '../delivery/dry-run.js';
import { cliMessenger } from './job-messenger.js';
import type { CliMessengerOptions } from './job-messenger.js';
import { getJobRun } from '../../store/job-runs.js';
import { resolveTeamSettings } from '../settings/resolve.js';
import { DIGEST_LOOKBACK_MS } from '../jobs/scheduler.js';
import { latestSlot } from '../jobs/cron.js';
import { cliConfig, escapeControl, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';
import { plural } from '../views/numbers.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { 'dry-run': { type: 'boolean' }, now: { type: 'string' }, out: { type: 'string' }, again: { type: 'boolean' } }, 'digest');
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io);
  const db = openStore(config);
  const now = nowIn(teamTimeZone(db, config));
  try {
    return await runDigest({ io, db, config, now, dryRun: values['dry-run'] ?? false, outDir: values.out ?? './out', again: values.again ?? false });
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
  /** Post another digest even if the current digest slot's was already posted. */
  again?: boolean;
  /** Send-queue pacing and clock (tests). */
  queue?: CliMessengerOptions;
}): Promise<number> {
  const { io, db, config, now } = ctx;
  const log = (line: string) => io.stderr(escapeControl(line));
  // A one-shot process: its write side brings the report tables up to date before reading them.
  ensureDerivedFresh(db, config.CRM, { currency: config.DEALCAST_CURRENCY ?? null });
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
  // The digest due now belongs to the latest DIGEST_CRON slot: a manual run beside `start` posts
  // that slot's digest once between them (whoever comes first), and a rerun after a crash resumes it.
  const team = resolveTeamSettings(db, config);
  const latest = ctx.again ? null : latestSlot(team.digestCron, team.timeZone, now, DIGEST_LOOKBACK_MS);
  const slot = latest ? latest.toISOString() : `manual:${now.toISOString()}`;
  const outcome = await runInSlot(db, 'digest', slot, now, (claim) => runDigestJob(jc.digest, now, { claim }), {
    detail: digestDetail,
    log,
    crashAt: config.DEALCAST_CRASH_AT,
  });
  await done();
  if (outcome.status === 'failed') throw outcome.error;
  if (outcome.status === 'taken') {
    const prior = getJobRun(db, 'digest', slot);
    const said = prior?.detail ? (JSON.parse(prior.detail) as { channel?: string; ts?: string }) : {};
    io.stdout(
      prior?.status === 'running'
        ? `The digest for ${slot} is being posted by another process right now; nothing more was posted.`
        : `The digest for ${slot} was already ${prior?.status === 'skipped' ? 'skipped' : `posted${said.channel ? ` to ${said.channel} (ts ${said.ts})` : ''}`}; nothing more was posted. Use --again to post another.`,
    );
  }
  if (outcome.status === 'ok')
    io.stdout(
      `Digest ${outcome.result.resumed ? 'completed' : 'posted'} to ${outcome.result.channel} (ts ${outcome.result.ts}${outcome.result.charts.length ? `, ${plural(outcome.result.charts.length, 'chart', 'charts')} in the thread` : ''}).`,
    );
  return 0;
}
