import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, openDb, schemaVersion } from '../../store/db.js';
import { StoreError } from '../../src/errors.js';

function tmp() {
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-db-'));
  return { path: join(dir, 'x.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function schemaOf(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all() as {
    type: string;
    name: string;
    sql: string;
  }[];
  db.close();
  return rows.map((r) => `${r.type} ${r.name}: ${r.sql.replace(/\s+/g, ' ')}`);
}

describe('store migrations', () => {
  const migrations = loadMigrations();
  const latest = migrations[migrations.length - 1]!.version;

  it('numbers migrations 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('creates the latest schema from an empty file, with WAL and foreign keys on', () => {
    const t = tmp();
    const db = openDb(t.path);
    expect(schemaVersion(db)).toBe(latest);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    for (const t of ['pipelines', 'stages', 'stage_map', 'owners', 'deals', 'deal_stage_history', 'activities', 'pipeline_snapshots', 'sync_cursors', 'sync_runs', 'job_runs', 'alert_log', 'settings']) {
      expect(tables).toContain(t);
    }
    db.close();
    t.done();
  });

  it.each(migrations.map((m) => m.version - 1))('upgrades a version-%i database in place to the same schema as a fresh one', (from) => {
    const fresh = tmp();
    openDb(fresh.path).close();
    const old = tmp();
    const db = openDb(old.path, { targetVersion: from });
    expect(schemaVersion(db)).toBe(from);
    db.close();
    const upgraded = openDb(old.path);
    expect(schemaVersion(upgraded)).toBe(latest);
    upgraded.close();
    expect(schemaOf(old.path)).toEqual(schemaOf(fresh.path));
    fresh.done();
    old.done();
  });

  it('keeps data across an upgrade', () => {
    const t = tmp();
    const db = openDb(t.path, { targetVersion: 1 });
    db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('k', '"v"', 'now')`).run();
    db.close();
    const again = openDb(t.path);
    expect(again.prepare(`SELECT value FROM settings WHERE key = 'k'`).pluck().get()).toBe('"v"');
    again.close();
    t.done();
  });

  it('moves derived-table stamps and demo parameters out of settings into internal_state', () => {
    const t = tmp();
    const db = openDb(t.path, { targetVersion: 3 });
    const put = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)');
    put.run('derived:deal_facts:demo', '{"version":6,"currency":"EUR"}', 'then');
    put.run('demo.dataset', '{"seed":1,"deals":50}', 'then');
    put.run('digest.channel', '"C0DIGEST"', 'then');
    db.close();
    const again = openDb(t.path);
    expect(again.prepare('SELECT key FROM settings ORDER BY key').pluck().all()).toEqual(['digest.channel']);
    expect(again.prepare('SELECT key, value FROM internal_state ORDER BY key').all()).toEqual([
      { key: 'demo.dataset', value: '{"seed":1,"deals":50}' },
      { key: 'derived:deal_facts:demo', value: '{"version":6,"currency":"EUR"}' },
    ]);
    again.close();
    t.done();
  });

  it('refuses a database written by a newer dealcast, saying what to do', () => {
    const t = tmp();
    const raw = new Database(t.path);
    raw.pragma(`user_version = ${latest + 5}`);
    raw.close();
    let err: unknown;
    try {
      openDb(t.path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(`schema version ${latest + 5}`);
    expect((err as StoreError).hint).toMatch(/Upgrade dealcast/);
    t.done();
  });

  it('013 keeps every target and lets a target name a team (scope sales_team)', () => {
    const t = tmp();
    const db = openDb(t.path, { targetVersion: 12 });
    const insert = `INSERT INTO targets (crm, period_kind, period_start, period_end, scope_kind, scope_id, source, currency, amount, updated_at, updated_by)
      VALUES ('pipedrive', 'quarter', '2026-10-01', '2027-01-01', ?, ?, 'slack', 'JPY', 15000000, '2026-10-02T00:00:00Z', 'U1')`;
    db.prepare(insert).run('rep', '505');
    expect(() => db.prepare(insert).run('sales_team', 'crm:42')).toThrow(/CHECK/);
    db.close();
    const upgraded = openDb(t.path);
    upgraded.prepare(insert).run('sales_team', 'crm:42');
    expect(upgraded.prepare('SELECT scope_kind, scope_id, amount, updated_by FROM targets ORDER BY scope_kind').all()).toEqual([
      { scope_kind: 'rep', scope_id: '505', amount: 15_000_000, updated_by: 'U1' },
      { scope_kind: 'sales_team', scope_id: 'crm:42', amount: 15_000_000, updated_by: 'U1' },
    ]);
    upgraded.close();
    t.done();
  });
});
