/**
 * Work that would block the event loop, run in a worker thread: a small door the app's other
 * heavy work (report compute) can reuse. `runOffThread(moduleUrl, exportName, args)` loads the
 * module in a fresh worker, calls the named export with `args` (structured-cloneable) and a
 * `log(line)` function whose lines come back to `opts.log`, and resolves to its (awaited)
 * result; an error in the worker rejects with its message (rebuilt by `opts.revive` when given).
 *
 * Only compiled JavaScript can be loaded in a worker here (Node 20 does not run TypeScript):
 * `canRunOffThread(url)` says whether it can, and callers run in-thread otherwise (tests run
 * the TypeScript sources; the built app and the benchmarks use the worker).
 */
import { Worker } from 'node:worker_threads';

const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
const log = (line) => parentPort.postMessage({ log: String(line) });
import(workerData.url)
  .then((m) => m[workerData.name](...workerData.args, log))
  .then((result) => parentPort.postMessage({ ok: true, result }), (err) => parentPort.postMessage({ ok: false, message: String(err && err.message || err), code: err && err.code, hint: err && err.hint, since: err && err.since }));
`;

/** What a worker's error carries back: enough to rebuild a DealcastError (its code and hint). */
export interface OffThreadError {
  message: string;
  code?: string;
  hint?: string;
  since?: string;
}

export function canRunOffThread(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.js') || moduleUrl.endsWith('.mjs');
}

export function runOffThread<T>(
  moduleUrl: string,
  exportName: string,
  args: unknown[],
  opts: { log?: (line: string) => void; revive?: (e: OffThreadError) => Error } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(BOOT, { eval: true, workerData: { url: moduleUrl, name: exportName, args } });
    let settled = false;
    worker.on('message', (m: { log: string } | { ok: true; result: T } | ({ ok: false } & OffThreadError)) => {
      if ('log' in m) {
        opts.log?.(m.log);
        return;
      }
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(opts.revive ? opts.revive(m) : new Error(m.message));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the worker stopped (exit ${code}) before answering`));
    });
  });
}
