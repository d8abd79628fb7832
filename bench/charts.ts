/**
 * Chart rendering speed: build the spec and render it to a 2x PNG, for every chart, from
 * representative report objects (median and p95). When a Chromium is installed at
 * /usr/bin/chromium, the same specs are also rendered the way a browser-based renderer would
 * (a vega-embed-like page built from the local vega and vega-lite bundles, canvas renderer,
 * element screenshot to PNG at deviceScaleFactor 2, one new page per render in a browser that
 * is already running) and the ratio Chromium / ours is printed. Target: ≥ 25× for each chart.
 * A second Chromium figure, re-rendering in one page that stays open (the fastest way to use
 * a browser), is printed for context.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHART_NAMES, type ChartName, type VegaLiteSpec, buildChart } from '../charts/index.js';
import { renderPng } from '../charts/render.js';
import { fontFilePaths } from '../charts/text-outline.js';
import { sampleReports } from './chart-reports.js';
import { fmtMs, timeIt } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const TARGET_RATIO = 25;
const require = createRequire(import.meta.url);

export async function benchCharts(opts: { runs?: number; chromiumRuns?: number } = {}): Promise<void> {
  const runs = opts.runs ?? 60;
  const chromiumRuns = opts.chromiumRuns ?? 12;
  const reports = sampleReports();
  const specs = Object.fromEntries(CHART_NAMES.map((n) => [n, buildChart(n, reports[n] as never)])) as Record<ChartName, VegaLiteSpec>;

  const ours: Record<string, { median: number; p95: number }> = {};
  for (const name of CHART_NAMES) {
    for (let i = 0; i < 5; i++) await renderPng(buildChart(name, reports[name] as never)); // warm-up (JIT, glyph cache)
    const t = await timeIt(runs, () => renderPng(buildChart(name, reports[name] as never)));
    ours[name] = t;
  }

  const chromium = existsSync(CHROMIUM) ? await benchChromium(specs, chromiumRuns) : null;

  const header = [
    'chart',
    'ours median',
    'ours p95',
    ...(chromium ? ['chromium new page', 'ratio', `≥${TARGET_RATIO}×`, 'cold (launch)', 'ratio', 'warm page', 'ratio'] : []),
  ];
  const rows = CHART_NAMES.map((name) => {
    const o = ours[name];
    const row = [name, fmtMs(o.median), fmtMs(o.p95)];
    if (chromium) {
      const c = chromium.perPage[name];
      const ratio = c / o.median;
      const warm = chromium.warmPage[name];
      const cold = chromium.cold[name];
      row.push(
        fmtMs(c),
        `${ratio.toFixed(1)}×`,
        ratio >= TARGET_RATIO ? 'yes' : 'NO',
        fmtMs(cold),
        `${(cold / o.median).toFixed(1)}×`,
        fmtMs(warm),
        `${(warm / o.median).toFixed(1)}×`,
      );
    }
    return row;
  });
  printTable([header, ...rows]);
  process.stdout.write(`ours: build spec + render 2x PNG, ${runs} runs per chart after 5 warm-up renders\n`);
  if (chromium) {
    process.stdout.write(
      `chromium: ${chromium.version}; median of ${chromiumRuns} renders per chart, browser already running (launch took ${fmtMs(chromium.launchMs)}).\n` +
        `  ratio = chromium new-page render / ours (the target); "cold" launches the browser per render;\n` +
        `  "warm page" re-renders in one page that stays open (no page load), the most a browser pool could get.\n`,
    );
  } else {
    process.stdout.write(`chromium: not installed at ${CHROMIUM}; ratio not measured (apt-get install -y chromium to measure)\n`);
  }
}

interface ChromiumFigures {
  version: string;
  launchMs: number;
  /** Launch, one page, render, screenshot, close: what a renderer without a browser pool pays. */
  cold: Record<string, number>;
  perPage: Record<string, number>;
  warmPage: Record<string, number>;
}

/** The page a browser-based renderer would use: local bundles, Inter via @font-face, canvas renderer. */
function writeRenderPage(dir: string): string {
  // The browser bundles sit next to each package's main entry (build/).
  const vegaJs = join(dirname(require.resolve('vega')), 'vega.min.js');
  const vlJs = join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js');
  const fonts = fontFilePaths();
  const html = `<!doctype html><html><head><meta charset="utf-8">
<style>
@font-face { font-family: Inter; font-weight: 400; src: url(${pathToFileURL(fonts.regular).href}) format('truetype'); }
@font-face { font-family: Inter; font-weight: 600; src: url(${pathToFileURL(fonts.semibold).href}) format('truetype'); }
body { margin: 0; background: #fff; }
</style>
<script src="${pathToFileURL(vegaJs).href}"></script>
<script src="${pathToFileURL(vlJs).href}"></script>
</head><body><div id="vis"></div>
<script>
window.renderSpec = async (spec) => {
  await Promise.all([document.fonts.load('400 13px Inter'), document.fonts.load('600 13px Inter')]);
  const el = document.getElementById('vis');
  if (window.currentView) window.currentView.finalize();
  el.innerHTML = '';
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'canvas', container: el, hover: false });
  window.currentView = view;
  await view.runAsync();
};
</script></body></html>`;
  const file = join(dir, 'render.html');
  writeFileSync(file, html);
  return pathToFileURL(file).href;
}

async function benchChromium(specs: Record<ChartName, VegaLiteSpec>, runs: number): Promise<ChromiumFigures> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-chromium-'));
  const url = writeRenderPage(dir);
  const launch = () =>
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  const cold: Record<string, number> = {};
  for (const name of CHART_NAMES) {
    cold[name] = (
      await timeIt(Math.max(3, Math.round(runs / 3)), async () => {
        const b = await launch();
        try {
          const page = await (await b.newContext({ deviceScaleFactor: 2 })).newPage();
          await page.goto(url);
          await page.evaluate((s) => (globalThis as unknown as { renderSpec: (s: unknown) => Promise<void> }).renderSpec(s), specs[name] as unknown);
          await page.locator('#vis canvas').screenshot({ type: 'png' });
        } finally {
          await b.close();
        }
      })
    ).median;
  }
  const t0 = performance.now();
  const browser = await launch();
  const launchMs = performance.now() - t0;
  try {
    const context = await browser.newContext({ deviceScaleFactor: 2 });
    const perPage: Record<string, number> = {};
    const warmPage: Record<string, number> = {};
    const renderInNewPage = async (spec: VegaLiteSpec) => {
      const page = await context.newPage();
      await page.goto(url);
      await page.evaluate((s) => (globalThis as unknown as { renderSpec: (s: unknown) => Promise<void> }).renderSpec(s), spec as unknown);
      const png = await page.locator('#vis canvas').screenshot({ type: 'png' });
      await page.close();
      return png;
    };
    const warm = await context.newPage();
    await warm.goto(url);
    const renderInWarmPage = async (spec: VegaLiteSpec) => {
      await warm.evaluate((s) => (globalThis as unknown as { renderSpec: (s: unknown) => Promise<void> }).renderSpec(s), spec as unknown);
      return warm.locator('#vis canvas').screenshot({ type: 'png' });
    };
    for (const name of CHART_NAMES) {
      for (let i = 0; i < 2; i++) await renderInNewPage(specs[name]);
      perPage[name] = (await timeIt(runs, () => renderInNewPage(specs[name]))).median;
      for (let i = 0; i < 2; i++) await renderInWarmPage(specs[name]);
      warmPage[name] = (await timeIt(runs, () => renderInWarmPage(specs[name]))).median;
    }
    return { version: browser.version(), launchMs, cold, perPage, warmPage };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
}

