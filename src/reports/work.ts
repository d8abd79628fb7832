/**
 * Where a slash command's report is computed and drawn. Two implementations of one interface:
 *
 * - `ReportPool` (src/reports/pool.ts): worker threads, each with its own read-only SQLite
 *   connection. `dealcast start` uses it, so SQLite aggregation, chart building and PNG
 *   rendering never hold the event loop, and no ack waits behind a report.
 * - `InlineReports`: the same work on the calling thread, yielding between phases (the CLI, the
 *   demo, tests that need no threads).
 *
 * A task is plain data (structured-clonable), and so is its answer.
 */
import { buildChart, isChartName, type ChartName, type ChartReports } from '../../charts/index.js';
import { renderPng } from '../../charts/render.js';
import type { ReportByName, ReportName } from '../metrics/report-types.js';
import type { Db } from '../../store/db.js';
import { computeReport, type ReportOptions } from './compute.js';

export interface ReportTask<N extends ReportName = ReportName> {
  crm: string;
  name: N;
  opts: ReportOptions;
  /** Also draw the report's chart as PNG at this scale. */
  chart?: { scale: number };
}

export interface ReportOutput<N extends ReportName = ReportName> {
  report: ReportByName[N];
  png?: Buffer;
}

export interface ReportWork {
  run<N extends ReportName>(task: ReportTask<N>): Promise<ReportOutput<N>>;
  /** Draws the chart of a report computed earlier (the digest's thread) as PNG. */
  render<N extends ChartName>(name: N, report: ChartReports[N], scale?: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Lets pending I/O (other requests' acks) run between synchronous phases. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The work itself, wherever it runs: computeReport, then the chart when asked. */
export async function doReportTask<N extends ReportName>(db: Db, task: ReportTask<N>, between: () => Promise<void> = async () => undefined): Promise<ReportOutput<N>> {
  const report = computeReport(db, task.crm, task.name, task.opts);
  if (!task.chart) return { report };
  if (!isChartName(task.name)) throw new Error(`${task.name} has no chart`);
  await between();
  // computeReport's result is the report for `name`; TypeScript cannot tie the two through a union.
  const spec = buildChart(task.name, report as unknown as ChartReports[typeof task.name]);
  await between();
  return { report, png: await renderPng(spec, { scale: task.chart.scale }) };
}

/** A chart of a report computed earlier, as PNG (scale 1 unless asked). */
export function renderChartTask<N extends ChartName>(name: N, report: ChartReports[N], scale?: number): Promise<Buffer> {
  return renderPng(buildChart(name, report), scale === undefined ? {} : { scale });
}

export class InlineReports implements ReportWork {
  constructor(private readonly db: Db) {}
  async run<N extends ReportName>(task: ReportTask<N>): Promise<ReportOutput<N>> {
    await yieldToEventLoop();
    return doReportTask(this.db, task, yieldToEventLoop);
  }
  async render<N extends ChartName>(name: N, report: ChartReports[N], scale?: number): Promise<Buffer> {
    await yieldToEventLoop();
    return renderChartTask(name, report, scale);
  }
  async close(): Promise<void> {}
}
