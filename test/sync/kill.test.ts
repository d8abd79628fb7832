/**
 * A sync killed with SIGKILL at any point leaves a database that the next run completes to
 * exactly what an uninterrupted sync gives. The child process is compiled from the sources,
 * runs a real sync, and is killed while a page's transaction is open.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { openDb } from '../../store/db.js';
import { lastRun } from '../../store/sync-runs.js';
import { dumpData, tempDb } from '../helpers/db.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside the repo so the compiled child resolves node_modules.
const BUILD = join(ROOT, 'node_modules/.cache/dealcast-kill-test');
const NOW = '2026-11-24T09:00:00.000Z';
const DEALS = 2000;

beforeAll(() => {
  rmSync(BUILD, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD], { cwd: ROOT });
  mkdirSync(join(BUILD, 'store/migrations'), { recursive: true });
  cpSync(join(ROOT, 'store/migrations'), join(BUILD, 'store/migrations'), { recursive: true });
  writeFileSync(join(BUILD, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(BUILD, 'child.mjs'),
    `import { openDb } from './store/db.js';
     import { createDemoConnector } from './src/connectors/demo.js';
     import { runSync } from './src/sync/engine.js';
     import { writeSync } from 'node:fs';
     const [dbPath, stream, page, chunk] = process.argv.slice(2);
     const now = new Date('${NOW}');
     const db = openDb(dbPath);
     await runSync(db, createDemoConnector({ now, deals: ${DEALS}, pageSize: 100 }), {
       now,
       ...(chunk ? { writeChunkRows: Number(chunk) } : {}),
       afterPageWrite: (s, i) => {
         if (s === stream && i === Number(page)) {
           writeSync(1, 'kill me\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000); // hold the transaction open
         }
       },
     });
     writeSync(1, 'finished\\n');`,
  );
}, 120_000);

function runChildUntilKilled(dbPath: string, stream: string, page: number, chunk?: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(BUILD, 'child.mjs'), dbPath, stream, String(page), ...(chunk ? [String(chunk)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('kill me')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolvePromise(out) : reject(new Error(`child exited ${code}: ${out} ${err}`))));
  });
}

describe('kill -9 mid-sync', () => {
  let clean: ReturnType<typeof dumpData>;
  beforeAll(async () => {
    const t = tempDb();
    await runSync(t.db, createDemoConnector({ now: new Date(NOW), deals: DEALS, pageSize: 100 }), { now: new Date(NOW) });
    clean = dumpData(t.db);
    t.cleanup();
  });

  it.each([
    { stream: 'deals', page: 7, chunk: 'default' },
    { stream: 'stage_history', page: 3, chunk: 'default' },
    { stream: 'activities', page: 40, chunk: 'default' },
    // 100-row pages written 30 rows per transaction: killed in a page's last chunk, the others committed.
    { stream: 'deals', page: 7, chunk: 30 },
    { stream: 'stage_history', page: 3, chunk: 30 },
  ])('killed inside a $stream page transaction (page $page, rows per transaction: $chunk): the next run completes to the uninterrupted result', async ({ stream, page, chunk }) => {
    const t = tempDb();
    t.db.close();
    await runChildUntilKilled(t.path, stream, page, typeof chunk === 'number' ? chunk : undefined);
    const db = openDb(t.path);
    expect(lastRun(db, 'demo')?.status).toBe('running'); // the dead process never finished its run
    const r = await runSync(db, createDemoConnector({ now: new Date(NOW), deals: DEALS, pageSize: 100 }), { now: new Date(NOW) });
    expect(r.mode).toBe('full');
    expect(dumpData(db)).toEqual(clean);
    db.close();
    t.cleanup();
  });
});
