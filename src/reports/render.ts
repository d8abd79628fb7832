/**
 * A report's chart as PNG bytes, for the CLI, the jobs and the slash commands alike: charts/
 * builds the spec, charts/render.ts rasterises it.
 */
import { buildChart, type ChartName, type ChartReports } from '../../charts/index.js';
import { renderPng } from '../../charts/render.js';

/** The chart for a report as PNG bytes (charts/ builds the spec, charts/render.ts rasterises it). */
export async function renderReportPng<N extends ChartName>(name: N, report: ChartReports[N]): Promise<Buffer> {
  return renderPng(buildChart(name, report));
}
