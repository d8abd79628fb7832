import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { CHART_NAMES, type ChartName, type ChartReports, type VegaLiteSpec, buildChart, isChartName } from '../../charts/index.js';
import { chartReports, emptyReports } from './chart-fixtures.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- specs are inspected as plain JSON */
type Json = any;

/**
 * Vega-Lite warns about the height whenever one dimension is sized by step and autosize is a
 * 'fit' type, even 'fit-x', and then does what we ask: fits the width. Charts whose height
 * grows with their rows use `height: { step }`, so this one warning is expected.
 */
const STEP_HEIGHT_WARNING = 'Dropping "fit-y" because spec has discrete height.';

/** Compile with a logger that records warnings: a valid spec compiles without any (but the step-height one). */
function compileQuietly(spec: VegaLiteSpec): { warnings: string[]; vg: Json } {
  const warnings: string[] = [];
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return this;
    },
    error(...args: unknown[]) {
      throw new Error(args.join(' '));
    },
    warn(...args: unknown[]) {
      const message = args.join(' ');
      if (message !== STEP_HEIGHT_WARNING) warnings.push(message);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  const vg = compile(spec, { logger: logger as never }).spec;
  return { warnings, vg };
}

const spec = <K extends ChartName>(name: K, report: ChartReports[K]): Json => buildChart(name, report) as Json;
const layerMarks = (s: Json) => s.layer.map((l: Json) => (typeof l.mark === 'string' ? l.mark : l.mark.type));
/** The rows a spec draws: its `data` names a top-level dataset. */
const values = (s: Json) => s.datasets[s.data.name] as Json[];
/** A param's value: builders lift every figure that depends on the report into params. */
const paramValue = (s: Json, name: string) => {
  const p = (s.params as Json[]).find((q) => q.name === name);
  if (!p) throw new Error(`no param ${name}`);
  return p.value;
};
/** What a spec property says: a literal, or the value of the param it refers to. */
const resolve = (s: Json, v: Json) => (v !== null && typeof v === 'object' && 'expr' in v ? paramValue(s, v.expr) : v);
const titleText = (s: Json): string => resolve(s, s.title.text);
const subtitle = (s: Json): string[] => resolve(s, s.title.subtitle) ?? [];

describe('every chart', () => {
  it.each(CHART_NAMES)('%s compiles to Vega without warnings, with a title, subtitle and the theme', (name) => {
    const s = spec(name, chartReports()[name] as never);
    expect(titleText(s)).toBeTruthy();
    expect(subtitle(s).length).toBeGreaterThan(0);
    expect(s.config.font).toBe('Inter');
    expect(s.config.background).toBe('#ffffff');
    expect(s.usermeta?.noData).toBeUndefined();
    const { warnings } = compileQuietly(s);
    expect(warnings).toEqual([]);
  });

  it.each(CHART_NAMES)('%s with an empty report is a "No data for this filter" card', (name) => {
    const s = spec(name, emptyReports()[name] as never);
    expect(s.usermeta.noData).toBe(true);
    expect(s.mark.type).toBe('text');
    expect(values(s)[0].text).toBe('No data for this filter');
    expect(values(s)[1].text).toBe('Owner: Grace Liu');
    expect(compileQuietly(s).warnings).toEqual([]);
  });

  it.each(CHART_NAMES)('%s keeps its rows in the table dataset and its report figures in params, each one used', (name) => {
    const s = spec(name, chartReports()[name] as never);
    expect(s.data).toEqual({ name: 'table' });
    expect(values(s).length).toBeGreaterThan(0);
    const names: string[] = s.params.map((p: Json) => p.name);
    const exprs = [...JSON.stringify(s).matchAll(/"expr":"([^"]*)"/g)].map((m) => m[1]);
    for (const e of exprs) expect(e!.match(/[A-Za-z_]\w*/g)!.some((id) => names.includes(id)), e).toBe(true);
    for (const n of names) expect(exprs.some((e) => new RegExp(`\\b${n}\\b`).test(e!)), n).toBe(true);
  });

  it('takes title and subtitle overrides', () => {
    const s = buildChart('pipeline', chartReports().pipeline, { title: 'Q4 pipeline', subtitle: 'Line one\nLine two' }) as Json;
    expect(titleText(s)).toBe('Q4 pipeline');
    expect(subtitle(s)).toEqual(['Line one', 'Line two']);
  });

  it('knows its chart names and rejects others', () => {
    expect(CHART_NAMES).toEqual(['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources', 'backtest', 'quota', 'pacing', 'commit']);
    expect(isChartName('funnel')).toBe(true);
    expect(isChartName('deals')).toBe(false);
    expect(() => buildChart('deals' as ChartName, {} as never)).toThrow(/Unknown chart "deals"/);
  });

  it('keeps every subtitle line short enough for the card', () => {
    const r = chartReports();
    const filtered = { ...r.pipeline, filters: { pipeline: 'Enterprise renewals EMEA', owner: 'Chloé Dubois-Lefebvre', source: 'Partner referral', since: '2026-01-01' } };
    for (const s of [...CHART_NAMES.map((n) => spec(n, r[n] as never)), spec('pipeline', filtered)]) {
      for (const line of subtitle(s)) expect(line.length, line).toBeLessThanOrEqual(64);
    }
  });
});

