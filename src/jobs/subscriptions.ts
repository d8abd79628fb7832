/**
 * Scheduled reports (subscriptions), run from the scheduler's tick. Each subscription's slots
 * come from its own schedule and time zone (src/jobs/subscription-schedule.ts); each slot is
 * claimed in the job ledger as (job 'subscription:<id>', slot) before it runs, so it runs once
 * across restarts and overlapping processes. A slot missed while the process was down runs
 * late once when it comes back, unless it is more than `maxLateHours` late or a later slot is
 * due (then it is recorded as skipped). A slot before the subscription existed never runs.
 *
 * Failures: the first failure in a row DMs the owner what went wrong and what to do (once);
 * after MAX_FAILURES in a row the subscription pauses itself and says so in its list.
 */
import type { Db } from '../../store/db.js';
import { slotsRecorded } from '../../store/job-runs.js';
import {
  getSubscription,
  listSubscriptions,
  markFailureNotified,
  recordFailure,
  recordSuccess,
  setPaused,
  type Subscription,
} from '../../store/subscriptions.js';
import { describeError } from '../errors.js';
import { runInSlot, skipSlot } from './ledger.js';
import { describeSchedule, slotsBetween } from './subscription-schedule.js';
import type { MessageContent } from '../delivery/slack.js';

export const MAX_FAILURES = 3;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const subscriptionJob = (id: number) => `subscription:${id}`;

export interface SubscriptionRunnerDeps {
  db: Db;
  log: (line: string) => void;
  /** How late a missed slot may still be sent (DIGEST_MAX_LATE_HOURS). */
  maxLateHours: number;
  /** Sends the subscription's report into `channel` (render + post/upload). */
  send(sub: Subscription, channel: string, now: Date): Promise<void>;
  /** The DM channel with a user. */
  openDm(userId: string): Promise<string>;
  /** Tells the owner something in their DM. */
  notify(userId: string, content: MessageContent): Promise<void>;
  /** A hint for a Slack error string (not_in_channel → invite the bot). */
  hintFor?(err: unknown): string | undefined;
  /** Runs first at every tick (keeps the team digest's subscription in step with the settings). */
  beforeTick?(now: Date): void;
}

export interface SubscriptionTick {
  ran: { id: number; slot: string; status: 'ok' | 'failed' | 'taken'; late: boolean }[];
  skipped: { id: number; slot: string }[];
}

export class SubscriptionRunner {
  private lastScan: Date | null = null;
  constructor(private readonly deps: SubscriptionRunnerDeps) {}

  private async channelOf(sub: Subscription): Promise<string> {
    return sub.target === 'dm' ? this.deps.openDm(sub.ownerUserId) : sub.target;
  }

  /** Every subscription's due slot at `now`. Never throws. */
  async tick(now: Date): Promise<SubscriptionTick> {
    const out: SubscriptionTick = { ran: [], skipped: [] };
    const maxLateMs = this.deps.maxLateHours * HOUR;
    const scanFrom = Math.max(now.getTime() - maxLateMs, (this.lastScan?.getTime() ?? 0) - MINUTE);
    this.lastScan = now;
    try {
      this.deps.beforeTick?.(now);
    } catch (err) {
      this.deps.log(`subscriptions: ${describeError(err).split('\n')[0]}`);
    }
    for (const sub of listSubscriptions(this.deps.db, { activeOnly: true })) {
      try {
        await this.runDue(sub, now, scanFrom, out);
      } catch (err) {
        this.deps.log(`subscription ${sub.id}: ${describeError(err).split('\n')[0]}`);
      }
    }
    return out;
  }

  private async runDue(sub: Subscription, now: Date, scanFrom: number, out: SubscriptionTick): Promise<void> {
    const { db } = this.deps;
    // Only slots after the minute the subscription was created (between() is (from, to]): a
    // slot that began before it existed is not its to send.
    const from = new Date(Math.max(scanFrom, Date.parse(sub.createdAt)));
    const slots = slotsBetween(sub, from, now);
    if (!slots.length) return;
    const job = subscriptionJob(sub.id);
    const recorded = slotsRecorded(db, job, slots[0]!.toISOString(), slots[slots.length - 1]!.toISOString());
    const open = slots.filter((s) => !recorded.has(s.toISOString()));
    for (const [i, s] of open.entries()) {
      const slot = s.toISOString();
      if (i < open.length - 1) {
        if (skipSlot(db, job, slot, now, 'a later slot is due')) out.skipped.push({ id: sub.id, slot });
        continue;
      }
      const late = now.getTime() - s.getTime() > 5 * MINUTE;
      const outcome = await runInSlot(db, job, slot, now, async () => {
        await this.deps.send(sub, await this.channelOf(sub), now);
        return { report: sub.report, target: sub.target };
      }, { late, log: this.deps.log });
      out.ran.push({ id: sub.id, slot, status: outcome.status, late });
      if (outcome.status === 'ok') recordSuccess(db, sub.id, now.toISOString());
      else if (outcome.status === 'failed') await this.failed(sub, outcome.error, now);
    }
  }

  /** "Send now": runs at once, recorded in the ledger under a manual slot; failures go to the caller. */
  async sendNow(id: number, now: Date): Promise<void> {
    const sub = getSubscription(this.deps.db, id);
    if (!sub) throw new Error('That subscription no longer exists.');
    const outcome = await runInSlot(this.deps.db, subscriptionJob(id), `manual:${now.toISOString()}`, now, async () => {
      await this.deps.send(sub, await this.channelOf(sub), now);
      return { manual: true };
    });
    if (outcome.status === 'failed') throw outcome.error;
  }

  private async failed(sub: Subscription, error: unknown, now: Date): Promise<void> {
    const { db } = this.deps;
    const why = describeError(error).split('\n')[0] ?? 'unknown error';
    const hint = this.deps.hintFor?.(error);
    const r = recordFailure(db, sub.id, why, now.toISOString());
    const where = sub.target === 'dm' ? 'your DM' : `<#${sub.target}>`;
    const what = `your *${sub.report}* subscription to ${where} (${describeSchedule(sub)})`;
    if (r.failures >= MAX_FAILURES) {
      setPaused(db, sub.id, true, `paused after ${r.failures} failures in a row: ${why}`, now.toISOString());
      this.deps.log(`subscription ${sub.id}: paused after ${r.failures} failures in a row`);
    }
    if (r.notified) return;
    try {
      await this.deps.notify(sub.ownerUserId, {
        text: `:warning: I could not send ${what}: ${why}${hint ? ` ${hint}` : ''} I will try again at its next time; after ${MAX_FAILURES} failures in a row it pauses itself. Manage it with /dealcast subscriptions.`,
      });
      markFailureNotified(db, sub.id);
    } catch (err) {
      this.deps.log(`subscription ${sub.id}: could not tell ${sub.ownerUserId} about a failure: ${describeError(err).split('\n')[0]}`);
    }
  }
}
