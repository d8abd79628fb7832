/**
 * A bad import loses nothing (issue 17): through the real `dealcast import-csv`, a deal whose row
 * is rejected keeps its last good data and is not marked deleted by a full import; a file with no
 * good row changes nothing and exits non-zero; a full import that would delete most live deals
 * holds the deletions back until confirmed; rows that do not say which deal they are stop
 * deletions altogether.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { createSyncJob } from '../../src/jobs/sync.js';
import { openDb } from '../../store/db.js';
import { countDeals, getDeal } from '../../store/deals.js';
import { dumpData } from '../helpers/db.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-deletions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(db: string, ...argv: string[]) {
  return cliEnv({ DEALCAST_DB: db }, ...argv);
}
async function cliEnv(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const HEADER = 'Deal ID,Deal Name,Stage,Amount,Currency,Create Date,Close Date';
/** Twelve deals with international names; D01 … D12, amounts 1,000 … 12,000 USD, created 1 … 12 October. */
const NAMES = ['山田 商事', 'محمد Trading', 'שלום בע"מ', '김민준 상사', 'Acme', 'Beta', 'Gamma', 'Delta', 'Epsilon', 'Zeta', 'Eta', 'Theta'];
const row = (i: number, over: { amount?: string; created?: string; stage?: string } = {}) => {
  const n = String(i + 1).padStart(2, '0');
  const name = NAMES[i]!.includes('"') ? `"${NAMES[i]!.replace(/"/g, '""')}"` : NAMES[i];
  return `D${n},${name},${over.stage ?? 'Proposal'},${over.amount ?? (i + 1) * 1000},USD,${over.created ?? `2026-10-${n}`},2026-12-${n}`;
};
const file = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${[HEADER, ...lines].join('\n')}\n`);
  return path;
};
const NOW = ['--now', '2026-11-01T00:00:00Z'];
const all = () => NAMES.map((_, i) => row(i));

async function freshDb(name: string) {
  const db = join(dir, name);
  const first = await cli(db, 'import-csv', file(`${name}-all.csv`, all()), ...NOW);
  expect(first.code).toBe(0);
  expect(first.out).toContain('Imported 12 new deals, updated 0 in place, rejected 0 rows.');
  return db;
}
const read = <T>(db: string, f: (d: ReturnType<typeof openDb>) => T): T => {
  const h = openDb(db);
  try {
    return f(h);
  } finally {
    h.close();
  }
};

describe('a full import with rejected rows', () => {
  it('keeps the deals of rejected rows as they were, and marks only the really missing deal deleted', async () => {
    const db = await freshDb('partial.db');
    // D02 (محمد) now has an unreadable amount, D03 (שלום) an unreadable date; D04 (김민준) is gone
    // from the export; D01 moved to Negotiation with a new amount; the other eight are unchanged.
    const lines = all().map((l, i) => (i === 0 ? row(0, { stage: 'Negotiation', amount: '1500' }) : i === 1 ? row(1, { amount: 'TBD' }) : i === 2 ? row(2, { created: '2026-13-45' }) : l));
    lines.splice(3, 1);
    const r = await cli(db, 'import-csv', file('partial.csv', lines), '--full', ...NOW);
    expect(r.code).toBe(0);
    // 11 rows: 9 accepted (all updated in place), 2 rejected; 1 deleted (D04); 2 kept (D02, D03).
    expect(r.out).toContain(
      'Imported 0 new deals, updated 9 in place, rejected 2 rows; 1 deal missing from this file marked deleted; 2 deals whose rows were rejected keep their last imported data.',
    );
    read(db, (h) => {
      expect(countDeals(h, 'csv')).toEqual({ total: 12, open: 11, won: 0, lost: 0, deleted: 1 });
      expect(getDeal(h, 'csv', 'D04')!.deletedAt).toBe('2026-11-01T00:00:00.000Z');
      // The last good data of the rejected rows: the first import's amount and created date.
      expect(getDeal(h, 'csv', 'D02')).toMatchObject({ name: 'محمد Trading', amount: 2000, deletedAt: null });
      expect(getDeal(h, 'csv', 'D03')).toMatchObject({ name: 'שלום בע"מ', amount: 3000, createdAt: '2026-10-03T00:00:00.000Z', deletedAt: null });
      expect(getDeal(h, 'csv', 'D01')).toMatchObject({ name: '山田 商事', amount: 1500 });
    });
  });

  it('a file in which every row is rejected changes nothing, lists the rejects and exits non-zero', async () => {
    const db = await freshDb('allbad.db');
    const before = read(db, dumpData);
    // The export's date format changed: every created date is day.month.year with a stray suffix.
    const path = file('allbad.csv', NAMES.map((_, i) => row(i, { created: `${String(i + 1).padStart(2, '0')}.10.2026 h` })));
    const rejects = join(dir, 'allbad-rejects.csv');
    const r = await cli(db, 'import-csv', path, '--full', '--rejects', rejects, ...NOW);
    expect(r.code).toBe(2);
    expect(r.err).toContain("None of the 12 rows of allbad.csv could be imported, so nothing was imported and no deal was changed (row 2: Create Date '01.10.2026 h' is not a date).");
    expect(r.err).toMatch(/--date-order/);
    expect(readFileSync(rejects, 'utf8').trim().split('\n')).toHaveLength(1 + 12);
    const after = read(db, dumpData);
    // Only the run log differs: the refused run is recorded as failed.
    expect({ ...after, sync_runs: undefined }).toEqual({ ...before, sync_runs: undefined });
    read(db, (h) => expect(countDeals(h, 'csv')).toEqual({ total: 12, open: 12, won: 0, lost: 0, deleted: 0 }));
  });

  it('a file with a header and no rows is refused the same way', async () => {
    const db = await freshDb('empty.db');
    const r = await cli(db, 'import-csv', file('empty.csv', []), '--full', ...NOW);
    expect(r.code).toBe(2);
    expect(r.err).toContain('empty.csv has a header but no deal rows; nothing was imported and no deal was changed.');
    read(db, (h) => expect(countDeals(h, 'csv').deleted).toBe(0));
  });

  it('rejected rows that do not say which deal they are stop a full import from deleting anything', async () => {
    // No id column: ids derive from name + created date, so a row whose created date is bad names no deal.
    const db = join(dir, 'noid.db');
    const noId = (name: string, lines: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, `Deal Name,Stage,Create Date\n${lines.join('\n')}\n`);
      return path;
    };
    expect((await cli(db, 'import-csv', noId('noid-1.csv', ['山田 商事,Proposal,2026-10-01', 'محمد Trading,Proposal,2026-10-02', 'Acme,Proposal,2026-10-03']), ...NOW)).code).toBe(0);
    // Acme is really gone; محمد's row has a bad date, so it could be any deal.
    const r = await cli(db, 'import-csv', noId('noid-2.csv', ['山田 商事,Proposal,2026-10-01', 'محمد Trading,Proposal,2026-10-99']), '--full', ...NOW);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '2 deals missing from this full read were not marked deleted, because 1 row could not be read and does not say which deal it is, so which deals are really gone is not known.',
    );
    expect(r.out).toContain('fix the rejected rows and import again with --full');
    read(db, (h) => expect(countDeals(h, 'csv')).toMatchObject({ total: 3, deleted: 0 }));
  });
});

describe('a full import that would delete most live deals', () => {
  it('holds the deletions back until confirmed (an export of one filtered view)', async () => {
    const db = await freshDb('filtered.db');
    // Only D01 and D02 are in the file: 10 of the 12 live deals missing, 83% > 50%, and 10 ≥ the minimum of 10.
    const path = file('filtered.csv', all().slice(0, 2));
    const r = await cli(db, 'import-csv', path, '--full', ...NOW);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '10 deals missing from this full read were not marked deleted, because they are 83% of the 12 live deals, which looks more like an incomplete export (a filtered view) or a lost permission than deals really removed.',
    );
    expect(r.out).toContain('import it again with --full --confirm-deletions');
    read(db, (h) => expect(countDeals(h, 'csv').deleted).toBe(0));
    // status remembers it, with the way to settle it.
    const held = await cli(db, 'status', ...NOW);
    expect(held.out).toMatch(/Held back: 10 deals missing from the full read of \S+ were not marked deleted, because they are 83% of the 12 live deals/);
    expect(held.out).toContain('If they really are gone: "dealcast import-csv FILE --full --confirm-deletions".');

    const confirmed = await cli(db, 'import-csv', path, '--full', '--confirm-deletions', ...NOW);
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain('10 deals missing from this file marked deleted');
    read(db, (h) => expect(countDeals(h, 'csv')).toMatchObject({ total: 12, deleted: 10 }));
    expect((await cli(db, 'status', ...NOW)).out).not.toContain('Held back');
  });

  it('below the minimum count, a large share is deleted as asked', async () => {
    const db = await freshDb('few.db');
    // Three full imports of shrinking files: 12 → 4 (8 missing, under 10: deleted) → 1 (3 of 4: under 10: deleted).
    const a = await cli(db, 'import-csv', file('few-4.csv', all().slice(0, 4)), '--full', ...NOW);
    expect([a.code, a.out.includes('8 deals missing from this file marked deleted')]).toEqual([0, true]);
    const b = await cli(db, 'import-csv', file('few-1.csv', all().slice(0, 1)), '--full', ...NOW);
    expect([b.code, b.out.includes('3 deals missing from this file marked deleted')]).toEqual([0, true]);
    read(db, (h) => expect(countDeals(h, 'csv')).toMatchObject({ total: 12, deleted: 11 }));
  });

  it('--confirm-deletions without --full is a usage error', async () => {
    const r = await cli(join(dir, 'x.db'), 'import-csv', file('x.csv', all()), '--confirm-deletions', ...NOW);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--confirm-deletions goes with --full.');
  });
});

describe('CRM=csv: dealcast sync and the scheduled sync', () => {
  it('dealcast sync --full holds back the deletions of a filtered export and exits 1', async () => {
    const db = await freshDb('sync-filtered.db');
    const env = { DEALCAST_DB: db, CRM: 'csv', CSV_PATH: file('sync-filtered.csv', all().slice(0, 2)) };
    const r = await cliEnv(env, 'sync', '--full', ...NOW);
    expect(r.code).toBe(1);
    expect(r.out).toContain('10 deals missing from this full read were not marked deleted, because they are 83% of the 12 live deals');
    expect(r.out).toContain('dealcast sync --full --confirm-deletions');
    read(db, (h) => expect(countDeals(h, 'csv').deleted).toBe(0));
  });

  it('the scheduled sync of a file with no good row fails with the reason and changes nothing', async () => {
    const db = await freshDb('sync-allbad.db');
    const before = read(db, dumpData);
    // (A whole amount column of text is read as a column that changed type, kept by the field guard; a bad date is per row.)
    const path = file('sync-allbad.csv', NAMES.map((_, i) => row(i, { created: 'soon' })));
    const config = loadConfig({ envFile: null, env: { DEALCAST_DB: db, CRM: 'csv', CSV_PATH: path } });
    const h = openDb(db);
    const logs: string[] = [];
    try {
      const job = createSyncJob({ db: h, config, log: (l) => logs.push(l) });
      // A full run, as after an interrupted full sync: the case where deletions happen unasked.
      await expect(job.run({ full: true, now: new Date('2026-11-02T00:00:00Z') })).rejects.toThrow("None of the 12 rows of sync-allbad.csv could be imported, so nothing was imported and no deal was changed (row 2: Create Date 'soon' is not a date).");
      await job.refreshDerived();
    } finally {
      h.close();
    }
    expect(logs.join('\n')).toContain('sync-allbad.csv: 12 rows read, 0 deals accepted, 12 rejected.');
    const after = read(db, dumpData);
    expect({ ...after, sync_runs: undefined }).toEqual({ ...before, sync_runs: undefined });
  });
});