describe('pipeline', () => {
  it('draws open value, weighted value and a value · count label per stage in funnel order', () => {
    const s = spec('pipeline', chartReports().pipeline);
    expect(layerMarks(s)).toEqual(['bar', 'bar', 'text']);
    expect(s.encoding.y).toMatchObject({ field: 'stage', sort: null });
    expect(s.layer[0].encoding.x.field).toBe('value');
    // One 40 px row per stage, however many stages: the height is a step, not a figure.
    expect(s.height).toEqual({ step: 40 });
    expect(s.layer[1].encoding.x.field).toBe('weighted');
    expect(s.layer[2].encoding.text.field).toBe('label');
    expect(values(s).map((v) => v.stage)).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation']);
    expect(values(s)[0].label).toBe('$1.2M · 30 deals');
    expect(values(s)[3].label).toBe('$90K · 1 deal');
    expect(subtitle(s)[0]).toBe('$2.4M open · $620K weighted · 61 deals');
  });
  it('leaves room for the longest label to the right of the longest bar', () => {
    const s = spec('pipeline', chartReports().pipeline);
    expect(resolve(s, s.layer[0].encoding.x.scale.domain[1])).toBeGreaterThan(1_200_000 * 1.5);
  });
  it('is no-data when every stage is empty', () => {
    const r = chartReports().pipeline;
    const empty = { ...r, stages: r.stages.map((st) => ({ ...st, count: 0, value: 0, weighted: 0 })) };
    expect(spec('pipeline', empty).usermeta.noData).toBe(true);
  });
});

