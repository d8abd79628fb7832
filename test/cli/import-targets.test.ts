import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { main } from '../../src/cli.js';
import { openDb } from '../../store/db.js';
import { upsertOwners } from '../../store/owners.js';
import { upsertPipelines } from '../../store/pipelines.js';
import { setSetting } from '../../store/settings.js';
import { effectiveTargets } from '../../store/targets.js';
import { replaceCrmTeams } from '../../store/crm-teams.js';

let t: ReturnType<typeof tempDb> | undefined;
afterEach(() => t?.cleanup());

function setup() {
  t = tempDb();
  upsertOwners(t.db, 'hubspot', [
    { id: '101', name: 'Noa Levi נועה', email: 'noa@example.com', active: true },
    { id: '102', name: '김민준 🚀', email: null, active: true },
  ]);
  upsertPipelines(t.db, 'hubspot', [{ id: 'default', name: 'Sales Pipeline', position: 0, deleted: false }], '2026-01-01T00:00:00Z');
  setSetting(t.db, 'targets.fiscal_year_start_month', 2, '2026-01-01T00:00:00Z', 'U1');
  t.db.close();
  return t;
}

async function cli(argv: string[], path: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['import-targets', ...argv], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { CRM: 'hubspot', DEALCAST_DB: path, HUBSPOT_TOKEN: 'x' } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('dealcast import-targets', () => {
  it('imports a good file in the fiscal calendar of the settings, and audits it', async () => {
    const { dir, path } = setup();
    const file = join(dir, 'targets.csv');
    writeFileSync(file, 'period,start,scope,name,currency,amount\nquarter,2026-11-01,team,,USD,900000\nquarter,2026-11-01,rep,noa@example.com,USD,400000\nquarter,2026-11-01,rep,김민준 🚀,USD,500000\n');
    const r = await cli([file, '--now', '2026-12-05T12:00:00Z'], path);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('Imported 3 targets for hubspot');
    expect(r.out).toContain('3 new, 0 changed, 0 unchanged');
    const db = openDb(path);
    expect(effectiveTargets(db, 'hubspot', 'quarter', '2026-11-01').map((x) => [x.scopeKind, x.scopeId, x.amount, x.source])).toEqual([
      ['team', '', 900_000, 'csv'],
      ['rep', '101', 400_000, 'csv'],
      ['rep', '102', 500_000, 'csv'],
    ]);
    expect(db.prepare("SELECT COUNT(*) FROM settings_audit WHERE what LIKE 'target:hubspot:%'").pluck().get()).toBe(3);
    db.close();
  });

  it("names a HubSpot team or a team set in Slack by its name, and stores it by the team's id", async () => {
    const { dir, path } = setup();
    const db0 = openDb(path);
    replaceCrmTeams(db0, 'hubspot', [{ id: '178588', name: 'West Coast Sales', memberIds: ['101'], ownerIds: ['101'] }], '2026-12-01T00:00:00Z');
    setSetting(db0, 'visibility.teams', [{ id: 't1', name: 'צוות ים', ownerIds: ['101', '102'] }], '2026-12-01T00:00:00Z', 'U1');
    db0.close();
    const file = join(dir, 'targets.csv');
    writeFileSync(file, 'period,start,scope,name,currency,amount\nquarter,2026-11-01,company,,USD,900000\nquarter,2026-11-01,team,west coast sales,USD,300000\nquarter,2026-11-01,team,צוות ים,ILS,1000000\n');
    const r = await cli([file, '--now', '2026-12-05T12:00:00Z'], path);
    expect([r.code, r.err]).toEqual([0, '']);
    const db = openDb(path);
    expect(effectiveTargets(db, 'hubspot', 'quarter', '2026-11-01').map((x) => [x.scopeKind, x.scopeId, x.currency, x.amount])).toEqual([
      ['team', '', 'USD', 900_000],
      ['sales_team', 'crm:178588', 'USD', 300_000],
      ['sales_team', 'slack:t1', 'ILS', 1_000_000],
    ]);
    db.close();
  });

  it('a file with a bad line imports nothing and names the line', async () => {
    const { dir, path } = setup();
    const file = join(dir, 'targets.csv');
    // October is not a fiscal quarter start when the year starts in February.
    writeFileSync(file, 'period,start,scope,name,currency,amount\nquarter,2026-11-01,team,,USD,900000\nquarter,2026-10-01,rep,Noa Levi נועה,USD,400000\n');
    const r = await cli([file], path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:3: start: a fiscal quarter starts in February, May, August or November`);
    expect(r.err).toContain('Nothing imported: 1 line to fix.');
    const db = openDb(path);
    expect(db.prepare('SELECT COUNT(*) FROM targets').pluck().get()).toBe(0);
    db.close();
  });

  it('a missing file is a usage error', async () => {
    const { dir, path } = setup();
    const r = await cli([join(dir, 'nope.csv')], path);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Cannot read');
  });
  it('after import-csv with CRM left at its default, targets go to the CSV deals the reports read', async () => {
    t = tempDb();
    const { dir, path } = t;
    t.db.close();
    const deals = join(dir, 'deals.csv');
    writeFileSync(deals, 'id,name,stage,amount,owner,close_date,created\nD1,Acme,Won,1000,山田 太郎,2026-11-20,2026-10-01\nD2,Beta,Proposal,2000,محمد العلي,2026-12-20,2026-11-01\n');
    const env = { DEALCAST_DB: path };
    const io = { stdout: () => {}, stderr: () => {}, env };
    expect(await main(['import-csv', deals], io)).toBe(0);
    const file = join(dir, 'targets.csv');
    writeFileSync(file, 'period,start,scope,name,currency,amount\nquarter,2026-10-01,rep,山田 太郎,USD,5000\nquarter,2026-10-01,rep,محمد العلي,USD,7000\n');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['import-targets', file, '--now', '2026-12-05T12:00:00Z'], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
    expect([code, err.join('\n')]).toEqual([0, '']);
    expect(out.join('\n')).toContain('Imported 2 targets for csv');
    const db = openDb(path);
    const byOwner = Object.fromEntries(effectiveTargets(db, 'csv', 'quarter', '2026-10-01').map((x) => [x.scopeId, [x.scopeKind, x.amount]]));
    expect(byOwner).toEqual({ 'name:山田 太郎': ['rep', 5000], 'name:محمد العلي': ['rep', 7000] });
    db.close();
  });
});
