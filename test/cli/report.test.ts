import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';
import { main } from '../../src/cli.js';

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
    expect(Object.keys(j.months[0])).toEqual(['month', 'pipeline', 'weighted', 'weighted_crm', 'won']);
    const b = JSON.parse((await cli('backtest', '--json', '--now', NOW)).out);
    expect(Object.keys(b)).toEqual(expect.arrayContaining(['points', 'wape', 'wape_crm']));
    expect(Object.keys(b.points[0])).toEqual(['date', 'forecast', 'forecast_crm', 'actual']);
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
});
