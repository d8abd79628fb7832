/** A ReportPool whose workers run the TypeScript sources (see ts-hooks.mjs). */
import { fileURLToPath } from 'node:url';
import { ReportPool, type ReportPoolOptions } from '../../src/reports/pool.js';

export const TS_WORKER = fileURLToPath(new URL('../../src/reports/worker.ts', import.meta.url));
export const TS_EXEC_ARGV = ['--import', new URL('./ts-loader.mjs', import.meta.url).href];

export function tsReportPool(opts: Omit<ReportPoolOptions, 'workerFile' | 'execArgv'>): ReportPool {
  return new ReportPool({ ...opts, workerFile: TS_WORKER, execArgv: TS_EXEC_ARGV });
}
