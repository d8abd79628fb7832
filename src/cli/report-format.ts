/** Compact plain-text tables for `dealcast report <name>` (the JSON keeps the full figures). */
import type { ReportBase, ReportByName, ReportName } from '../metrics/report-types.js';
import { moneyNote } from '../views/money-note.js';
import { plural } from '../views/numbers.js';
import { displayWidth, isolateRtl, padEndWidth, padStartWidth, truncateWidth } from './text-width.js';

const SYMBOL: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', AUD: 'A$', CAD: 'C$' };

export function money(v: number | null | undefined, currency: string): string {
  if (v === null || v === undefined) return '–';
  const sym = SYMBOL[currency] ?? `${currency} `;
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}${sym}${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}${sym}${(a / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${sign}${sym}${(a / 1e3).toFixed(1)}k`;
  return `${sign}${sym}${Math.round(a).toLocaleString('en-US')}`;
}
export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Left-aligns the first column, right-aligns the rest, by display width (a name in 山田 太郎 takes
 * nine columns, not five characters). A cell with right-to-left letters sits in bidi isolates,
 * its padding outside them, so the figures after محمد stay in their own columns.
 */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const cell = (c: string, i: number) => (i === 0 ? padEndWidth(isolateRtl(c), widths[i] ?? 0) : padStartWidth(isolateRtl(c), widths[i] ?? 0));
  const line = (r: string[]) => r.map(cell).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function header(title: string, r: ReportBase): string {
  const f = Object.entries(r.filters)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${isolateRtl(String(v))}`)
    .join(' ');
  const head = `${title} — as of ${r.as_of.slice(0, 16).replace('T', ' ')} UTC${f ? ` — ${f}` : ''} (amounts in ${r.currency})`;
  return [head, ...reportNotes(r)].join('\n');
}

/** What a reader must know about the figures: deals left out of money totals. */
export function reportNotes(r: ReportBase): string[] {
  const note = moneyNote(r, money);
  return [...(r.notes ?? []), ...(note ? [note] : [])].map((n) => `Note: ${n}`);
}

