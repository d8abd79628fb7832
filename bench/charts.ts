/**
 * Chart rendering speed: build the spec and render it to a 2x PNG, for every chart, from
 * representative report objects (median and p95). Every render gets a different report
 * (variedReports: money, counts and dates move), as in production where the data changes
 * between two renders; the first render of each chart in the process is printed on its own.
 *
 * When a Chromium is installed at /usr/bin/chromium, the same specs are also rendered the way
 * a browser-based renderer would: a vega-embed-like page built from the local vega and
 * vega-lite bundles (canvas renderer, Inter loaded with @font-face), element screenshot to PNG
 * at deviceScaleFactor 2. Three ways, all printed:
 *   - new page: a browser already running, one new page per render (the target: ours ≥ 25×);
 *   - cold: launch the browser for each render (a renderer without a browser pool);
 *   - warm page: re-render inside one page that stays open (the best a browser pool can do).
 * Ours is measured first with no browser running, as in production; the load average is
 * printed for both phases (numbers from a busy machine are not comparable).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHART_NAMES, type ChartName, type VegaLiteSpec, buildChart } from '../charts/index.js';
import { renderPng } from '../charts/render.js';
import { fontFilePaths } from '../charts/text-outline.js';
import { variedReports } from './chart-reports.js';
import { fmtMs, percentile } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const TARGET_RATIO = 25;
const require = createRequire(import.meta.url);

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const p95 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 95);

export async function benchCharts(opts: { rounds?: number; oursPerRound?: number; coldRuns?: number } = {}): Promise<void> {
  const rounds = opts.rounds ?? 12;
  const oursPerRound = opts.oursPerRound ?? 5;
  const coldRuns = opts.coldRuns ?? 3;
  const specFor = (name: ChartName, i: number) => buildChart(name, variedReports(i)[name] as never);
  const renderOurs = (name: ChartName, i: number) => renderPng(specFor(name, i));
  const load = loadavg()[0];

  // Ours first, with no browser running (as in production: Chromium's background work would
  // otherwise share the 2 cores); then Chromium's three ways, chart by chart.
  const ours = new Map<ChartName, number[]>();
  const first = new Map<ChartName, number>();
  let n = 0; // one report variant per render, never repeated
  for (const name of CHART_NAMES) {
    first.set(name, await time(() => renderOurs(name, n++)));
    for (let i = 0; i < 5; i++) await renderOurs(name, n++); // warm-up: JIT
    const samples: number[] = [];
    for (let i = 0; i < rounds * oursPerRound; i++) {
      const report = variedReports(n++)[name];
      samples.push(await time(() => renderPng(buildChart(name, report as never))));
    }
    ours.set(name, samples);
  }
  const loadAfterOurs = loadavg()[0];

  const browser = existsSync(CHROMIUM) ? await openChromium() : null;
  const rows: string[][] = [];
  const header = ['chart', 'ours first', 'ours median', 'ours p95'];
  if (browser) header.push('chromium new page', 'ratio', `≥${TARGET_RATIO}×`, 'cold (launch)', 'ratio', 'warm page', 'ratio');
  try {
    for (const name of CHART_NAMES) {
      const o = median(ours.get(name)!);
      const row = [name, fmtMs(first.get(name)!), fmtMs(o), fmtMs(p95(ours.get(name)!))];
      if (browser) {
        const newPage: number[] = [];
        const warmPage: number[] = [];
        const cold: number[] = [];
        for (let i = 0; i < 2; i++) {
          await browser.renderInNewPage(specFor(name, n++));
          await browser.renderInWarmPage(specFor(name, n++));
        }
        for (let r = 0; r < rounds; r++) {
          const spec = specFor(name, n++);
          newPage.push(await time(() => browser.renderInNewPage(spec)));
          warmPage.push(await time(() => browser.renderInWarmPage(spec)));
          if (r < coldRuns) cold.push(await time(() => browser.renderCold(spec)));
        }
        const ratio = median(newPage) / o;
        row.push(
          fmtMs(median(newPage)),
          `${ratio.toFixed(1)}×`,
          ratio >= TARGET_RATIO ? 'yes' : 'NO',
          fmtMs(median(cold)),
          `${(median(cold) / o).toFixed(1)}×`,
          fmtMs(median(warmPage)),
          `${(median(warmPage) / o).toFixed(1)}×`,
        );
      }
      rows.push(row);
    }
  } finally {
    await browser?.close();
  }
  printTable([header, ...rows]);
  process.stdout.write(
    `ours: build the spec + render a 2x PNG from a new report each time; ${rounds * oursPerRound} renders per chart after 5 warm-up renders; ` +
      `"first" is the chart's first render in this process (cold caches). Chromium renders new report variants too. ` +
      `1-min load average: ${load!.toFixed(1)} before ours, ${loadAfterOurs!.toFixed(1)} after, ${loadavg()[0]!.toFixed(1)} after Chromium (2 cores).\n`,
  );
  if (browser) {
    process.stdout.write(
      `chromium ${browser.version}: medians of ${rounds} renders (cold: ${coldRuns}); first launch took ${fmtMs(browser.launchMs)}.\n` +
        `  ratio = chromium time / ours; the ≥${TARGET_RATIO}× target is read against "new page".\n`,
    );
  } else {
    process.stdout.write(`chromium: not installed at ${CHROMIUM}; ratio not measured (apt-get install -y chromium to measure)\n`);
  }
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

interface ChromiumRenderer {
  version: string;
  launchMs: number;
  renderInNewPage(spec: VegaLiteSpec): Promise<Buffer>;
  renderInWarmPage(spec: VegaLiteSpec): Promise<Buffer>;
  renderCold(spec: VegaLiteSpec): Promise<Buffer>;
  close(): Promise<void>;
}

async function openChromium(): Promise<ChromiumRenderer> {
  const { chromium } = await import('playwright-core');
  type Page = Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>['newPage']>>;
  const dir = mkdtempSync(join(tmpdir(), 'dealcast-chromium-'));
  const url = writeRenderPage(dir);
  const launch = () =>
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  const render = async (page: Page, spec: VegaLiteSpec) => {
    await page.evaluate((s) => (globalThis as unknown as { renderSpec: (s: unknown) => Promise<void> }).renderSpec(s), spec as unknown);
    return page.locator('#vis canvas').screenshot({ type: 'png' });
  };
  const t0 = performance.now();
  const browser = await launch();
  const launchMs = performance.now() - t0;
  const context = await browser.newContext({ deviceScaleFactor: 2 });
  const warm = await context.newPage();
  await warm.goto(url);
  return {
    version: browser.version(),
    launchMs,
    async renderInNewPage(spec) {
      const page = await context.newPage();
      try {
        await page.goto(url);
        return await render(page, spec);
      } finally {
        await page.close();
      }
    },
    renderInWarmPage: (spec) => render(warm, spec),
    async renderCold(spec) {
      const b = await launch();
      try {
        const page = await (await b.newContext({ deviceScaleFactor: 2 })).newPage();
        await page.goto(url);
        return await render(page, spec);
      } finally {
        await b.close();
      }
    },
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`);
}