describe('forecast', () => {
  it('stacks won, open deals and new deals in front of won + pipeline, with CRM ticks, the range and forecast labels', () => {
    const s = spec('forecast', chartReports().forecast);
    expect(layerMarks(s)).toEqual(['bar', 'bar', 'bar', 'bar', 'rule', 'tick', 'text']);
    const [nov, dec] = values(s);
    // Nov: won 200K + open deals 300K + new deals 20K = 520K; range won + P10 … won + P90.
    expect(nov).toMatchObject({ month: 'Nov 2026', won: 200_000, open: 500_000, forecast: 520_000, best: 1_200_000, crm: 600_000, lo: 400_000, hi: 650_000, label: '$520K' });
    expect(dec).toMatchObject({ month: 'Dec 2026', won: 0, forecast: 400_000, best: 1_500_000, crm: 450_000, lo: null, hi: null });
    expect(s.layer[2].encoding.y.field).toBe('won');
    expect(s.layer[2].encoding.y2.field).toBe('open');
    expect(s.layer[3].encoding.y2.field).toBe('forecast');
    expect(s.layer[4].encoding.y2.field).toBe('hi');
    s.layer.splice(3, 2);
    expect(s.layer[0].encoding.y.axis.format).toBe('$.2~s');
    expect(s.config.locale.number.currency).toEqual(['$', '']);
    // Scale top and bar width depend on the report, so they are params: the tallest bar is 1.5M.
    expect(paramValue(s, 'yMax')).toBeCloseTo(1_500_000 * 1.08);
    expect(s.layer[0].encoding.y.scale.domain).toEqual([0, { expr: 'yMax' }]);
    expect(paramValue(s, 'barWidth')).toBe(72);
    expect(s.layer[3].mark.size).toEqual({ expr: 'barWidth + 12' });
    expect(paramValue(s, 'labelFontSize')).toBe(13);
    expect(subtitle(s)[0]).toContain('$920K');
    expect(subtitle(s).join(' ')).toContain('CRM probabilities $1.1M');
  });
});

describe('funnel', () => {
  it('shows reached counts with share of the first stage and the conversion to the next stage', () => {
    const s = spec('funnel', chartReports().funnel);
    expect(layerMarks(s)).toEqual(['bar', 'text', 'text']);
    const rows = values(s);
    expect(rows.map((r) => r.label)).toEqual(['100 · 100%', '50 · 50%', '20 · 20%', '10 · 10%']);
    expect(rows[0].conversion).toBe('↓ 50% moved on to Qualified');
    expect(rows[3].conversion).toBeNull();
    expect(rows[3].last).toBe(true);
    expect(s.layer[2].transform).toEqual([{ filter: 'datum.conversion != null' }]);
    expect(subtitle(s)[0]).toBe('100 deals created · 40% of those closed were won');
  });
  it('is no-data when no deal reached the first stage', () => {
    const r = chartReports().funnel;
    expect(spec('funnel', { ...r, stages: r.stages.map((st) => ({ ...st, reached: 0 })) }).usermeta.noData).toBe(true);
  });
});

describe('velocity', () => {
  it('is a line of value per day over period starts, with the current figures in the subtitle', () => {
    const s = spec('velocity', chartReports().velocity);
    expect(layerMarks(s)).toEqual(['area', 'line', 'point']);
    expect(s.encoding.x).toMatchObject({ field: 'period', type: 'temporal', timeUnit: 'utcyearmonthdate' });
    expect(s.encoding.y).toMatchObject({ field: 'velocity', title: 'USD per day' });
    expect(s.encoding.x.axis.format).toBe('%b %-d');
    expect(subtitle(s)[0]).toBe('Now $2K/day · 40 open · win 25% · avg won $10K · 50-day cycle');
    expect(s.datasets[s.layer[2].data.name]).toEqual([{ period: '2026-11-16', velocity: 2_000 }]);
  });
});

describe('reps', () => {
  it('ranks reps by won value with open, activity and last-activity columns', () => {
    const s = spec('reps', chartReports().reps);
    expect(layerMarks(s)).toEqual(['bar', 'text', 'text', 'text', 'text', 'text']);
    const rows = values(s);
    expect(rows.map((r) => r.owner)).toEqual(['Ben Okafor', 'Maximilian…', 'Ana Martínez']);
    expect(rows[0]).toMatchObject({ won_label: '$300K', open_label: '$50K (2)', activities: '7', last: '3d', stale: false });
    expect(rows[2]).toMatchObject({ last: '2w', stale: true });
    expect(s.layer.at(-1).data.values.map((h: Json) => h.text)).toEqual(['Won', 'Open (deals)', 'Activity', 'Last']);
  });
  it('says n/a instead of zeros when the CRM has no activity data', () => {
    const s = spec('reps', { ...chartReports().reps, activities_available: false });
    expect(values(s).every((r) => r.activities === 'n/a' && r.last === 'n/a')).toBe(true);
  });
  it('shows at most 10 reps and says so', () => {
    const r = chartReports().reps;
    const many = { ...r, reps: Array.from({ length: 14 }, (_, i) => ({ ...r.reps[0]!, owner: `Rep ${i}`, owner_id: `r${i}`, won_value: i })) };
    const s = spec('reps', many);
    expect(values(s)).toHaveLength(10);
    expect(values(s)[0].owner).toBe('Rep 13');
    expect(subtitle(s)[0]).toContain('top 10 of 14 reps');
  });
});

