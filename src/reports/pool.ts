/**
 * A pool of report workers (node:worker_threads), sized to the cores (one left for the main
 * thread): each worker has one read-only SQLite connection (WAL lets them read while the sync
 * writes) and runs one task at a time; tasks wait in one FIFO queue. The main thread only parses, acks and talks to Slack.
 *
 * - Reports never write: stale derived tables are read as of their last refresh (the report
 *   says so); the sync and the settings save refresh them, off the event loop.
 * - A worker that dies fails its task with a clear error and is replaced.
 * - close() ends the workers (SIGTERM), failing queued tasks.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DealcastError, UsageError } from '../errors.js';
import type { ReportName } from '../metrics/report-types.js';
import type { ChartName, ChartReports } from '../../charts/index.js';
import type { Db } from '../../store/db.js';
import { InlineReports, type ReportOutput, type ReportTask, type ReportWork } from './work.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface ReportPoolOptions {
  /** The database file (workers open it read-only). */
  dbPath: string;
  /** The main thread's connection (kept for callers that hand it over; workers open their own). */
  db?: Db;
  /** Workers; default one per core. */
  size?: number;
  log?: (line: string) => void;
  /** The worker's file (default worker.js beside this module) and Node flags for it (tests). */
  workerFile?: string;
  execArgv?: string[];
}

interface Job {
  id: number;
  task: ReportTask | { render: { name: ChartName; report: unknown; scale?: number } };
  resolve: (out: ReportOutput) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/**
 * One worker per core but one: the main thread keeps a core for acks and Slack I/O (on two
 * cores, one worker). REPORT_WORKERS overrides it.
 */
export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

export class ReportPool implements ReportWork {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private seq = 0;
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly file: string;
  /** Tasks done, by the pool (bench and tests). */
  done = 0;

  constructor(private readonly opts: ReportPoolOptions) {
    this.log = opts.log ?? (() => undefined);
    this.file = opts.workerFile ?? fileURLToPath(new URL('./worker.js', import.meta.url));
    if (!existsSync(this.file)) throw new Error(`report worker not found at ${this.file} (run npm run build)`);
    const size = opts.size && opts.size > 0 ? opts.size : defaultPoolSize();
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(this.file, { workerData: { dbPath: this.opts.dbPath }, ...(this.opts.execArgv ? { execArgv: this.opts.execArgv } : {}) });
    const slot: Slot = { worker, job: null };
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.onDeath(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.onDeath(slot, new Error(`report worker exited with code ${code}`));
    });
    return slot;
  }

  run<N extends ReportName>(task: ReportTask<N>): Promise<ReportOutput<N>> {
    if (this.closed) return Promise.reject(new Error('the report pool is closed'));
    return new Promise<ReportOutput<N>>((resolve, reject) => {
      this.queue.push({ id: ++this.seq, task, resolve: resolve as (o: ReportOutput) => void, reject });
      this.pump();
    });
  }

  render<N extends ChartName>(name: N, report: ChartReports[N], scale?: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the report pool is closed'));
    return new Promise<Buffer>((resolve, reject) => {
      const render = { name, report, ...(scale === undefined ? {} : { scale }) };
      this.queue.push({ id: ++this.seq, task: { render }, resolve: (o) => resolve(o.png!), reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || !this.queue.length) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      const req: WorkerRequest = 'render' in job.task ? { id: job.id, render: job.task.render } : { id: job.id, task: job.task };
      slot.worker.postMessage(req);
    }
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    slot.job = null;
    if (reply.ok) {
      this.done++;
      const png = reply.png ? Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength) : undefined;
      job.resolve({ report: reply.report as ReportOutput['report'], ...(png ? { png } : {}) });
    } else {
      const e = reply.error;
      job.reject(e.kind === 'usage' ? new UsageError(e.message, e.hint) : e.kind === 'dealcast' ? new DealcastError(e.code ?? 'report', e.message, e.hint) : Object.assign(new Error(e.message), { stack: e.stack }));
    }
    this.pump();
  }

  private onDeath(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0 || this.closed) return;
    this.log(`reports: a worker failed (${err.message}); starting another`);
    slot.job?.reject(new Error(`The report could not be computed: ${err.message}`));
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.slots[i] = this.spawn();
    this.pump();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('dealcast is stopping'));
    await Promise.all(
      this.slots.map(async (s) => {
        s.job?.reject(new Error('dealcast is stopping'));
        s.worker.removeAllListeners();
        await s.worker.terminate();
      }),
    );
  }
}

/**
 * The report work for `dealcast start`: a pool of REPORT_WORKERS workers (0: one per core)
 * when the compiled worker is there (always, from the built package), else the same work
 * inline (running from TypeScript sources, as the tests do).
 */
export function createReportWork(db: Db, dbPath: string, opts: { size?: number; log?: (line: string) => void } = {}): ReportWork {
  const file = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (dbPath === ':memory:' || !existsSync(file)) return new InlineReports(db);
  return new ReportPool({ dbPath, db, workerFile: file, ...opts });
}
