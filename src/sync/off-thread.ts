/**
 * Work that would block the event loop, run in a worker thread: a small door the app's other
 * heavy work (report compute) can reuse. `runOffThread(moduleUrl, exportName, args)` loads the
 * module in a fresh worker, calls the named export with `args` (structured-cloneable), and
 * resolves to its (awaited) result; an error in the worker rejects with its message.
 *
 * Only compiled JavaScript can be loaded in a worker here (Node 20 does not run TypeScript):
 * `canRunOffThread(url)` says whether it can, and callers run in-thread otherwise (tests run
 * the TypeScript sources; the built app and the benchmarks use the worker).
 */
import { Worker } from 'node:worker_threads';

const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url)
  .then((m) => m[workerData.name](...workerData.args))
  .then((result) => parentPort.postMessage({ ok: true, result }), (err) => parentPort.postMessage({ ok: false, message: String(err && err.message || err) }));
`;

export function canRunOffThread(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.js') || moduleUrl.endsWith('.mjs');
}

export function runOffThread<T>(moduleUrl: string, exportName: string, args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(BOOT, { eval: true, workerData: { url: moduleUrl, name: exportName, args } });
    let settled = false;
    worker.once('message', (m: { ok: true; result: T } | { ok: false; message: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.message));
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