describe('sources', () => {
  it('sorts by value, labels value · deals · win rate, and folds the tail into Other', () => {
    const s = spec('sources', chartReports().sources);
    expect(layerMarks(s)).toEqual(['bar', 'text']);
    const rows = values(s);
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatchObject({ source: 'Source 0', value: 1_000_000, label: '$1M · 10 · 50% won' });
    expect(rows[7].source).toBe('Other (3)');
    // Other = sources 7, 8, 9: value 300K+200K+100K, won 3, lost 3+3+3+… (see fixture)
    expect(rows[7].value).toBe(600_000);
    expect(rows[7].label).toBe('$600K · 30 · 25% won');
  });
  it('says "no closes" when a source has no closed deals', () => {
    const r = chartReports().sources;
    const s = spec('sources', { ...r, sources: [{ source: 'Webinar', count: 3, value: 9_000, won: 0, lost: 0, win_rate: null }] });
    expect(values(s)[0].label).toBe('$9K · 3 · no closes');
  });
});

describe('backtest', () => {
  it('draws actual as dots against the forecast line and band as made each week, CRM dashed, warm-up grey, and a reliability panel', () => {
    const s = spec('backtest', chartReports().backtest);
    const [main, panel] = s.vconcat;
    expect(main.layer.map((l: { mark: { type: string } }) => l.mark.type)).toEqual(['area', 'line', 'line', 'line', 'point']);
    expect(main.layer[0].encoding.y.field).toBe('p10');
    expect(main.layer[0].encoding.y2.field).toBe('p90');
    expect(main.layer[1].mark.strokeDash).toEqual([5, 3]);
    expect(main.layer[4].encoding.y.field).toBe('actual');
    // The warm-up week is drawn on the grey line (joined to the first warm week), not the forecast line, and has no band.
    expect(values(s)[0]).toEqual({ date: '2026-09-28', actual: 90_000, forecast: null, warm: 60_000, crm: 150_000, p10: null, p90: null });
    expect(values(s)[1]).toMatchObject({ forecast: 110_000, warm: 110_000, p10: 80_000, p90: 140_000 });
    expect(s.datasets.reliability).toEqual([
      { bucket: '0–5%', predicted: 0.02, observed: 0.03, deals: 100 },
      { bucket: '50–100%', predicted: 0.6, observed: 0.55, deals: 10 },
    ]);
    expect(panel.layer.map((l: { mark: { type: string } }) => l.mark.type)).toEqual(['bar', 'tick']);
    expect(subtitle(s).join(' ')).toContain('WAPE 12% · bias ×1.00 · P10–P90 hit rate 100%');
    expect(subtitle(s).join(' ')).toContain('run-rate WAPE 30% · CRM 35% · 2 of 3 weeks warm');
  });
});

