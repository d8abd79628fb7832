/**
 * Names from the CRM inside a summary sentence sit in Unicode bidi isolates: without them a
 * right-to-left name pulls the figure after it to its own side ("73% محمد علي" on screen).
 */
import { describe, expect, it } from 'vitest';
import { sampleCommit } from '../../bench/chart-reports.js';
import { reportSummary } from '../../src/views/report-summary.js';
import { isolateName } from '../../src/views/numbers.js';

const base = { currency: 'USD', filters: {}, as_of: '2026-11-24T09:00:00.000Z' };
const ctx = { filterText: '', freshness: { now: new Date(base.as_of), timeZone: 'UTC', syncedAt: base.as_of }, requestedBy: 'U1' };

describe('names in summary sentences', () => {
  it('are wrapped in first-strong isolate … pop directional isolate, nothing else changed', () => {
    expect(isolateName('محمد علي')).toBe('\u2068محمد علي\u2069');
    expect([...isolateName('דנה לוי')].slice(1, -1).join('')).toBe('דנה לוי');
  });

  it("the commit note names each rep above or below the model's range inside isolates", () => {
    const r = sampleCommit(base);
    // محمد علي calls 200,000, above the model's P90 of 190,000, like 山田 太郎 (260,000 over 210,000).
    r.rows = r.rows.map((x) => (x.name === 'محمد علي' ? { ...x, commit: 200_000, commit_vs_model: 'above' as const } : x));
    const text = JSON.stringify(reportSummary('commit', r, ctx).blocks);
    expect(text).toContain("Commit above the model's P90: \u2068山田 太郎\u2069, \u2068محمد علي\u2069");
  });
});
