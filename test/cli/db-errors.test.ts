/**
 * A database that is missing, not SQLite, damaged, locked or read-only: one sentence with what to
 * do, a non-zero exit, no stack trace; and a read-only copy still serves every read command.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { main } from '../../src/cli.js';
import { describeSqliteError, openDb } from '../../store/db.js';
import { computeReport } from '../../src/reports/compute.js';

const NOW = '2026-11-24T08:00:00Z';
let dir: string;
let good: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-dberr-'));
  good = join(dir, 'good.db');
  const db = openDb(good);
  await runSync(db, createDemoConnector({ deals: 120, now: new Date(NOW) }), { now: new Date(NOW) });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});
afterAll(() => {
  for (const f of ['ro', 'ro-dir']) {
    try {
      chmodSync(join(dir, f), 0o755);
    } catch {
      /* not made */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function cli(dbPath: string, ...argv: string[]) {
  return cliWith({}, dbPath, ...argv);
}

async function cliWith(env: Record<string, string>, dbPath: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { CRM: 'demo', DEALCAST_DB: dbPath, ...env } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('database problems', () => {
  it('a mistyped path for a read command says so and creates nothing', async () => {
    const path = join(dir, 'typo', 'dealcats.db');
    for (const cmd of [['report', 'pipeline'], ['status']]) {
      const r = await cli(path, ...cmd);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/There is no database at .*dealcats\.db\.\nCheck DEALCAST_DB for a typo/);
      noStack(r.err);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('a file that is not SQLite', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'this is a text file, not a database\n'.repeat(200));
    const r = await cli(path, 'report', 'pipeline');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/notes\.db is not a dealcast database \(it is not an SQLite file\)\.\nPoint DEALCAST_DB/);
    noStack(r.err);
    const s = await cli(path, 'sync');
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/is not a dealcast database/);
  });

  it('a damaged database', async () => {
    const path = join(dir, 'corrupt.db');
    const bytes = readFileSync(good);
    // Keep the header, overwrite the pages after it: the schema and data pages are garbage.
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    writeFileSync(path, bytes);
    const r = await cli(path, 'report', 'pipeline');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is damaged \(SQLite reports it malformed\)|is not a dealcast database/);
    noStack(r.err);
  });

  it('a database locked by another writer', async () => {
    const path = join(dir, 'locked.db');
    writeFileSync(path, readFileSync(good));
    const holder = new Database(path);
    holder.pragma('journal_mode = DELETE');
    holder.exec('BEGIN EXCLUSIVE');
    try {
      // Waits DB_BUSY_TIMEOUT_SECONDS for the other writer, then says so.
      const r = await cliWith({ DB_BUSY_TIMEOUT_SECONDS: '1' }, path, 'sync');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is locked by another process.*\nTry again in a minute/);
      noStack(r.err);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 20_000);

  it('a write refused by a read-only database reads as one sentence', () => {
    const ro = new Database(good, { readonly: true });
    let caught: unknown;
    try {
      ro.exec("INSERT INTO settings (key, value, updated_at) VALUES ('x', '1', 'now')");
    } catch (err) {
      caught = err;
    } finally {
      ro.close();
    }
    expect(describeSqliteError(caught, '/data/dealcast.db')?.message).toBe('The database at /data/dealcast.db is read-only, and this command needs to write to it.');
  });

  it('a read-only database with stale report tables is reported on from their last refresh, saying so', async () => {
    const path = join(dir, 'stale.db');
    writeFileSync(path, readFileSync(good));
    const rw = openDb(path);
    const fresh = computeReport(rw, 'demo', 'pipeline', { timeZone: 'UTC', now: new Date(NOW) }).total;
    // A deal arrives without a refresh of the report tables (as if the process died mid-way).
    rw.prepare(
      `INSERT INTO deals (crm, id, name, amount, currency, pipeline_id, stage_id, created_at, status)
       SELECT crm, 'extra-1', 'Extra', 1000, currency, pipeline_id, stage_id, '2026-11-01T00:00:00.000Z', 'open' FROM deals WHERE crm = 'demo' AND status = 'open' LIMIT 1`,
    ).run();
    rw.close();
    const ro = openDb(path, { readonly: true });
    try {
      const r = computeReport(ro, 'demo', 'pipeline', { timeZone: 'UTC', now: new Date(NOW) });
      // Reports never rebuild the tables: the last refresh, with a note that newer changes are pending.
      expect(r.total).toEqual(fresh);
      expect(r.notes?.some((n) => n.startsWith('Figures are from the report tables as of'))).toBe(true);
    } finally {
      ro.close();
    }
  });

  // File permissions do not stop root: this one runs as an ordinary user only.
  it.skipIf(process.getuid?.() === 0)('a read-only copy serves report, status and dashboard; a write command says what to do', async () => {
    const roDir = join(dir, 'ro');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(roDir);
    const path = join(roDir, 'copy.db');
    writeFileSync(path, readFileSync(good));
    chmodSync(path, 0o444);
    chmodSync(roDir, 0o555);
    const before = readFileSync(path);
    const r = await cli(path, 'report', 'pipeline', '--now', NOW);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Open pipeline by stage/);
    const past = await cli(path, 'report', 'funnel', '--now', '2026-06-01T00:00:00Z', '--json');
    expect(past.code).toBe(0);
    expect(JSON.parse(past.out).notes[0]).toMatch(/Rebuilt as of 2026-06-01/);
    expect((await cli(path, 'status')).code).toBe(0);
    const out = join(dir, 'dash.html');
    expect((await cli(path, 'dashboard', '--out', out, '--now', NOW)).code).toBe(0);
    const w = await cli(path, 'sync');
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/read-only, and this command needs to write to it|Cannot open the database/);
    noStack(w.err);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