describe('quota chart', () => {
  it('draws each target as shares of its own target: won, the end-of-period band, the pace tick and a label', () => {
    const s = buildChart('quota', chartReports().quota) as unknown as { datasets: { table: Record<string, unknown>[] }; params: { name: string; value: unknown }[] };
    const rows = s.datasets.table;
    expect(rows.map((r) => r.name)).toEqual(['Team', '山田 太郎', 'Noa Levi', 'محمد علي', 'Léa Martin']);
    // Team: 900k of 2M won = 45%; ends at 900k + 500k … 900k + 1.1M = 70% … 100%; expected by now 800k = 40%.
    expect(rows[0]).toMatchObject({ won_share: 0.45, band_low: 0.7, band_high: 1, pace_now: 0.4, label: '45% · 55% likely' });
    // The euro row is a share of its euro target, next to the dollar rows: 150k of 300k.
    expect(rows[4]).toMatchObject({ won_share: 0.5, label: '50% · 50% likely' });
    const title = s.params.find((p) => p.name === 'titleText')?.value;
    expect(title).toBe('Quota attainment · FY2027 Q4');
    const sub = s.params.find((p) => p.name === 'subtitleLines')?.value as string[];
    expect(sub.join(' ')).toContain('Team: $900K of $2M won · 46 days left · chance of target 55%');
  });

  it('no targets: the no-data card', () => {
    expect((buildChart('quota', emptyReports().quota) as unknown as { usermeta: { noData: boolean } }).usermeta.noData).toBe(true);
  });

  it('says how many rows it could not fit, never dropping them without a word', () => {
    const r = chartReports().quota;
    const rep = r.rows.find((x) => x.scope === 'rep')!;
    const many = { ...r, rows: [...r.rows, ...Array.from({ length: 9 }, (_, i) => ({ ...rep, scope_id: `extra-${i}`, name: `Rep ${i + 1}` }))] };
    const s = buildChart('quota', many) as unknown as { datasets: { table: unknown[] }; params: { name: string; value: unknown }[] };
    expect(s.datasets.table).toHaveLength(10);
    const lines = (spec: { params: { name: string; value: unknown }[] }) => ((spec.params.find((p) => p.name === 'subtitleLines')?.value as string[] | undefined) ?? []).join(' ');
    expect(lines(s)).toContain(`first 10 of ${r.rows.length + 9} rows shown`);
    expect(lines(buildChart('quota', r) as unknown as { params: { name: string; value: unknown }[] })).not.toContain('rows shown');
  });
});

describe('pacing chart', () => {
  type Spec = { datasets: Record<string, Record<string, unknown>[]>; params: { name: string; value: unknown }[] };
  it('draws cumulative won to today, both pace lines, the forecast band to the period end and the target', () => {
    const s = buildChart('pacing', chartReports().pacing) as unknown as Spec;
    const rows = s.datasets.table!;
    expect(rows).toHaveLength(92);
    // A 40,000 deal on Nov 2, Nov 5, …: Nov 1 has none, Nov 2 one, Nov 24 (day 24) eight; nothing after today.
    expect(rows[0]).toMatchObject({ date: '2026-11-01', won: 0, linear: 10_000 });
    expect(rows[1]).toMatchObject({ date: '2026-11-02', won: 40_000, linear: 20_000 });
    expect(rows[23]).toMatchObject({ date: '2026-11-24', won: 320_000, linear: 240_000 });
    expect(rows[24]!.won).toBeNull();
    expect(rows[91]).toMatchObject({ date: '2027-01-31', linear: 920_000 });
    // The band opens at today's won and ends at won + the rest's range.
    expect(s.datasets.band!.at(0)).toEqual({ date: '2026-11-24', p10: 320_000, p50: 320_000, p90: 320_000 });
    expect(s.datasets.band!.at(-1)).toEqual({ date: '2027-01-31', p10: 620_000, p50: 820_000, p90: 1_040_000 });
    expect(s.datasets.target).toEqual([{ date: '2027-01-31', target: 920_000, label: 'Target $920K' }]);
    expect(s.datasets.won_end).toEqual([{ date: '2026-11-24', won: 320_000, label: '$320K won' }]);
    // y axis up to the band's P90 (1.04M) plus 12%.
    expect(s.params.find((p) => p.name === 'yMax')?.value).toBeCloseTo(1_040_000 * 1.12, 6);
    expect(s.params.find((p) => p.name === 'titleText')?.value).toBe('Pacing · Team · FY2027 Q4');
    const sub = (s.params.find((p) => p.name === 'subtitleLines')!.value as string[]).join(' ');
    expect(sub).toContain('$320K of $920K won (35%)');
    expect(sub).toContain('chance of target 42%');
  });

  it('a scope without a target: the no-data card', () => {
    expect((buildChart('pacing', emptyReports().pacing) as unknown as { usermeta: { noData: boolean } }).usermeta.noData).toBe(true);
  });
});

