/**
 * renderSvg reuses built Vega Views across specs of the same shape. These tests hold it to
 * rendering exactly what a new View renders, whatever the pool rendered before.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it, vi } from 'vitest';
import { CHART_NAMES, type ChartName, type ChartOptions, type ChartReports, type VegaLiteSpec, buildChart } from '../../charts/index.js';
import { VIEW_POOL_MAX, renderSvg, specShapeKey, viewPoolStats } from '../../charts/render.js';
import { sampleReports, variedReports } from '../../bench/chart-reports.js';
import { chartReports, emptyReports } from './chart-fixtures.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- reports and specs are varied as plain JSON */
type Json = any;

/** A render in a new View, the way renderSvg worked before it pooled Views: the reference. */
async function freshSvg(spec: VegaLiteSpec): Promise<string> {
  const vg = compile(structuredClone(spec), { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * vega names clip paths from a process-wide counter (clip3, clip17, …), so even two new Views
 * of one spec differ there; number them in order of appearance before comparing.
 */
function sameIds(svg: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/\bclip\d+\b/g, (id) => {
    if (!ids.has(id)) ids.set(id, `clip-${ids.size + 1}`);
    return ids.get(id)!;
  });
}

const MONEY = new Set(['value', 'weighted', 'pipeline', 'won', 'weighted_crm', 'velocity', 'forecast', 'forecast_crm', 'actual', 'won_value', 'open_value', 'avg_won']);
const DATES = new Set(['as_of', 'date', 'period', 'since', 'until']);

/** The same report with every amount scaled by `factor` and every date moved by `days`. */
function varied<T>(report: T, factor: number, days: number): T {
  const walk = (x: Json, key?: string): Json => {
    if (Array.isArray(x)) return x.map((v) => walk(v));
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v, k)]));
    if (typeof x === 'number' && key && MONEY.has(key)) return x * factor;
    if (typeof x === 'string' && key && DATES.has(key)) {
      const shifted = new Date(Date.parse(x) + days * 86_400_000).toISOString();
      return x.length === 10 ? shifted.slice(0, 10) : shifted;
    }
    return x;
  };
  return walk(report);
}

const LONG_FILTERS = { pipeline: 'Enterprise renewals EMEA', owner: 'Chloé Dubois-Lefebvre', source: 'Partner referral', since: '2026-01-01' };

/**
 * Reports of one shape per chart that differ in everything else: amounts, dates, row count and
 * order, zero values, the number of subtitle lines.
 */
function sameShapeReports<K extends ChartName>(name: K): ChartReports[K][] {
  const s = sampleReports() as Json;
  const f = chartReports() as Json;
  const r = s[name];
  switch (name) {
    case 'pipeline':
      return [
        r,
        f.pipeline,
        { ...r, filters: LONG_FILTERS, stages: [...r.stages].reverse().map((st: Json, i: number) => ({ ...st, value: i === 1 ? 0 : st.value * 7, weighted: 0 })) },
        { ...varied(r, 0.01, 40), stages: r.stages.slice(1) },
      ];
    case 'forecast':
      return [r, f.forecast, { ...varied(r, 3.3, 61), filters: LONG_FILTERS }, { ...r, months: [{ ...r.months[0], won: 0, weighted: 0 }] }];
    case 'funnel':
      return [r, f.funnel, { ...varied(r, 1, 9), stages: r.stages.slice(0, 2).map((st: Json) => ({ ...st, reached: st.reached * 13 })) }, { ...f.funnel, filters: LONG_FILTERS, win_rate: 0 }];
    case 'velocity':
      return [r, varied(r, 2.5, 28), { ...varied(r, 0.3, -35), points: r.points.slice(4).map((p: Json, i: number) => (i === 3 ? { ...p, velocity: 0 } : p)) }, { ...r, filters: LONG_FILTERS }];
    case 'reps':
      return [r, f.reps, { ...varied(r, 4, 3), filters: LONG_FILTERS, reps: [...r.reps].reverse().slice(0, 5) }, { ...f.reps, reps: f.reps.reps.map((x: Json) => ({ ...x, won_value: 0 })) }];
    case 'sources':
      return [r, f.sources, { ...varied(r, 0.2, 1), sources: r.sources.slice(3, 6) }, { ...f.sources, filters: LONG_FILTERS }];
    case 'backtest':
      return [r, f.backtest, { ...varied(r, 5, 100), points: r.points.slice(30) }, { ...f.backtest, filters: LONG_FILTERS, wape: 0 }];
    case 'quota':
      return [r, f.quota, { ...varied(r, 2, 30), rows: r.rows.slice(1, 3) }, { ...r, filters: LONG_FILTERS, rows: r.rows.map((x: Json) => ({ ...x, won: 0, probability: 0 })) }];
    case 'pacing':
      return [
        r,
        varied(r, 2, 30),
        { ...r, filters: LONG_FILTERS, pacing: { ...r.pacing, won: 0, points: r.pacing.points.map((p: Json) => ({ ...p, won: p.won === null ? null : 0 })) } },
        { ...r, pacing: { ...r.pacing, band: r.pacing.band.slice(0, 2) } },
      ];
    case 'commit':
      return [r, f.commit, { ...varied(r, 2, 30), rows: r.rows.slice(0, 3) }, { ...r, filters: LONG_FILTERS, rows: r.rows.map((x: Json) => ({ ...x, won: 0, bias: { ...x.bias, status: 'not_enough_history', ratio: null } })) }];
  }
  throw new Error(name);
}

