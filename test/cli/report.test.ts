import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { main } from '../../src/cli.js';
import { openDb } from '../../store/db.js';
import { saveTargets } from '../../store/targets.js';

const NOW = '2026-11-24T08:00:00Z';
let t: ReturnType<typeof tempDb>;

beforeAll(async () => {
  t = tempDb();
  await runSync(t.db, createDemoConnector({ deals: 400, now: new Date(NOW) }), { now: new Date(NOW) });
  t.db.close();
});
afterAll(() => t.cleanup());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['report', ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    env: { CRM: 'demo', DEALCAST_DB: t.path },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('dealcast report', () => {
  it('--json prints the report with its stable keys', async () => {
    const r = await cli('forecast', '--json', '--now', NOW);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    // The demo has a year of history: past warm-up, months carry the range and the new-deal term.
    expect(Object.keys(j.months[0])).toEqual(['month', 'pipeline', 'weighted', 'weighted_crm', 'won', 'new_deals', 'p10', 'p50', 'p90']);
    expect(Object.keys(j.next)).toEqual(expect.arrayContaining(['horizon_days', 'expected', 'open', 'new_deals', 'p10', 'p50', 'p90', 'warm_up']));
    const b = JSON.parse((await cli('backtest', '--json', '--now', NOW)).out);
    expect(Object.keys(b)).toEqual(expect.arrayContaining(['points', 'wape', 'wape_crm', 'bias', 'coverage', 'wape_run_rate', 'reliability']));
    expect(Object.keys(b.points[0])).toEqual(
      expect.arrayContaining(['date', 'forecast', 'forecast_crm', 'actual', 'forecast_p10', 'forecast_p90', 'forecast_new', 'actual_existing', 'warm_up']),
    );
  });

  it('deals --sort lists every open deal biggest first or soonest close first, paged by --limit', async () => {
    const all = JSON.parse((await cli('deals', '--json', '--now', NOW, '--sort', 'amount', '--limit', '100000')).out);
    const pipeline = JSON.parse((await cli('pipeline', '--json', '--now', NOW)).out);
    // Every open deal, not only the stuck ones: as many as the pipeline counts.
    expect(all.total).toBe(pipeline.total.count);
    expect(all.deals).toHaveLength(all.total);
    const amounts = all.deals.map((d: { amount: number | null }) => d.amount ?? 0);
    expect(amounts).toEqual([...amounts].sort((a: number, b: number) => b - a));
    const close = JSON.parse((await cli('deals', '--json', '--now', NOW, '--sort', 'close', '--limit', '20')).out);
    expect(close.deals).toHaveLength(20);
    expect(close.total).toBe(all.total);
    const days = close.deals.map((d: { close_date: string | null }) => d.close_date ?? '9999');
    expect(days).toEqual([...days].sort());
    // The soonest expected close among all open deals comes first.
    const soonest = all.deals.map((d: { close_date: string | null }) => d.close_date ?? '9999').sort()[0];
    expect(close.deals[0].close_date).toBe(soonest);
    const bad = await cli('deals', '--sort', 'name');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--sort must be stuck, amount or close/);
  });

  it('prints a compact table by default, with filters echoed', async () => {
    const r = await cli('pipeline', '--now', NOW, '--pipeline', 'new business', '--since', '90d');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Open pipeline by stage — as of 2026-11-24 08:00 UTC — pipeline=New Business since=2026-08-26 \(amounts in USD\)/);
    expect(r.out).toMatch(/\nTotal\s+\d+\s+\$/);
  });

  it('--out writes the chart as a PNG', async () => {
    const file = join(t.dir, 'forecast.png');
    const r = await cli('forecast', '--out', file, '--now', NOW);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(readFileSync(file).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('every report prints', async () => {
    for (const name of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'deals', 'sources', 'quality', 'backtest']) {
      const r = await cli(name, '--now', NOW);
      expect([name, r.code, r.err]).toEqual([name, 0, '']);
      expect(r.out.length).toBeGreaterThan(50);
    }
  });

  it('bad input gets one clear sentence and exit code 2', async () => {
    const unknown = await cli('pipelines');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/There is no report called "pipelines"/);
    const owner = await cli('reps', '--owner', 'Nobody Here', '--now', NOW);
    expect(owner.code).toBe(2);
    expect(owner.err).toMatch(/No deal owner matches "Nobody Here"/);
    expect((await cli('quality', '--out', 'x.png')).err).toMatch(/has no chart/);
    expect((await cli('pipeline', '--since', 'yesterday')).err).toMatch(/not a start date/);
  });

  it('refuses a --now or --since date that does not exist instead of rolling it over', async () => {
    const feb30 = await cli('pipeline', '--now', '2026-02-30');
    expect(feb30.code).toBe(2);
    expect(feb30.err).toMatch(/--now "2026-02-30" is not a real date \(February 2026 has 28 days\)/);
    expect(feb30.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(feb30.out).toBe('');
    expect((await cli('pipeline', '--now', '2027-02-29T08:00:00Z')).err).toMatch(/February 2027 has 28 days/);
    expect((await cli('pipeline', '--now', '2026-11-24T25:00')).err).toMatch(/not a real time of day/);
    expect((await cli('pipeline', '--since', '2026-04-31', '--now', NOW)).err).toMatch(/April 2026 has 30 days/);
    // A leap day exists: it is accepted, as the start of that day in the team's zone (UTC here).
    const leap = await cli('pipeline', '--json', '--now', '2028-02-29');
    expect(leap.code).toBe(0);
    expect(JSON.parse(leap.out).as_of).toBe('2028-02-29T00:00:00.000Z');
  });

  it('reads a --now without a zone in the team\'s time zone (DEALCAST_TIMEZONE)', async () => {
    const out: string[] = [];
    const code = await main(['report', 'forecast', '--json', '--now', '2026-12-01T08:00'], {
      stdout: (s) => out.push(s),
      stderr: () => undefined,
      env: { CRM: 'demo', DEALCAST_DB: t.path, DEALCAST_TIMEZONE: 'Asia/Tokyo' },
    });
    expect(code).toBe(0);
    const r = JSON.parse(out.join('\n'));
    expect(r.as_of).toBe('2026-11-30T23:00:00.000Z');
    expect(r.months[0].month).toBe('2026-12');
  });

  it('quota: no targets says how to add them; with one, --json has the documented keys and --out draws it', async () => {
    const none = await cli('quota', '--now', NOW);
    expect(none.out).toContain('No targets for FY2026 Q4');
    const db = openDb(t.path);
    saveTargets(db, 'demo', [{ periodKind: 'month', periodStart: '2026-11-01', periodEnd: '2026-12-01', scopeKind: 'team', scopeId: '', currency: 'USD', amount: 500_000 }], {
      source: 'slack',
      userId: 'U1',
      now: new Date(NOW),
    });
    db.close();
    const r = await cli('quota', '--json', '--period', 'month', '--now', NOW);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.period).toEqual({ kind: 'month', label: '2026-11', start: '2026-11-01', end: '2026-11-30', days: 30, fiscal_year_start_month: 1 });
    expect(Object.keys(j.rows[0])).toEqual(
      expect.arrayContaining(['scope', 'name', 'source', 'currency', 'target', 'won', 'attainment', 'expected_linear', 'expected_historical', 'pace', 'rest', 'projected', 'probability', 'coverage', 'pipeline_needed', 'pipeline_gap', 'pacing']),
    );
    expect(j.rows[0].source).toBe('slack');
    const bad = await cli('quota', '--period', 'week');
    expect(bad.code).toBe(2);
    const file = join(t.dir, 'quota.png');
    expect((await cli('quota', '--period', 'month', '--out', file, '--now', NOW)).code).toBe(0);
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');

    // pacing: the same target day by day, with the documented keys, as text, JSON and PNG.
    const p = JSON.parse((await cli('pacing', '--json', '--period', 'month', '--now', NOW)).out);
    expect(Object.keys(p.pacing)).toEqual(
      expect.arrayContaining(['scope', 'name', 'currency', 'target', 'won', 'attainment', 'pace', 'probability', 'projected', 'points', 'band']),
    );
    expect([p.pacing.scope, p.pacing.target, p.pacing.won, p.pacing.points.length]).toEqual(['team', 500_000, j.rows[0].won, 30]);
    expect(Object.keys(p.pacing.points[0])).toEqual(['date', 'won', 'pace_linear', 'pace_historical']);
    expect(Object.keys(p.pacing.band[0])).toEqual(['date', 'p10', 'p50', 'p90']);
    expect((await cli('pacing', '--period', 'month', '--now', NOW)).out).toContain('Pacing Team · 2026-11');
    const pacingPng = join(t.dir, 'pacing.png');
    expect((await cli('pacing', '--period', 'month', '--out', pacingPng, '--now', NOW)).code).toBe(0);
    expect(readFileSync(pacingPng).subarray(1, 4).toString()).toBe('PNG');
  });
});