describe('forecast chart with a target', () => {
  type Spec = { datasets: Record<string, Record<string, unknown>[]>; params: { name: string; value: unknown }[] };
  it("marks each month's share of the period's target and says attainment, pace and chance", () => {
    const r = chartReports().forecast;
    const without = JSON.stringify(buildChart('forecast', r));
    // A quarter of 92 days (Nov 1 – Jan 31), 920,000: November's 30 days are 300,000, December's 31 are 310,000.
    const target = {
      period: { kind: 'quarter' as const, label: 'FY2027 Q4', start: '2026-11-01', end: '2027-01-31' },
      currency: 'USD',
      amount: 920_000,
      won: 230_000,
      attainment: 0.25,
      expected_by_now: 250_000,
      pace: 0.92,
      pace_basis: 'linear' as const,
      probability: 0.35,
      projected: { expected: 800_000, p10: 600_000, p50: 790_000, p90: 1_000_000 },
      by_month: [
        { month: '2026-11', amount: 300_000 },
        { month: '2026-12', amount: 310_000 },
      ],
    };
    const s = buildChart('forecast', { ...r, target }) as unknown as Spec;
    expect(s.datasets.target).toEqual([
      { month: 'Nov 2026', target: 300_000 },
      { month: 'Dec 2026', target: 310_000 },
    ]);
    const sub = (s.params.find((p) => p.name === 'subtitleLines')!.value as string[]).join(' ');
    expect(sub).toContain('target FY2027 Q4 $920K: 25% won, pace 92%, chance 35%');
    expect(JSON.stringify(s)).toContain('Target (share of period)');
    // Without a target nothing of it is drawn.
    expect(without).not.toContain('Target');
  });
});

describe('commit chart', () => {
  it("draws each rep's Commit and Best case over the model's band, labelled with their past bias; the team is the headline", () => {
    const s = buildChart('commit', chartReports().commit) as unknown as { datasets: { table: Record<string, unknown>[] }; params: { name: string; value: unknown }[] };
    const rows = s.datasets.table;
    expect(rows.map((r) => r.name)).toEqual(['山田 太郎', 'محمد علي', 'דנה לוי']);
    // 山田: won 120k, commit 260k (above the model's 150k–210k), best case 300k; past periods closed 62% of his commit.
    expect(rows[0]).toMatchObject({ won: 120_000, commit: 260_000, best_case: 300_000, p10: 150_000, p90: 210_000, label_x: 300_000, label: 'closes 62% of commit' });
    expect(rows[2]).toMatchObject({ label: 'bias: not enough history' });
    expect(s.params.find((p) => p.name === 'titleText')?.value).toBe('Commit vs model · FY2026 Q4');
    const sub = s.params.find((p) => p.name === 'subtitleLines')?.value as string[];
    expect(sub.join(' ')).toContain('Team commit $520K');
    expect(sub.join(' ')).toContain('model $380K–$530K');
    expect(sub.join(' ')).toContain('past periods closed 91% of commit');
    // The x domain leaves room for the labels right of the widest row: 300k × 1.6.
    expect(s.params.find((p) => p.name === 'xMax')?.value).toBe(480_000);
  });

  it('no rows: the no-data card', () => {
    expect((buildChart('commit', emptyReports().commit) as unknown as { usermeta: { noData: boolean } }).usermeta.noData).toBe(true);
  });
});
