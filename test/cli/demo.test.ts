import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dealcast-demo-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dealcast demo', () => {
  it('prints the headline KPIs and writes every chart and summary.json into --out', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const outDir = join(dir, 'out');
    const code = await main(['demo', '--deals', '400', '--now', '2026-11-24T08:00:00Z', '--db', join(dir, 'demo.db'), '--out', outDir], {
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      env: { CRM: 'demo' },
    });
    expect([code, err.join('\n')]).toEqual([0, '']);
    const text = out.join('\n');
    for (const kpi of ['Open pipeline:', 'Weighted forecast:', 'Win rate:', 'Sales velocity:']) expect(text).toContain(kpi);
    // The replayed weekly snapshots give the commit report past periods to learn the bias from.
    expect(text).toMatch(/Commit FY\d{4} Q\d: team \$[\d.]+[kM] \(best case .*\) vs model .*, past periods closed [\d.]+% of commit/);
    expect(readdirSync(outDir).sort()).toEqual([
      'alerts.json',
      'backtest.png',
      'commit.png',
      'digest.json',
      'forecast-2026-11-24.png',
      'forecast.png',
      'funnel-2026-11-24.png',
      'funnel.png',
      'pacing.png',
      'pipeline.png',
      'quota.png',
      'reps.png',
      'sources.png',
      'summary.json',
      'velocity.png',
    ]);
    // The dry-run digest and alert run: shown as a reader sees them, payloads saved, nothing posted.
    expect(text).toContain('The digest dealcast would post (dry run):');
    expect(text).toContain('PIPELINE DIGEST · TUE 24 NOV');
    expect(text).toContain('↳ in the thread: chart "Conversion funnel"');
    expect(text).toContain('The alerts dealcast would post (dry run):');
    // The demo is built to show every alert kind on a fresh install.
    expect(text).toContain('*Pipeline drop*');
    expect(text).toContain('*Rep inactivity*');
    expect(text).toContain('*Stuck deals*');
    const digest = JSON.parse(readFileSync(join(outDir, 'digest.json'), 'utf8'));
    expect(digest.map((c: { kind: string }) => c.kind)).toEqual(['post', 'upload', 'upload']);
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.kpis.open_pipeline.value).toBe(summary.reports.pipeline.total.value);
    expect(summary.kpis.weighted_forecast.months).toEqual(['2026-11', '2026-12', '2027-01']);
    expect(Object.keys(summary.reports).sort()).toEqual(['backtest', 'commit', 'deals', 'forecast', 'funnel', 'pacing', 'pipeline', 'quality', 'quota', 'reps', 'sources', 'velocity']);
    // The demo CRM's targets: the team's is the sum of the reps'; some reps are ahead of pace, some behind.
    expect(text).toMatch(/Quota FY2026 Q4: team \$[\d.]+[kM]? of \$[\d.]+[kM]? \(/);
    // The pacing report paces the team's target: the same won and target as the quota's team row.
    const pacing = summary.reports.pacing.pacing;
    expect([pacing.scope, pacing.won, pacing.target]).toEqual(['team', summary.reports.quota.rows[0].won, summary.reports.quota.rows[0].target]);
    expect(pacing.band.at(-1).p90).toBe(summary.reports.quota.rows[0].projected.p90);
    const quota = summary.reports.quota;
    const reps = quota.rows.filter((r: { scope: string }) => r.scope === 'rep');
    expect(quota.rows[0].target).toBe(reps.reduce((s: number, r: { target: number }) => s + r.target, 0));
    expect(reps.some((r: { pace: number }) => r.pace > 1)).toBe(true);
    expect(reps.some((r: { pace: number }) => r.pace < 0.6)).toBe(true);
    expect(readFileSync(join(outDir, 'pipeline.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
