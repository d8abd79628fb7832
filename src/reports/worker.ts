/**
 * A report worker thread (src/reports/pool.ts starts them): one read-only SQLite connection,
 * then one task at a time: computeReport and, when asked, the chart PNG. Errors go back as
 * plain data so the main thread can rebuild a UsageError (answered with usage). The connection is
 * read-only: a report never writes (derived tables are refreshed by the write side).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DealcastError, UsageError } from '../errors.js';
import { openDb } from '../../store/db.js';
import { doReportTask, renderChartTask, type ReportTask } from './work.js';
import type { ChartName, ChartReports } from '../../charts/index.js';

export type WorkerRequest = { id: number; task: ReportTask } | { id: number; render: { name: ChartName; report: unknown; scale?: number } };
export type WorkerReply =
  | { id: number; ok: true; report: unknown; png?: Uint8Array }
  | { id: number; ok: false; error: { kind: 'usage' | 'dealcast' | 'other'; code?: string; message: string; hint?: string; stack?: string } };

const { dbPath } = workerData as { dbPath: string };
const db = openDb(dbPath, { readonly: true });
const port = parentPort!;

port.on('message', (msg: WorkerRequest | 'close') => {
  if (msg === 'close') {
    db.close();
    port.close();
    return;
  }
  const work =
    'render' in msg
      ? renderChartTask(msg.render.name, msg.render.report as ChartReports[ChartName], msg.render.scale).then((png) => ({ report: null, png }))
      : doReportTask(db, msg.task);
  work.then(
    (out) => {
      const png = out.png ? new Uint8Array(out.png.buffer, out.png.byteOffset, out.png.byteLength) : undefined;
      const reply: WorkerReply = { id: msg.id, ok: true, report: out.report, ...(png ? { png } : {}) };
      port.postMessage(reply, png && png.byteLength === png.buffer.byteLength ? [png.buffer as ArrayBuffer] : []);
    },
    (err: unknown) => {
      const e = err as Error & { code?: string; hint?: string };
      const kind = err instanceof UsageError ? 'usage' : err instanceof DealcastError ? 'dealcast' : 'other';
      const reply: WorkerReply = { id: msg.id, ok: false, error: { kind, code: e?.code, message: e?.message ?? String(err), hint: e?.hint, stack: e?.stack } };
      port.postMessage(reply);
    },
  );
});
