/**
 * The demo CRM: a deterministic synthetic CRM, embedded, needing no account.
 *
 * Its data is a function of (seed, size, now). Deal k is created at a fixed instant
 * EPOCH + k·Δ and its whole life (stage walk, durations, outcome) is drawn from a PRNG seeded
 * by (seed, k), so a later `now` sees the same deals further along: deals move, close and
 * appear between syncs. The CRM shows the deals created in the last 15 months.
 *
 * It is built to exercise every report and alert: stage conversion rates below the CRM's own
 * stage probabilities (calibration matters), stage durations with a long tail, a few deals
 * stuck far beyond their stage's average, one rep who stopped logging activity, a drop in open
 * pipeline value two days before `now`, deal sources with different win rates, some $0 deals
 * and deals without close dates. The two anomalies tied to `now` (the drop, the quiet rep) are
 * anchored to it on purpose, so that every demo run shows them.
 */
import { seededRandom, standardNormal } from '../metrics/random.js';
import type { ActivityRow, ActivityType, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../model/rows.js';
import type { Connector, Page, Stream } from '../sync/connector.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Deal k is created at EPOCH + k·Δ. Fixed, so deals keep their identity as `now` moves. */
const EPOCH = Date.UTC(2020, 0, 1);
const WINDOW_DAYS = 456; // ~15 months
/** Whole weeks of the CRM's window: the past weeks a replay of weekly snapshots can cover. */
export const DEMO_WINDOW_WEEKS = Math.floor(WINDOW_DAYS / 7);
const PAGE_SIZE = 1000;

/** One open deal in a past weekly deal snapshot of the demo CRM. */
export interface DemoSnapshotDeal {
  dealId: string;
  pipelineId: string;
  stageId: string;
  amount: number | null;
  currency: string;
  closeDate: string | null;
  ownerId: string;
  forecastCategory: string;
}

export interface DemoOptions {
  seed?: number;
  deals?: number;
  now: Date;
  pageSize?: number;
}

type OpenStageDef = [string, string, number, number, number];

interface PipelineDef {
  id: string;
  name: string;
  share: number;
  medianAmount: number;
  amountSigma: number;
  /** Open stages in order: [id, name, CRM probability, probability of advancing, mean days]. */
  open: [OpenStageDef, ...OpenStageDef[]];
  cycleDays: number;
}

const PIPELINES: readonly [PipelineDef, PipelineDef] = [
  {
    id: 'new-business',
    name: 'New Business',
    share: 0.7,
    medianAmount: 12_000,
    amountSigma: 0.65,
    open: [
      ['nb-lead', 'Lead In', 0.1, 0.72, 8],
      ['nb-discovery', 'Discovery Call', 0.25, 0.72, 14],
      ['nb-demo', 'Demo Done', 0.5, 0.66, 18],
      ['nb-proposal', 'Proposal Sent', 0.7, 0.68, 21],
      ['nb-negotiation', 'Negotiation', 0.9, 0.76, 14],
    ],
    cycleDays: 75,
  },
  {
    id: 'enterprise',
    name: 'Enterprise',
    share: 0.3,
    medianAmount: 65_000,
    amountSigma: 0.7,
    open: [
      ['ent-prospecting', 'Prospecting', 0.1, 0.68, 14],
      ['ent-qualification', 'Qualification', 0.3, 0.7, 25],
      ['ent-solution', 'Solution Review', 0.5, 0.66, 30],
      ['ent-proposal', 'Proposal/Price Quote', 0.7, 0.66, 35],
      ['ent-contract', 'Contract Review', 0.9, 0.74, 25],
    ],
    cycleDays: 130,
  },
];

const SOURCES: [string, number, number][] = [
  // [name, share, win multiplier]
  ['Inbound', 0.34, 1.05],
  ['Outbound', 0.26, 0.85],
  ['Referral', 0.14, 1.25],
  ['Partner', 0.12, 1.0],
  ['Events', 0.09, 0.9],
  ['Paid Ads', 0.05, 0.8],
];

const FIRST = ['Maria', 'James', 'Priya', 'Tom', 'Aisha', 'Lukas', 'Chen', 'Sofia', 'Diego', 'Hannah', 'Omar', 'Grace', 'Kenji', 'Elena', 'Marcus', 'Nora'];
const LAST = ['Garcia', 'Okafor', 'Patel', 'Becker', 'Rahman', 'Novak', 'Wei', 'Rossi', 'Alvarez', 'Schmidt', 'Haddad', 'Kim', 'Tanaka', 'Ivanova', 'Johnson', 'Silva'];
const CO_A = ['North', 'Blue', 'Bright', 'Iron', 'Clear', 'Swift', 'Silver', 'Green', 'Red', 'Summit', 'Harbor', 'Pine', 'Atlas', 'Nova', 'Delta', 'Orbit'];
const CO_B = ['wind', 'stone', 'path', 'field', 'wave', 'forge', 'leaf', 'bridge', 'point', 'line', 'works', 'labs', 'logic', 'grid', 'scale', 'cloud'];
const CO_C = ['Inc', 'GmbH', 'Ltd', 'Co', 'Group', 'Systems', 'Health', 'Logistics', 'Retail', 'Capital'];
const PRODUCTS = ['Platform', 'Analytics add-on', 'Seats expansion', 'Annual plan', 'Pilot', 'Renewal uplift', 'Enterprise tier'];

/** A 32-bit hash of (seed, a, b) → PRNG state. */
function hash3(seed: number, a: number, b: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (a >>> 0), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ Math.floor(a / 4294967296), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (b >>> 0) ^ (h >>> 16), 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

function pick<T>(r: () => number, items: readonly T[]): T {
  const item = items[Math.floor(r() * items.length)];
  if (item === undefined) throw new Error('demo data: nothing to pick from');
  return item;
}

function pickWeighted<T>(r: () => number, items: T[], weight: (t: T) => number): T {
  let x = r() * items.reduce((s, t) => s + weight(t), 0);
  for (const t of items) {
    x -= weight(t);
    if (x <= 0) return t;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error('demo data: nothing to pick from');
  return last;
}

interface Rep {
  id: string;
  name: string;
  email: string;
  skill: number;
  enterprise: boolean;
  /** Logs nothing in the last days before `now`. */
  quiet: boolean;
}

interface Transition {
  stageId: string;
  at: number;
}

interface DealLife {
  k: number;
  id: string;
  name: string;
  pipeline: PipelineDef;
  owner: Rep;
  source: string;
  amount: number | null;
  createdAt: number;
  closeDate: number | null;
  transitions: Transition[];
  /** Natural outcome; the pipeline drop may cut an open deal's life short. */
  outcome: 'won' | 'lost' | 'open';
}

export class DemoCrm {
  readonly seed: number;
  readonly size: number;
  readonly now: number;
  readonly delta: number;
  readonly kMin: number;
  readonly kMax: number;
  readonly reps: Rep[];
  readonly dropAt: number;
  readonly quietSince: number;
  private readonly repsByPipeline: Map<string, Rep[]>;

  constructor(opts: DemoOptions) {
    this.seed = opts.seed ?? 42;
    this.size = opts.deals ?? 1500;
    this.now = opts.now.getTime();
    this.delta = (WINDOW_DAYS * DAY) / this.size;
    this.kMin = Math.floor((this.now - WINDOW_DAYS * DAY - EPOCH) / this.delta) + 1;
    this.kMax = Math.floor((this.now - EPOCH) / this.delta);
    // The drop: two days before now, mid-afternoon UTC, a budget freeze kills big deals.
    this.dropAt = Math.floor(this.now / DAY) * DAY - 2 * DAY + 15 * HOUR;
    this.quietSince = this.now - 6 * DAY;
    const repCount = 8 + Math.floor(this.size / 5000);
    this.reps = [];
    for (let i = 0; i < repCount; i++) {
      const r = seededRandom(hash3(this.seed, i, 7001));
      const first = FIRST[i % FIRST.length];
      const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length];
      const suffix = i >= FIRST.length ? ` ${Math.floor(i / FIRST.length) + 1}` : '';
      this.reps.push({
        id: `rep-${i + 1}`,
        name: `${first} ${last}${suffix}`,
        email: `${first}.${last}${suffix.trim()}@demo.dealcast.dev`.toLowerCase(),
        skill: 0.85 + r() * 0.3,
        enterprise: i % 3 === 2,
        quiet: i === 3,
      });
    }
    this.repsByPipeline = new Map([
      ['enterprise', this.reps.filter((r) => r.enterprise)],
      ['new-business', this.reps.filter((r) => !r.enterprise)],
    ]);
  }

  /** Deal k's whole life, independent of `now` (except the drop). */
  life(k: number): DealLife {
    const r = seededRandom(hash3(this.seed, k, 1));
    const pipeline = r() < PIPELINES[0].share ? PIPELINES[0] : PIPELINES[1];
    const owner = pick(r, this.repsByPipeline.get(pipeline.id)!);
    const [source, , sourceMult] = pickWeighted(r, SOURCES, (s) => s[1]);
    const createdAt = EPOCH + Math.floor(k * this.delta);
    const a = r();
    let amount: number | null;
    if (a < 0.02) amount = 0;
    else if (a < 0.03) amount = null;
    else amount = Math.round((pipeline.medianAmount * Math.exp(standardNormal(r) * pipeline.amountSigma)) / 50) * 50;
    const name = `${pick(r, CO_A)}${pick(r, CO_B)} ${pick(r, CO_C)} – ${pick(r, PRODUCTS)}`;

    // Walk the stages: advance with the stage's probability (scaled by rep and source), else lose.
    const transitions: Transition[] = [{ stageId: pipeline.open[0][0], at: createdAt }];
    let t = createdAt;
    let outcome: DealLife['outcome'] = 'open';
    const stuckAt = r() < 0.05 ? Math.floor(r() * pipeline.open.length) : -1;
    for (let i = 0; i < pipeline.open.length; i++) {
      const [, , , pAdvance, meanDays] = pipeline.open[i]!;
      let days = meanDays * Math.exp(standardNormal(r) * 0.8 - 0.32); // lognormal, mean ≈ meanDays, long tail
      if (i === stuckAt) days *= 6 + r() * 6;
      const advances = r() < Math.min(0.97, pAdvance * owner.skill * sourceMult);
      if (!advances) {
        t += Math.max(HOUR, days * DAY * (0.6 + r() * 1.2));
        transitions.push({ stageId: `${pipeline.id === 'enterprise' ? 'ent' : 'nb'}-lost`, at: t });
        outcome = 'lost';
        break;
      }
      t += Math.max(HOUR, days * DAY);
      // A few deals skip a stage (a referral that arrives qualified).
      if (i + 1 < pipeline.open.length - 1 && r() < 0.04) {
        i++;
      }
      const next = pipeline.open[i + 1]?.[0] ?? `${pipeline.id === 'enterprise' ? 'ent' : 'nb'}-won`;
      transitions.push({ stageId: next, at: t });
      if (i + 1 >= pipeline.open.length) outcome = 'won';
    }
    // Reps set an expected close date near the real end of the deal, a little optimistic and
    // noisy; 5% of deals have none while open.
    const cd = r();
    const end = transitions[transitions.length - 1]!.at;
    const closeDate = cd < 0.05 ? null : Math.max(createdAt + 7 * DAY, end - 10 * DAY + standardNormal(r) * 14 * DAY);
    return { k, id: `D-${k}`, name, pipeline, owner, source, amount, createdAt, closeDate, transitions, outcome };
  }

  /** The deal as the CRM shows it at `now`: transitions after now are not visible yet. */
  dealAt(life: DealLife): { row: DealRow; history: Transition[] } {
    let history = life.transitions.filter((tr) => tr.at <= this.now);
    const lostId = `${life.pipeline.id === 'enterprise' ? 'ent' : 'nb'}-lost`;
    // The budget freeze: big open enterprise deals still open at dropAt are lost then.
    if (life.pipeline.id === 'enterprise' && this.dropAt <= this.now && (life.amount ?? 0) >= life.pipeline.medianAmount * 0.5) {
      const openAtDrop = life.createdAt < this.dropAt && !life.transitions.some((tr) => tr.at <= this.dropAt && tr.stageId.endsWith('-won') ) &&
        !life.transitions.some((tr) => tr.at <= this.dropAt && tr.stageId === lostId);
      const hit = seededRandom(hash3(this.seed, life.k, 2))() < 0.85;
      if (openAtDrop && hit) {
        history = life.transitions.filter((tr) => tr.at <= this.dropAt);
        history.push({ stageId: lostId, at: this.dropAt });
      }
    }
    const last = history[history.length - 1];
    if (!last) throw new Error(`demo data: deal ${life.id} has no stage at ${new Date(this.now).toISOString()}`);
    const status = last.stageId.endsWith('-won') ? 'won' : last.stageId.endsWith('-lost') ? 'lost' : 'open';
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      row: {
        id: life.id,
        name: life.name,
        amount: life.amount,
        currency: 'USD',
        pipelineId: life.pipeline.id,
        stageId: last.stageId,
        ownerId: life.owner.id,
        source: life.source,
        createdAt: iso(life.createdAt),
        // Like HubSpot and Salesforce, closing a deal sets its close date to the day it closed.
        closeDate: status !== 'open' ? iso(last.at).slice(0, 10) : life.closeDate === null ? null : iso(life.closeDate).slice(0, 10),
        closedAt: status === 'open' ? null : iso(last.at),
        status,
        stageEnteredAt: iso(last.at),
        modifiedAt: iso(last.at),
        forecastCategory: this.categoryOf(life, last.stageId, status),
      },
      history,
    };
  }

  /**
   * The rep's forecast category, spelled as Salesforce does. Late-stage deals are called Commit
   * or Best case, the rep half-knowing how the deal will end; each rep has a habit: rep 2, 6, …
   * commits freely (over-calls), rep 3, 7, … commits only sure things (sandbags). A deal's call
   * is fixed per deal and stage, so weekly snapshots of the same deal agree.
   */
  categoryOf(life: DealLife, stageId: string, status: 'open' | 'won' | 'lost'): string {
    if (status === 'won') return 'Closed';
    if (status === 'lost') return 'Omitted';
    const idx = life.pipeline.open.findIndex((s) => s[0] === stageId);
    const depth = idx / (life.pipeline.open.length - 1);
    const habit = Number(life.owner.id.slice(4)) % 4; // 2: over-calls, 3: sandbags
    const r = seededRandom(hash3(this.seed, life.k, 3000 + idx))();
    const willWin = life.outcome === 'won';
    if (depth >= 0.75) {
      const pCommit = willWin ? (habit === 3 ? 0.4 : 0.8) : habit === 2 ? 0.7 : 0.25;
      return r < pCommit ? 'Commit' : 'Best Case';
    }
    if (depth >= 0.5) {
      if (habit === 2 && r < 0.35) return 'Commit';
      return r < (willWin ? 0.7 : 0.4) ? 'Best Case' : 'Pipeline';
    }
    return r < 0.06 ? 'Omitted' : 'Pipeline';
  }

  /**
   * The open deals as the CRM showed them at an earlier instant `at` (stage, amount, expected
   * close date, owner, forecast category): what a weekly deal snapshot taken then recorded.
   */
  openDealsAt(at: number): DemoSnapshotDeal[] {
    const out: DemoSnapshotDeal[] = [];
    for (let k = this.kMin; k <= this.kMax; k++) {
      const life = this.life(k);
      if (life.createdAt > at) break;
      const seen = life.transitions.filter((tr) => tr.at <= at);
      const last = seen[seen.length - 1]!;
      if (last.stageId.endsWith('-won') || last.stageId.endsWith('-lost')) continue;
      out.push({
        dealId: life.id,
        pipelineId: life.pipeline.id,
        stageId: last.stageId,
        amount: life.amount,
        currency: 'USD',
        closeDate: life.closeDate === null ? null : new Date(life.closeDate).toISOString().slice(0, 10),
        ownerId: life.owner.id,
        forecastCategory: this.categoryOf(life, last.stageId, 'open'),
      });
    }
    return out;
  }

  pipelines(): PipelineRow[] {
    return PIPELINES.map((p, i) => ({ id: p.id, name: p.name, position: i }));
  }

  stages(): StageRow[] {
    const out: StageRow[] = [];
    for (const p of PIPELINES) {
      const prefix = p.id === 'enterprise' ? 'ent' : 'nb';
      for (const [i, [id, name, prob]] of p.open.entries()) {
        out.push({ id, pipelineId: p.id, name, position: i, probability: prob, isClosed: false, isWon: false });
      }
      out.push({ id: `${prefix}-won`, pipelineId: p.id, name: 'Closed Won', position: p.open.length, probability: 1, isClosed: true, isWon: true });
      out.push({ id: `${prefix}-lost`, pipelineId: p.id, name: 'Closed Lost', position: p.open.length + 1, probability: 0, isClosed: true, isWon: false });
    }
    return out;
  }

  owners(): OwnerRow[] {
    return this.reps.map((r) => ({ id: r.id, name: r.name, email: r.email, active: true }));
  }

  /** Activities for one rep on one day (day index since EPOCH), metadata only. */
  activitiesOn(rep: Rep, repIndex: number, day: number): ActivityRow[] {
    const start = EPOCH + day * DAY;
    const weekday = new Date(start).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const r = seededRandom(hash3(this.seed, day, 10_000 + repIndex));
    const n = weekend ? (r() < 0.15 ? 1 : 0) : 3 + Math.floor(r() * 7);
    const out: ActivityRow[] = [];
    const types: [ActivityType, number][] = [
      ['email', 0.4],
      ['call', 0.3],
      ['task', 0.18],
      ['meeting', 0.12],
    ];
    for (let j = 0; j < n; j++) {
      const at = start + 8 * HOUR + Math.floor(r() * 10 * HOUR);
      const type = pickWeighted(r, types, (t) => t[1])[0];
      if (at > this.now) continue;
      if (rep.quiet && at >= this.quietSince) continue;
      // Link to one of the rep's recent deals when one is found quickly.
      let dealId: string | null = null;
      for (let tries = 0; tries < 4 && dealId === null; tries++) {
        const k = Math.floor((at - EPOCH) / this.delta) - Math.floor(r() * (60 * DAY / this.delta));
        if (k >= this.kMin && this.ownerOf(k) === rep.id) dealId = `D-${k}`;
      }
      out.push({ id: `A-${repIndex + 1}-${day}-${j}`, type, ownerId: rep.id, dealId, occurredAt: new Date(at).toISOString() });
    }
    return out;
  }

  private ownerOf(k: number): string {
    const r = seededRandom(hash3(this.seed, k, 1));
    const pipeline = r() < PIPELINES[0].share ? PIPELINES[0] : PIPELINES[1];
    return pick(r, this.repsByPipeline.get(pipeline.id)!).id;
  }
}

function* pages<T>(rows: Iterable<T>, size: number): Generator<Page<T>> {
  let buf: T[] = [];
  for (const row of rows) {
    buf.push(row);
    if (buf.length >= size) {
      yield { rows: buf };
      buf = [];
    }
  }
  if (buf.length) yield { rows: buf };
}

async function* asAsync<T>(it: Iterable<T>): AsyncGenerator<T> {
  for (const x of it) yield x;
}

/** Incremental reads re-read an hour before the cursor: upserts make the overlap harmless. */
const OVERLAP_MS = HOUR;
const sinceOf = (cursor: string | null) => (cursor ? Date.parse(cursor) - OVERLAP_MS : -Infinity);

export function createDemoConnector(opts: DemoOptions): Connector {
  const crm = new DemoCrm(opts);
  const size = opts.pageSize ?? PAGE_SIZE;

  const deals: Stream<DealRow> = {
    incremental: true,
    read: ({ cursor }) => {
      const since = sinceOf(cursor);
      return asAsync(
        pages(
          (function* () {
            for (let k = crm.kMin; k <= crm.kMax; k++) {
              const { row } = crm.dealAt(crm.life(k));
              if (Date.parse(row.modifiedAt!) >= since) yield row;
            }
          })(),
          size,
        ),
      );
    },
  };

  const stageHistory: Stream<StageHistoryRow> = {
    incremental: true,
    read: ({ cursor }) => {
      const since = sinceOf(cursor);
      return asAsync(
        pages(
          (function* () {
            for (let k = crm.kMin; k <= crm.kMax; k++) {
              const { row, history } = crm.dealAt(crm.life(k));
              for (const tr of history) {
                if (tr.at >= since) yield { dealId: row.id, stageId: tr.stageId, enteredAt: new Date(tr.at).toISOString() };
              }
            }
          })(),
          size,
        ),
      );
    },
  };

  const activities: Stream<ActivityRow> = {
    incremental: true,
    read: ({ cursor }) => {
      const since = sinceOf(cursor);
      const firstDay = Math.floor((crm.now - WINDOW_DAYS * DAY - EPOCH) / DAY);
      const lastDay = Math.floor((crm.now - EPOCH) / DAY);
      const fromDay = Math.max(firstDay, Math.floor((since - EPOCH) / DAY));
      return asAsync(
        pages(
          (function* () {
            for (let day = fromDay; day <= lastDay; day++) {
              for (let i = 0; i < crm.reps.length; i++) {
                for (const a of crm.activitiesOn(crm.reps[i]!, i, day)) if (Date.parse(a.occurredAt) >= since) yield a;
              }
            }
          })(),
          size,
        ),
      );
    },
  };

  const full = <T>(rows: () => T[]): Stream<T> => ({ incremental: false, read: () => asAsync(pages(rows(), size)) });

  return {
    crm: 'demo',
    label: 'Demo CRM',
    capabilities: { stageHistory: true, activities: true, probabilities: true, wonLostFlags: true },
    streams: {
      pipelines: full(() => crm.pipelines()),
      stages: full(() => crm.stages()),
      owners: full(() => crm.owners()),
      deals,
      stage_history: stageHistory,
      activities,
    },
  };
}