const formatters: { [N in ReportName]: (r: ReportByName[N]) => string } = {
  pipeline: (r) =>
    [
      header('Open pipeline by stage', r),
      table(
        ['Stage', 'Deals', 'Value', 'Weighted'],
        [
          ...r.stages.map((s) => [s.stage, num(s.count), money(s.value, r.currency), money(s.weighted, r.currency)]),
          ['Total', num(r.total.count), money(r.total.value, r.currency), money(r.total.weighted, r.currency)],
        ],
      ),
      r.calibration ? `Probabilities: ${r.calibration.stages.map((s) => `${s.stage} ${pct(s.probability)} (${s.source})`).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n'),

  forecast: (r) =>
    [
      header('Forecast by month', r),
      r.next
        ? r.next.warm_up
          ? `Next ${r.next.horizon_days} days: ${money(r.next.expected, r.currency)} at the recent run-rate (too little history for the model yet).`
          : `Next ${r.next.horizon_days} days: commit (P10) ${money(r.next.p10, r.currency)}, likely (P50) ${money(r.next.p50, r.currency)}, best case (P90) ${money(r.next.p90, r.currency)}; ` +
            `expected ${money(r.next.expected, r.currency)} = open deals ${money(r.next.open, r.currency)} + not yet created ${money(r.next.new_deals, r.currency)} (run-rate ${money(r.next.run_rate, r.currency)}).`
        : '',
      table(
        ['Month', 'Pipeline', 'Open deals', 'New deals', 'Weighted (CRM %)', 'Won', 'P10', 'P50', 'P90'],
        r.months.map((m) => [
          m.month,
          money(m.pipeline, r.currency),
          money(m.weighted, r.currency),
          m.new_deals === undefined ? '—' : money(m.new_deals, r.currency),
          money(m.weighted_crm, r.currency),
          money(m.won, r.currency),
          m.p10 === undefined ? '—' : money(m.p10, r.currency),
          m.p50 === undefined ? '—' : money(m.p50, r.currency),
          m.p90 === undefined ? '—' : money(m.p90, r.currency),
        ]),
      ),
      'Open deals: expected value won in the month from deals open now (time-bound win probabilities); P10–P90: range of what is still to be won in the month.',
      r.overdue?.count ? `Not included: ${plural(r.overdue.count, 'open deal', 'open deals')} (${money(r.overdue.value, r.currency)}) with an expected close date before ${r.months[0]?.month}.` : '',
      r.calibration
        ? `Probabilities: ${r.calibration.stages.map((s) => `${s.stage} ${pct(s.probability)} (${s.source}${s.source === 'history' ? `, n=${s.sample}` : ''})`).join(', ')}`
        : '',
    ]
      .filter(Boolean)
      .join('\n'),

  funnel: (r) =>
    [
      header('Funnel', r),
      r.cohort ? `Deals created ${r.cohort.from} … ${r.cohort.to}: ${num(r.cohort.deals)} (${num(r.cohort.won)} won, ${num(r.cohort.lost)} lost, ${num(r.cohort.open)} open)` : '',
      table(
        ['Stage', 'Reached', 'To next', 'Mean days', 'Median days'],
        r.stages.map((s) => {
          const t = r.time_in_stage?.find((x) => x.stage === s.stage);
          return [s.stage, num(s.reached), pct(s.conversion_to_next), num(t?.mean_days, 1), num(t?.median_days, 1)];
        }),
      ),
      `Cohort win rate: ${pct(r.win_rate)} of the deals created${r.cohort ? ` ${r.cohort.from} … ${r.cohort.to}` : ''} that have closed (young cohorts read low: their open deals are the ones still alive). ` +
        'Not the digest’s win rate, which counts the deals closed in a recent window, whenever they were created.',
    ]
      .filter(Boolean)
      .join('\n'),

  velocity: (r) =>
    [
      header(`Sales velocity by ${r.granularity}`, r),
      `Now: ${money(r.current.velocity, r.currency)}/day = ${num(r.current.open_deals)} open × ${pct(r.current.win_rate)} win rate${r.current.window_from ? ` (of deals closed since ${r.current.window_from})` : ''} × ${money(r.current.avg_won, r.currency)} avg won ÷ ${num(r.current.cycle_days, 1)} days` +
        (r.current.cycle_days_median != null ? ` (median cycle ${plural(r.current.cycle_days_median, 'day', 'days')})` : ''),
      r.current.won_value_per_day !== undefined ? `Actually won since ${r.current.window_from}: ${money(r.current.won_value_per_day, r.currency)}/day` : '',
      table(
        ['Period', 'Velocity/day', 'Open', 'Win rate', 'Avg won', 'Cycle days'],
        r.points.map((p) => [p.period, money(p.velocity, r.currency), num(p.open_deals), pct(p.win_rate), money(p.avg_won, r.currency), num(p.cycle_days, 1)]),
      ),
    ]
      .filter(Boolean)
      .join('\n'),

  reps: (r) =>
    [
      header(`Reps ${r.since} … ${r.until}`, r),
      r.activities_available ? '' : 'Activity data is not available for this CRM.',
      table(
        ['Rep', 'Calls', 'Emails', 'Meetings', 'Tasks', 'Open', 'Open value', 'Won', 'Last activity'],
        r.reps.map((p) => [
          p.owner,
          r.activities_available ? num(p.calls) : '–',
          r.activities_available ? num(p.emails) : '–',
          r.activities_available ? num(p.meetings) : '–',
          r.activities_available ? num(p.tasks) : '–',
          num(p.open_deals),
          money(p.open_value, r.currency),
          money(p.won_value, r.currency),
          p.hours_since_activity === null ? '–' : p.hours_since_activity < 48 ? `${num(p.hours_since_activity)}h ago` : `${num(p.hours_since_activity / 24)}d ago`,
        ]),
      ),
    ]
      .filter(Boolean)
      .join('\n'),

  deals: (r) =>
    [
      header(r.threshold === 0 ? 'Open deals' : `Stuck deals (≥ ${r.threshold ?? 2}× the stage's average time)`, r),
      `${num(r.total)} ${r.threshold === 0 ? 'open' : 'stuck'}${r.deals.length < r.total ? `, showing ${r.deals.length}` : ''}`,
      table(
        ['Deal', 'Amount', 'Stage', 'Owner', 'Days', 'Avg', 'Ratio', 'Close date'],
        r.deals.map((d) => [
          truncateWidth(d.name, 40),
          money(d.amount, r.currency) + (d.currency_original && d.currency_original !== r.currency ? ` (${money(d.amount_original, d.currency_original)})` : ''),
          d.stage,
          d.owner ?? '–',
          num(d.days_in_stage),
          num(d.stage_avg_days, 1),
          d.stuck_ratio === null ? '–' : `${d.stuck_ratio.toFixed(1)}×`,
          d.close_date ?? '–',
        ]),
      ),
    ].join('\n'),

  sources: (r) =>
    [
      header(`Deal sources${r.from ? ` (deals created since ${r.from})` : ''}`, r),
      table(
        ['Source', 'Deals', 'Value', 'Won', 'Lost', 'Win rate', 'Won value'],
        r.sources.map((s) => [s.source, num(s.count), money(s.value, r.currency), num(s.won), num(s.lost), pct(s.win_rate), money(s.won_value, r.currency)]),
      ),
    ].join('\n'),

  quality: (r) =>
    [
      header('Data quality of open deals', r),
      table(
        ['Check', 'Open deals'],
        [
          ['Open deals', num(r.open_deals)],
          ['Amount is 0', num(r.zero_amount)],
          ['Amount missing', num(r.missing_amount)],
          ['Close date missing', num(r.missing_close_date)],
          ['Close date passed', num(r.past_close_date)],
          ['No owner', num(r.no_owner)],
          ['Amount negative', num(r.negative_amount)],
          ['Amount far outside the rest', num(r.amount_outliers?.count)],
        ],
      ),
      table(
        ['Check (all deals)', 'Deals'],
        [
          ['Created before 2000', num(r.created_before_2000)],
          ['Created after the report date', num(r.created_in_future)],
          ['Closes before it was created', num(r.close_before_created)],
          ['Amount in a currency with no rate', num(r.unconverted?.deals ?? 0)],
        ],
      ),
      r.amount_outliers?.deals.length
        ? `Outliers (median ${money(r.amount_outliers.median, r.currency)}): ${r.amount_outliers.deals
            .slice(0, 5)
            .map((d) => `${isolateRtl(d.name)} ${money(d.amount, r.currency)} (z ${d.z})`)
            .join(', ')}`
        : '',
      r.currencies && r.currencies.length > 1 ? `Currencies: ${r.currencies.map((c) => `${c.currency} ${num(c.deals)}`).join(', ')} (amounts converted into ${r.currency})` : '',
      r.stage_name_mismatches?.length
        ? `Stage names that look mapped wrong: ${r.stage_name_mismatches.map((s) => `${s.stage} (${s.pipeline}) → ${s.canonical}, looks like ${s.looks_like}`).join('; ')}`
        : '',
      r.needs_review_stages.length
        ? `Stages to review in the stage map: ${r.needs_review_stages.map((s) => `${s.stage} (${s.pipeline})`).join(', ')}`
        : 'Stage map: nothing to review.',
    ].filter(Boolean).join('\n'),

  backtest: (r) =>
    [
      header(`Backtest: forecast of value won in the next ${r.horizon_days ?? 30} days, as made each week`, r),
      `Over ${r.warm_points ?? 0} warm weeks: WAPE ${pct(r.wape)}, bias ×${r.bias?.toFixed(2) ?? '—'} (Σ forecast ÷ Σ actual), P10–P90 hit rate ${pct(r.coverage)}; ` +
        `run-rate WAPE ${pct(r.wape_run_rate)}, CRM-probability WAPE ${pct(r.wape_crm)} (lower is better).`,
      table(
        ['Date', 'Forecast', 'Open', 'New', 'P10', 'P90', 'CRM %', 'Run-rate', 'Actual', 'Existing', ''],
        r.points.map((p) => [
          p.date,
          money(p.forecast, r.currency),
          money(p.forecast_open ?? p.forecast, r.currency),
          money(p.forecast_new ?? 0, r.currency),
          money(p.forecast_p10 ?? p.forecast, r.currency),
          money(p.forecast_p90 ?? p.forecast, r.currency),
          money(p.forecast_crm, r.currency),
          money(p.forecast_run_rate ?? 0, r.currency),
          money(p.actual, r.currency),
          money(p.actual_existing ?? p.actual, r.currency),
          p.warm_up ? 'warm-up' : '',
        ]),
      ),
      r.reliability?.length
        ? `Reliability (open deals, predicted vs observed ${r.horizon_days ?? 30}-day win rate): ${r.reliability
            .map((b) => `${pct(b.from)}–${pct(b.to)} ${pct(b.predicted)} vs ${pct(b.observed)} (n=${num(b.deals)})`)
            .join(', ')}`
        : '',
      'Warm-up weeks (too little history: run-rate) are left out of the headline figures. Actual = all value won in the window; Existing = the part from deals open on the date.',
    ]
      .filter(Boolean)
      .join('\n'),

  quota: (r) =>
    [
      header(`Quota ${r.period.label} (${r.period.start} – ${r.period.end})`, r),
      r.rows.length
        ? table(
            ['Target for', 'Target', 'Won', 'Attained', 'Pace', 'Expected now', 'End P10–P90', 'P(target)', 'Coverage', 'Pipeline gap', 'Set by'],
            r.rows.map((x) => [
              x.scope === 'team' ? 'Team' : `${isolateRtl(x.name)} (${x.scope === 'sales_team' ? `team of ${x.members ?? 0}` : x.scope})`,
              money(x.target, x.currency),
              money(x.won, x.currency),
              pct(x.attainment),
              x.pace === null ? '–' : `${pct(x.pace)} ${x.pace_basis === 'historical' ? 'hist' : 'lin'}`,
              money(x.expected_historical ?? x.expected_linear, x.currency),
              `${money(x.projected.p10, x.currency)}–${money(x.projected.p90, x.currency)}`,
              pct(x.probability),
              x.coverage === null ? '–' : `${x.coverage.toFixed(2)}×`,
              money(x.pipeline_gap, x.currency),
              x.source,
            ]),
          )
        : `No targets for ${r.period.label}: import some with "dealcast import-targets targets.csv" (see docs/metrics.md, "Quota").`,
      r.rows.length
        ? 'Pace = won ÷ expected by now (hist: the share of a period usually won by this point; lin: a straight line). End = won + the forecast range for the days left. Coverage = open pipeline ÷ still needed.'
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
  pacing: (r) => {
    const p = r.pacing;
    if (!p) return [header(`Pacing ${r.period.label} (${r.period.start} – ${r.period.end})`, r), `No target for this scope in ${r.period.label}: import some with "dealcast import-targets targets.csv" or set one with /dealcast targets.`].join('\n');
    const today = p.points.filter((x) => x.won !== null).at(-1);
    const end = p.band.at(-1);
    return [
      header(`Pacing ${p.scope === 'team' ? 'Team' : `${isolateRtl(p.name)} (${p.scope})`} · ${r.period.label} (${r.period.start} – ${r.period.end})`, r),
      `Target ${money(p.target, p.currency)} · won ${money(p.won, p.currency)} (${pct(p.attainment)}) · expected by now ${money(p.expected_historical ?? p.expected_linear, p.currency)} (${p.pace_basis}) · pace ${pct(p.pace)}`,
      `${plural(p.days_remaining, 'day', 'days')} left · end of period ${money(p.projected.p10, p.currency)}–${money(p.projected.p90, p.currency)} (P10–P90) · chance of target ${pct(p.probability)}`,
      today ? `Through ${today.date}: won ${money(today.won, p.currency)}, linear pace ${money(today.pace_linear, p.currency)}${today.pace_historical === null ? '' : `, historical pace ${money(today.pace_historical, p.currency)}`}` : '',
      end ? `Forecast band: ${p.band.map((b) => `${b.date} ${money(b.p10, p.currency)}–${money(b.p90, p.currency)}`).join(' · ')}` : '',
    ]
      .filter(Boolean)
      .join('\n');
  },
  commit: (r) =>
    [
      header(`Commit ${r.period.label} (${r.period.start} – ${r.period.end}), ${plural(r.days_remaining, 'day', 'days')} left`, r),
      table(
        ['Who', 'Won', 'Commit', 'Best case', 'Pipeline', 'Model P10–P50–P90', 'Commit vs model', 'Commit bias'],
        r.rows.map((x) => [
          x.name,
          money(x.won, x.currency),
          money(x.commit, x.currency),
          money(x.best_case, x.currency),
          money(x.pipeline, x.currency),
          `${money(x.model.p10, x.currency)}–${money(x.model.p50, x.currency)}–${money(x.model.p90, x.currency)}`,
          x.commit_vs_model === 'within' ? 'within range' : `${x.commit_vs_model} range`,
          x.bias.status === 'ok' ? (x.bias.ratio === null ? `never committed (${plural(x.bias.points, 'pt', 'pts')})` : `won ${pct(x.bias.ratio)} of commit (${plural(x.bias.points, 'pt', 'pts')})`) : `not enough history (${plural(x.bias.points, 'pt', 'pts')})`,
        ]),
      ),
      'Commit = won + open deals the rep put in Commit closing this period; Best case adds their Best case deals. Model = won + the forecast range for the days left. Bias = what each past period closed won, per unit of the commit (won so far + open Commit) the rep had at its weekly snapshots.',
    ].join('\n'),
};

export function formatReport<N extends ReportName>(name: N, report: ReportByName[N]): string {
  return (formatters[name] as (r: ReportByName[N]) => string)(report);
}

/** The quality checks that found something, as one line (import summaries), or null when none did. */
export function qualityHighlights(r: ReportByName['quality']): string | null {
  const parts: string[] = [];
  const add = (n: number | undefined, one: string, many: string) => {
    if (n) parts.push(plural(n, one, many));
  };
  const outside = `with an amount far outside the rest (median ${money(r.amount_outliers?.median, r.currency)})`;
  add(r.negative_amount, 'open deal with a negative amount', 'open deals with a negative amount');
  add(r.amount_outliers?.count, `open deal ${outside}`, `open deals ${outside}`);
  add(r.created_before_2000, 'deal created before 2000', 'deals created before 2000');
  add(r.created_in_future, 'deal created after today', 'deals created after today');
  add(r.close_before_created, 'deal that closes before it was created', 'deals that close before they were created');
  add(r.unconverted?.deals, `deal in a currency with no exchange rate to ${r.currency}`, `deals in a currency with no exchange rate to ${r.currency}`);
  add(r.stage_name_mismatches?.length, 'stage whose name looks like another stage than the one it is mapped to', 'stages whose names look like another stage than the one they are mapped to');
  return parts.length ? `Data quality: ${parts.join('; ')}. Details: dealcast report quality.` : null;
}
