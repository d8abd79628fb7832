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
 * Ours and Chromium's renders alternate round by round, so both are measured under the same
 * load (the machine is shared); the load average is printed after each chart.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHART_NAMES, type ChartName, type VegaLiteSpec, buildChart } from '../charts/index.js';
import { rasterizeSvg, renderPng, renderSvg } from '../charts/render.js';
import { CHART_FONTS, fontFiles } from '../charts/fonts.js';
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
  const loads = [loadavg()[0]];

  // Each chart's first render in the process, before anything else runs (cold caches).
  const first = new Map<ChartName, number>();
  let n = 0; // one report variant per render, never repeated
  for (const name of CHART_NAMES) first.set(name, await time(() => renderOurs(name, n++)));

  // Then, chart by chart, round by round: our renders and Chromium's, one after the other, so
  // both see the same load (the machine is shared; a phase of ours followed by a phase of
  // Chromium's compares two different machines). The browser sits idle during ours.
  const browser = existsSync(CHROMIUM) ? await openChromium() : null;
  const rows: string[][] = [];
  const header = ['chart', 'ours first', 'ours median', 'ours p95'];
  if (browser) header.push('chromium new page', 'ratio', `≥${TARGET_RATIO}×`, 'cold (launch)', 'ratio', 'warm page', 'ratio');
  try {
    for (const name of CHART_NAMES) {
      for (let i = 0; i < 5; i++) await renderOurs(name, n++); // warm-up: JIT
      if (browser) {
        for (let i = 0; i < 2; i++) {
          await browser.renderInNewPage(specFor(name, n++));
          await browser.renderInWarmPage(specFor(name, n++));
        }
      }
      const ours: number[] = [];
      const newPage: number[] = [];
      const warmPage: number[] = [];
      const cold: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < oursPerRound; i++) {
          const report = variedReports(n++)[name];
          ours.push(await time(() => renderPng(buildChart(name, report as never))));
        }
        if (browser) {
          const spec = specFor(name, n++);
          newPage.push(await time(() => browser.renderInNewPage(spec)));
          warmPage.push(await time(() => browser.renderInWarmPage(spec)));
          if (r < coldRuns) cold.push(await time(() => browser.renderCold(spec)));
        }
      }
      loads.push(loadavg()[0]);
      const o = median(ours);
      const row = [name, fmtMs(first.get(name)!), fmtMs(o), fmtMs(p95(ours))];
      if (browser) {
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
    `ours: build the spec + render a 2x PNG from a new report each time; ${rounds * oursPerRound} renders per chart after 5 warm-up renders, ` +
      `in ${rounds} rounds interleaved with Chromium's; "first" is the chart's first render in this process (cold caches). Chromium renders new report variants too. ` +
      `1-min load average at the start and after each chart: ${loads.map((l) => (l ?? 0).toFixed(1)).join(', ')} (2 cores).\n`,
  );
  await printBreakdown(n);
  if (browser) {
    process.stdout.write(
      `chromium ${browser.version}: medians of ${rounds} renders (cold: ${coldRuns}); first launch took ${fmtMs(browser.launchMs)}.\n` +
        `  ratio = chromium time / ours; the ≥${TARGET_RATIO}× target is read against "new page".\n`,
    );
  } else {
    process.stdout.write(`chromium: not installed at ${CHROMIUM}; ratio not measured (apt-get install -y chromium to measure)\n`);
  }
}

/** Every `<text>` element of an SVG, with its `<tspan>` lines. */
const SVG_TEXT = /<text\b[^>]*>[\s\S]*?<\/text>/g;

/** Characters drawn by an SVG's text elements (entities decoded, tags left out). */
function drawnCharacters(svg: string): number {
  let n = 0;
  for (const [el] of svg.matchAll(SVG_TEXT)) {
    const content = el.replace(/<[^>]*>/g, '').replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, '.');
    n += [...content.replace(/\s/g, '')].length;
  }
  return n;
}

/**
 * Where our render's time goes, chart by chart, on new reports: the main thread (spec, pooled
 * View run, SVG), the PNG step (librsvg draws, libvips encodes), and the PNG step for the same
 * SVG with its text elements taken out, so the difference is what drawing the text costs.
 */
async function printBreakdown(start: number, renders = 30): Promise<void> {
  let n = start;
  const rows: string[][] = [['chart', 'spec + SVG', 'PNG step', 'PNG step without text', 'text', 'characters', 'per character']];
  for (const name of CHART_NAMES) {
    const main: number[] = [];
    const png: number[] = [];
    const noText: number[] = [];
    const chars: number[] = [];
    for (let i = 0; i < renders; i++) {
      const report = variedReports(n++)[name];
      let svg = '';
      main.push(
        await time(async () => {
          svg = await renderSvg(buildChart(name, report as never), { aria: false });
        }),
      );
      png.push(await time(() => rasterizeSvg(svg)));
      const bare = svg.replace(SVG_TEXT, '');
      noText.push(await time(() => rasterizeSvg(bare)));
      chars.push(drawnCharacters(svg));
    }
    const text = median(png) - median(noText);
    const c = median(chars);
    rows.push([name, fmtMs(median(main)), fmtMs(median(png)), fmtMs(median(noText)), fmtMs(text), String(Math.round(c)), c > 0 ? `${Math.round((text * 1000) / c)} µs` : '—']);
  }
  process.stdout.write('\nwhere ours goes (medians of 30 new reports per chart):\n');
  printTable(rows);
}

/** The page a browser-based renderer would use: local bundles, Inter via @font-face, canvas renderer. */
function writeRenderPage(dir: string): string {
  // The browser bundles sit next to each package's main entry (build/).
  const vegaJs = join(dirname(require.resolve('vega')), 'vega.min.js');
  const vlJs = join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js');
  const fonts = fontFiles(CHART_FONTS[0]!);
  const html = `<!doctype html><html><head><meta charset="utf-8">
<style>
@font-face { font-family: Inter; font-weight: 400; src: url(${pathToFileURL(fonts.regular).href}) format('truetype'); }
@font-face { font-family: Inter; font-weight: 600; src: url(${pathToFileURL(fonts.bold).href}) format('truetype'); }
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
