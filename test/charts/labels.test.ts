import { describe, expect, it } from 'vitest';
import { buildChart, chartRowNames, chartRowsAltText } from '../../charts/index.js';
import { shortenMiddle, uniqueLabels } from '../../charts/labels.js';
import { renderPng, renderSvg } from '../../charts/render.js';
import { measureText } from '../../charts/text-measure.js';
import { FONT_SIZE, formatMoney } from '../../charts/theme.js';
import { chartReports } from './chart-fixtures.js';

const FIT = { maxPx: 110, fontSize: FONT_SIZE.label };
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** 18-character Salesforce user ids whose first 14 characters are equal. */
const SALESFORCE_IDS = ['005Hs00000AbCdEIAU', '005Hs00000AbCdFIAU', '005Hs00000AbCdGIAU', '005Hs00000AbCdHQAU'];
const MONTGOMERY = ['Alexandra Montgomery-Smith', 'Alexandra Montgomery-Jones', 'Alexandra Montgomery-Brown'];

function expectDistinctAndFitting(labels: string[], fit: { maxPx: number; fontSize: number; fontWeight?: number } = FIT) {
  expect(new Set(labels).size).toBe(labels.length);
  for (const l of labels) expect(measureText(l, fit.fontSize, fit.fontWeight)).toBeLessThanOrEqual(fit.maxPx);
}

describe('uniqueLabels', () => {
  it('keeps names that fit as they are', () => {
    expect(uniqueLabels(['Ana', 'Ben Okafor', '山田太郎'], FIT)).toEqual(['Ana', 'Ben Okafor', '山田太郎']);
  });

  it('cuts long names at the end when that keeps them apart', () => {
    const [a, b] = uniqueLabels(['Maximilian Alexander von Hohenberg', 'Ben Okafor'], FIT);
    expect(a).toMatch(/^Maximilian.*…$/);
    expect(b).toBe('Ben Okafor');
  });

  it('cuts names that would look alike in the middle, keeping the ends that tell them apart', () => {
    const labels = uniqueLabels(MONTGOMERY, FIT);
    expectDistinctAndFitting(labels);
    expect(labels[0]).toMatch(/^Alex.*….*Smith$/);
    expect(labels[1]).toMatch(/^Alex.*….*Jones$/);
    expect(labels[2]).toMatch(/^Alex.*….*Brown$/);
  });

  it('keeps Salesforce ids with equal first 14 characters apart', () => {
    const labels = uniqueLabels(SALESFORCE_IDS, { maxPx: 100, fontSize: 13 });
    expectDistinctAndFitting(labels, { maxPx: 100, fontSize: 13 });
    for (const [i, id] of SALESFORCE_IDS.entries()) expect(labels[i]!.endsWith(id.slice(-4))).toBe(true);
  });

  it('numbers names that are equal, or differ only where no short form can show', () => {
    const labels = uniqueLabels(['John Smith', 'John Smith', 'John Smith'], FIT);
    expect(labels).toEqual(['John Smith', 'John Smith (2)', 'John Smith (3)']);
    const middle = ['Enterprise team A renewals and upsell EMEA', 'Enterprise team B renewals and upsell EMEA'];
    const cut = uniqueLabels(middle, { maxPx: 90, fontSize: 13 });
    expectDistinctAndFitting(cut, { maxPx: 90, fontSize: 13 });
  });

  it('never gives a shortened label that equals another row\'s full name', () => {
    const labels = uniqueLabels(['Alexandra Montgomery-Smith', 'Alexandra M…gomery-Smith', 'Alexandra Montgomery-Jones'], FIT);
    expectDistinctAndFitting(labels);
  });

  it('never cuts inside a grapheme cluster (emoji sequences, conjuncts, Thai syllables)', () => {
    const names = ['👨‍👩‍👧‍👦 Family accounts worldwide', 'अनन्या शर्मा अनन्या शर्मा अनन्या', 'สมชาย ใจดี สมชาย ใจดี สมชาย', 'محمد العتيبي محمد العتيبي محمد'];
    const labels = uniqueLabels(names, { maxPx: 60, fontSize: 13 });
    expectDistinctAndFitting(labels, { maxPx: 60, fontSize: 13 });
    labels.forEach((label, i) => {
      const kept = Array.from(graphemes.segment(label.replace('…', '')), (g) => g.segment);
      const whole = new Set(Array.from(graphemes.segment(names[i]!), (g) => g.segment));
      for (const g of kept) expect(whole.has(g)).toBe(true);
    });
    expect(shortenMiddle('👨‍👩‍👧‍👦'.repeat(12), 1, { maxPx: 60, fontSize: 13 })).toMatch(/^(👨‍👩‍👧‍👦)+…👨‍👩‍👧‍👦$/u);
  });
});

describe('charts never merge rows whose names shorten alike', () => {
  const base = chartReports().reps;
  const rep = base.reps[0]!;
  // 26 reps: the top 10 by won value include the three Montgomerys and four Salesforce ids.
  const names = [...MONTGOMERY, ...SALESFORCE_IDS, 'John Smith', 'John Smith', 'Ana Martínez', ...Array.from({ length: 16 }, (_, i) => `Rep ${i}`)];
  const reps = names.map((owner, i) => ({ ...rep, owner, owner_id: `u${i}`, won_value: 1_000_000 - i * 10_000 }));
  const report = { ...base, reps };

  it('gives the reps chart ten distinct rows, one per rep', async () => {
    const spec = buildChart('reps', report);
    const rows = (spec as unknown as { datasets: { table: Array<{ owner: string; won_label: string }> } }).datasets.table;
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.owner)).size).toBe(10);
    expect(rows.map((r) => r.won_label)).toEqual(reps.slice(0, 10).map((r) => formatMoney(r.won_value, 'USD')));
    // Drawn: ten axis labels, all different, and ten bars.
    const svg = await renderSvg(spec);
    const labels = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g><\/g>/g)].flatMap((m) => [...m[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]));
    expect(labels).toHaveLength(10);
    expect(new Set(labels).size).toBe(10);
    const bars = svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? [];
    expect(bars).toHaveLength(10);
    const png = await renderPng(spec);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('keeps sources and stages whose names shorten alike apart', () => {
    const s = chartReports().sources;
    const sources = [...MONTGOMERY.map((n) => `${n} referral programme`), 'Webinar'].map((source, i) => ({ ...s.sources[0]!, source, value: 100_000 - i }));
    const spec = buildChart('sources', { ...s, sources });
    const rows = (spec as unknown as { datasets: { table: Array<{ source: string }> } }).datasets.table;
    expect(new Set(rows.map((r) => r.source)).size).toBe(4);
    const p = chartReports().pipeline;
    const stages = SALESFORCE_IDS.map((stage, i) => ({ ...p.stages[0]!, stage: `Stage ${stage} long qualifier`, value: 10 + i }));
    const pipeline = buildChart('pipeline', { ...p, stages });
    expect(new Set((pipeline as unknown as { datasets: { table: Array<{ stage: string }> } }).datasets.table.map((r) => r.stage)).size).toBe(4);
  });

  it('names every row in full in the alt text', () => {
    expect(chartRowNames('reps', report)).toEqual(names.slice(0, 10));
    const alt = chartRowsAltText('reps', report);
    for (const n of names.slice(0, 10)) expect(alt).toContain(n);
    expect(chartRowsAltText('forecast', chartReports().forecast)).toBe('');
  });
});
