/**
 * The reps' own call beside the model, one row per rep (biggest commit first): the light band is
 * the model's P10–P90 for the period (won + the forecast range for the days left), the thin bar is
 * what is won, the dark tick is the rep's Commit and the hollow tick their Best case. The label
 * says each rep's historical commit bias (what past periods closed per unit of commit called).
 * The team's figures are the headline (its scale would flatten every rep's row). One currency.
 */
import type { CommitReport, CommitReportRow } from '../src/metrics/report-types.js';
import { type ChartOptions, TABLE, TABLE_DATA, type VegaLiteSpec, chartSpec, noDataSpec, param } from './frame.js';
import { COLORS, FONT_SIZE, MONEY_AXIS_FORMAT, MONEY_AXIS_LABEL_EXPR, ROW_STEP, UNSTACKED, formatMoney, formatPercent, truncateLabel } from './theme.js';

export const COMMIT_TITLE = 'Commit vs model';
export const MAX_COMMIT_ROWS = 10;

const SERIES = ['Model P10–P90', 'Won', 'Commit', 'Best case'];
const SERIES_COLORS = [COLORS.primaryLight, COLORS.won, COLORS.actual, COLORS.crm];

/** The rows the chart draws: reps (the team alone when there is no rep row). */
export function shownCommitRows(report: CommitReport): CommitReportRow[] {
  const rows = report.rows ?? [];
  const reps = rows.filter((r) => r.scope === 'rep' && (r.commit > 0 || r.best_case > 0 || r.model.p90 > 0));
  return (reps.length ? reps : rows.filter((r) => r.scope === 'team')).slice(0, MAX_COMMIT_ROWS);
}

/** "won 84% of commit" / "no history yet", for a row's bias. */
export function biasLabel(r: CommitReportRow): string {
  if (r.bias.status !== 'ok') return 'bias: not enough history';
  if (r.bias.ratio === null) return 'bias: never committed';
  return `closes ${formatPercent(r.bias.ratio)} of commit`;
}

export function commitChart(report: CommitReport, opts?: ChartOptions): VegaLiteSpec {
  const rows = shownCommitRows(report);
  const title = `${COMMIT_TITLE} · ${report.period?.label ?? ''}`.replace(/ · $/, '');
  if (rows.length === 0 || rows.every((r) => r.commit === 0 && r.best_case === 0 && r.model.p90 === 0)) return noDataSpec(report, title, opts);
  const values = rows.map((r) => ({
    name: truncateLabel(r.scope === 'team' ? 'Team' : r.name, 16),
    won: r.won,
    commit: r.commit,
    best_case: r.best_case,
    p10: r.model.p10,
    p90: r.model.p90,
    label_x: Math.max(r.model.p90, r.best_case, r.commit),
    label: biasLabel(r),
  }));
  const team = report.rows.find((r) => r.scope === 'team');
  const cur = report.currency;
  const headline = team
    ? [
        `Team commit ${formatMoney(team.commit, cur)}`,
        `model ${formatMoney(team.model.p10, cur)}–${formatMoney(team.model.p90, cur)}`,
        team.bias.status === 'ok' && team.bias.ratio !== null ? `past periods closed ${formatPercent(team.bias.ratio)} of commit` : '',
        `${report.days_remaining.toFixed(0)} days left`,
      ]
        .filter(Boolean)
        .join(' · ')
    : '';
  const xMax = Math.max(1, ...values.map((v) => v.label_x)) * 1.6;
  const x = {
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [0, param('xMax')], nice: false },
    axis: { format: MONEY_AXIS_FORMAT, labelExpr: MONEY_AXIS_LABEL_EXPR, tickCount: 4, grid: true },
  };
  const color = (series: string) => ({
    datum: series,
    type: 'nominal' as const,
    title: null,
    scale: { domain: SERIES, range: SERIES_COLORS },
    legend: { columns: 2, symbolType: 'square', symbolOpacity: 1 },
  });
  const y = { y: { field: 'name', type: 'nominal' as const, sort: null, title: null, axis: { labelLimit: 120 } } };
  return chartSpec(report, title, headline, opts, {
    datasets: { [TABLE]: values },
    params: { xMax },
    body: {
      height: { step: ROW_STEP },
      data: TABLE_DATA,
      layer: [
        { mark: { type: 'bar', height: 24 }, encoding: { ...y, x: { field: 'p10', ...x }, x2: { field: 'p90' }, color: color('Model P10–P90') } },
        { mark: { type: 'bar', height: 8 }, encoding: { ...y, x: { field: 'won', ...x, ...UNSTACKED }, color: color('Won') } },
        { mark: { type: 'tick', thickness: 3, size: 26, opacity: 1 }, encoding: { ...y, x: { field: 'commit', ...x }, color: color('Commit') } },
        { mark: { type: 'tick', thickness: 2, size: 18, opacity: 1 }, encoding: { ...y, x: { field: 'best_case', ...x }, color: color('Best case') } },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: FONT_SIZE.note, fontWeight: 600 },
          encoding: { ...y, x: { field: 'label_x', ...x }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
  });
}