const spec = <K extends ChartName>(name: K, report: ChartReports[K], opts?: ChartOptions): VegaLiteSpec => buildChart(name, report, opts);

describe('specShapeKey', () => {
  it.each(CHART_NAMES)('gives %s the same key for reports of one shape, and no report figure is in it', (name) => {
    const reports = sameShapeReports(name);
    const specs = reports.map((r) => spec(name, r));
    const key = specShapeKey(specs[0]!);
    for (const s of specs) expect(specShapeKey(s)).toBe(key);
    // The sample and the hand-built fixture are of one shape too (velocity's fixture has few
    // enough periods for point markers, a different mark).
    if (name !== 'velocity') expect(specShapeKey(spec(name, chartReports()[name] as never))).toBe(key);
    // So are the chart benchmark's reports, a new variant for every render.
    for (let i = 1; i < 6; i++) expect(specShapeKey(spec(name, variedReports(i)[name] as never))).toBe(key);
    // Nothing that depends on the report made it into the key: no text of a subtitle line or a
    // row that differs between two of the reports.
    const strings = (s: Json) => new Set(JSON.stringify([s.params, s.datasets]).match(/"[^"]{4,}"/g));
    const [a, b] = [strings(specs[0]), strings(specs[2])];
    const reportTexts = [...a].filter((t) => !b.has(t));
    expect(reportTexts.length).toBeGreaterThan(0);
    for (const text of reportTexts) expect(key).not.toContain(text);
  });

  it('tells apart specs that really differ in structure', () => {
    const r = sampleReports();
    const keys = new Set([
      specShapeKey(spec('forecast', r.forecast)),
      specShapeKey(spec('forecast', { ...r.forecast, months: [...r.forecast.months, ...r.forecast.months, ...r.forecast.months] })), // no bar labels past 6 months
      specShapeKey(spec('pipeline', r.pipeline)),
      specShapeKey(spec('pipeline', { ...r.pipeline, currency: 'EUR' })), // the currency is in the config
      specShapeKey(spec('pipeline', r.pipeline, { subtitle: '' })), // no subtitle at all
      specShapeKey(spec('pipeline', emptyReports().pipeline)),
    ]);
    expect(keys.size).toBe(6);
  });

  it('keys a spec without datasets or params on all of it, inline values included', () => {
    const a = { data: { values: [{ x: 1 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } } as VegaLiteSpec;
    const b = { ...a, data: { values: [{ x: 2 }] } } as VegaLiteSpec;
    expect(specShapeKey(a)).not.toBe(specShapeKey(b));
    // Key order does not matter.
    expect(specShapeKey({ encoding: (a as Json).encoding, mark: 'point', data: { values: [{ x: 1 }] } } as VegaLiteSpec)).toBe(specShapeKey(a));
  });
});

describe('renderSvg with pooled Views', () => {
  it('renders every report exactly as a new View would, charts interleaved, the same View reused', async () => {
    const rounds = CHART_NAMES.map((name) => sameShapeReports(name));
    let viewsAfterFirstRound = 0;
    for (let round = 0; round < 4; round++) {
      for (const [c, name] of CHART_NAMES.entries()) {
        const s = spec(name, rounds[c]![round] as never);
        expect(sameIds(await renderSvg(s)), `${name}, report ${round + 1}`).toBe(sameIds(await freshSvg(s)));
      }
      if (round === 0) viewsAfterFirstRound = viewPoolStats().views;
    }
    // One View per chart served all four reports: the later rounds built none.
    expect(viewPoolStats().views).toBe(viewsAfterFirstRound);
  });

  it('renders without mark ARIA labels (as renderPng does) exactly as a new View of that spec would', async () => {
    for (let round = 0; round < 3; round++) {
      for (const name of CHART_NAMES) {
        const s = spec(name, sameShapeReports(name)[round] as never);
        const withoutAria = { ...s, config: { ...s.config, aria: false } } as VegaLiteSpec;
        expect(sameIds(await renderSvg(s, { aria: false })), `${name}, report ${round + 1}`).toBe(sameIds(await freshSvg(withoutAria)));
      }
    }
  });

  it('draws axis ticks in order when the next report keeps some tick values and adds others', async () => {
    // Forecast's money axis: 0, 500K, 1M, … then 0, 200K, 400K, … share some values.
    const r = sampleReports().forecast;
    for (const factor of [1, 0.4, 1, 2.5, 0.5, 1.5, 0.2]) {
      const s = spec('forecast', varied(r, factor, 0));
      expect(sameIds(await renderSvg(s)), `amounts × ${factor}`).toBe(sameIds(await freshSvg(s)));
    }
  });

  it('renders title and subtitle overrides, with more or fewer lines, as a new View would', async () => {
    const r = sampleReports().pipeline;
    for (const opts of [{ subtitle: 'One\nTwo\nThree' }, { title: 'Q4', subtitle: 'Only one line' }, undefined, { title: 'Again' }]) {
      const s = spec('pipeline', r, opts);
      expect(sameIds(await renderSvg(s))).toBe(sameIds(await freshSvg(s)));
    }
  });

  it('renders the no-data card of every chart, between real charts, as a new View would', async () => {
    for (const name of CHART_NAMES) {
      for (const report of [emptyReports()[name], { ...emptyReports()[name], filters: { owner: 'Ana Martínez' } }]) {
        const s = spec(name, report as never);
        expect(sameIds(await renderSvg(s))).toBe(sameIds(await freshSvg(s)));
      }
    }
  });

  it('gives concurrent renders of one shape each their own View and each its own picture', async () => {
    const base = sampleReports().pipeline;
    const specs = Array.from({ length: 10 }, (_, i) =>
      spec('pipeline', { ...varied(base, 1 + i / 3, i), stages: i % 3 === 0 ? base.stages.slice(i % 4) : base.stages }),
    );
    expect(new Set(specs.map(specShapeKey)).size).toBe(1);
    const expected: string[] = [];
    for (const s of specs) expected.push(sameIds(await freshSvg(s)));
    expect(new Set(expected).size).toBe(10);
    const pooled = await Promise.all(specs.map((s) => renderSvg(s)));
    expect(pooled.map(sameIds)).toEqual(expected);
    // And again, now that the pool holds several Views of this shape.
    const again = await Promise.all([...specs].reverse().map((s) => renderSvg(s)));
    expect(again.map(sameIds)).toEqual([...expected].reverse());
  });

  it("leaves the caller's spec and rows untouched, so one spec renders the same twice", async () => {
    const s = spec('backtest', sampleReports().backtest);
    const before = JSON.stringify(s);
    const first = sameIds(await renderSvg(s));
    const second = sameIds(await renderSvg(s));
    expect(second).toBe(first);
    expect(JSON.stringify(s)).toBe(before);
    // vega tags the objects it ingests (tuple ids) and writes parsed dates onto them: never ours.
    for (const row of (s as Json).datasets.table) {
      expect(Object.getOwnPropertySymbols(row)).toEqual([]);
      expect(typeof row.date).toBe('string');
    }
    expect(first).toBe(sameIds(await freshSvg(s)));
  });

  it('renders specs with inline data and no params, the same one twice, as a new View would', async () => {
    const adHoc = (n: number) =>
      ({
        width: 200,
        height: 100,
        data: { values: Array.from({ length: n }, (_, i) => ({ k: `k${i}`, v: (i + 1) * n })) },
        mark: 'bar',
        encoding: { x: { field: 'k', type: 'nominal', sort: null }, y: { field: 'v', type: 'quantitative' } },
      }) as VegaLiteSpec;
    for (const n of [3, 5, 3]) {
      const s = adHoc(n);
      expect(sameIds(await renderSvg(s))).toBe(sameIds(await freshSvg(s)));
    }
  });

  it(`keeps at most ${VIEW_POOL_MAX} Views, evicting the least recently used, and still renders right`, async () => {
    const adHoc = (i: number) =>
      ({
        width: 120,
        height: 40,
        data: { values: [{ label: `shape ${i}` }] },
        mark: 'text',
        encoding: { text: { field: 'label', type: 'nominal' } },
      }) as VegaLiteSpec;
    const chart = spec('funnel', sampleReports().funnel);
    await renderSvg(chart);
    for (let i = 0; i < VIEW_POOL_MAX + 8; i++) await renderSvg(adHoc(i));
    const stats = viewPoolStats();
    expect(stats.views).toBeLessThanOrEqual(VIEW_POOL_MAX);
    expect(stats.views).toBe(stats.idle);
    // The funnel View was the least recently used: it is gone, and rebuilding it renders right.
    const viewsBefore = stats.views;
    const other = spec('funnel', chartReports().funnel);
    expect(sameIds(await renderSvg(other))).toBe(sameIds(await freshSvg(other)));
    expect(viewPoolStats().views).toBe(viewsBefore); // one built, one evicted
    expect(sameIds(await renderSvg(adHoc(0)))).toBe(sameIds(await freshSvg(adHoc(0))));
    expect(viewPoolStats().views).toBeLessThanOrEqual(VIEW_POOL_MAX);
  });

  it('keeps the pool usable after a spec that fails to compile', async () => {
    const before = viewPoolStats();
    await expect(renderSvg({ mark: 'nonsense' } as unknown as VegaLiteSpec)).rejects.toThrow();
    expect(viewPoolStats()).toEqual(before);
    const s = spec('sources', sampleReports().sources);
    expect(sameIds(await renderSvg(s))).toBe(sameIds(await freshSvg(s)));
  });

  it('empties a returned View after the render, so the next render of its shape does not wait for that', async () => {
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    const first = spec('forecast', sampleReports().forecast);
    await renderSvg(first);
    await tick();
    await tick(); // the emptying run, queued when the View came back, is done
    const data = vi.spyOn(vega.View.prototype, 'data');
    try {
      const next = spec('forecast', variedReports(7).forecast);
      const svg = await renderSvg(next);
      const emptied = data.mock.calls.filter(([, rows]) => Array.isArray(rows) && rows.length === 0);
      expect(data.mock.calls.length).toBeGreaterThan(0); // the render put its rows in
      expect(emptied).toEqual([]); // and did not have to empty the View first: that was done
      expect(sameIds(svg)).toBe(sameIds(await freshSvg(next)));
    } finally {
      data.mockRestore();
    }
  });

  it('replaces a View whose emptying run failed, and still renders right', async () => {
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    await renderSvg(spec('backtest', sampleReports().backtest));
    const before = viewPoolStats();
    // Fail the next dataflow run: the emptying run of the View just returned.
    const runs = vi.spyOn(vega.View.prototype, 'runAsync').mockRejectedValueOnce(new Error('boom'));
    try {
      await tick();
      await tick();
      const next = spec('backtest', variedReports(3).backtest);
      expect(sameIds(await renderSvg(next))).toBe(sameIds(await freshSvg(next)));
      expect(viewPoolStats().views).toBe(before.views); // the failed View was replaced, not added to
    } finally {
      runs.mockRestore();
    }
  });
});
