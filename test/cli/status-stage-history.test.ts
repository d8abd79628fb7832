/**
 * `dealcast status` says where its stage history comes from (issue 17): after importing a CSV with
 * no history of its own, it used to read "stage history 8000" (one row per deal, recorded by
 * dealcast at first sight) next to a stage_history stream of 0 rows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-status-history-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(db: string, ...argv: string[]) {
  const out: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env: { DEALCAST_DB: db } });
  return { code, out: out.join('\n') };
}

const OLIST = new URL('../fixtures/csv/olist-like-funnel.csv', import.meta.url).pathname;
const MAP = ['--map', 'id=mql_id', '--map', 'createdAt=first_contact_date', '--map', 'wonAt=won_date', '--map', 'source=origin', '--map', 'owner=sr_id'];

describe('status: stage history by where it came from', () => {
  it('an export without history: the entries are dealcast’s own, one per deal at first import, then the changes it sees', async () => {
    const db = join(dir, 'olist.db');
    expect((await cli(db, 'import-csv', OLIST, ...MAP, '--now', '2018-06-30T00:00:00Z')).code).toBe(0);
    const s = await cli(db, 'status', '--now', '2018-06-30T00:00:00Z');
    // The stream read nothing: the file has no history.
    expect(s.out).toMatch(/^stage_history\s+0\s/m);
    // 34 leads in the fixture, each recorded once in the stage it was in when imported.
    expect(s.out).toContain(
      'Stage history: 34 stage entries: 34 recorded by dealcast (34 deals in the stage they were in when first imported, 0 stage changes seen since); none from the export, so time in stage and stage paths know only what dealcast has seen.',
    );
    expect(s.out).not.toMatch(/stage history 34/);

    // A newer export: the first lost lead (f323a274…) was won on 2018-07-02 → one change seen.
    const newer = join(dir, 'olist-newer.csv');
    writeFileSync(newer, readFileSync(OLIST, 'utf8').replace('f323a27400edd82c3097dc02fe6b7df2,2018-01-02,organic_search,Lost,,', 'f323a27400edd82c3097dc02fe6b7df2,2018-01-02,organic_search,Won,2018-07-02,'));
    expect((await cli(db, 'import-csv', newer, ...MAP, '--now', '2018-07-03T00:00:00Z')).code).toBe(0);
    const after = await cli(db, 'status', '--now', '2018-07-03T00:00:00Z');
    expect(after.out).toContain('Stage history: 35 stage entries: 35 recorded by dealcast (34 deals in the stage they were in when first imported, 1 stage change seen since)');
    const json = JSON.parse((await cli(db, 'status', '--json', '--now', '2018-07-03T00:00:00Z')).out);
    expect(json.stage_history).toEqual({ total: 35, from_crm: 0, backfill: 0, observed: 35, observed_first_seen: 34, observed_changes: 1 });
  });

  it('an export with a history file: the entries are the export’s', async () => {
    const deals = join(dir, 'Opportunity.csv');
    writeFileSync(deals, 'Id,Name,StageName,Amount,CreatedDate\n006A,山田 商事,Proposal,1000,2026-10-01\n006B,"שלום בע""מ",Closed Won,2000,2026-10-02\n');
    const history = join(dir, 'OpportunityHistory.csv');
    // 006B's second Prospecting row repeats its stage (an amount change): not a stage entry → 4 entries.
    writeFileSync(
      history,
      'OpportunityId,StageName,CreatedDate\n006A,Prospecting,2026-10-01\n006A,Proposal,2026-10-05\n006B,Prospecting,2026-10-02\n006B,Prospecting,2026-10-03\n006B,Closed Won,2026-10-09\n',
    );
    const db = join(dir, 'sf.db');
    expect((await cli(db, 'import-csv', deals, '--history', history, '--now', '2026-11-01T00:00:00Z')).code).toBe(0);
    const s = await cli(db, 'status', '--now', '2026-11-01T00:00:00Z');
    expect(s.out).toMatch(/^stage_history\s+4\s/m);
    expect(s.out).toContain('Stage history: 4 stage entries: 4 from the export.');
  });
});
