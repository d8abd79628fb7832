/**
 * The only chart renderer: Vega-Lite spec → Vega → headless View (renderer 'none') → SVG →
 * PNG drawn by sharp (libvips → librsvg → Pango/HarfBuzz/fontconfig).
 *
 * Text is drawn as text: the SVG keeps vega's <text> elements, and Pango shapes them (kerning,
 * ligatures, joining scripts, Indic and Thai clusters, right-to-left runs) with the fonts the
 * package installs from npm, falling back from Inter to the script fonts in charts/fonts.ts.
 * fontconfig is pointed at those fonts only (`useChartFonts`), so the PNG is the same on a
 * laptop, in CI and in a slim container with no fonts installed. vega's layout measures text
 * with the same fonts (charts/text-measure.ts).
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { useChartFonts } from './fonts.js';
import type { VegaLiteSpec } from './frame.js';
import { measureText } from './text-measure.js';

// fontconfig reads its configuration when the first text is drawn, not when sharp loads; this
// runs before any render.
useChartFonts();

// libvips keeps recent operations and their output images (up to 50 MB) in case the same
// operation on the same input comes again. Ours never does: every render rasterises a new SVG
// and encodes a new buffer, so the cache only holds images nobody asks for and costs
// ~0.3-0.5 ms a render in bookkeeping (measured with bench/charts.ts).
sharp.cache(false);

// vega in Node has no canvas and estimates 0.8 em per character; measure with the chart fonts
// instead. Clamping to the item's `limit` keeps vega's own truncation (a binary search over this
// function) exact while bounds of truncated labels never exceed the limit.
interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}
// vega exports textMetrics at run time; its type declarations omit it.
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: TextItem, text?: string) => number } };
textMetrics.width = (item, text) => {
  const s = text == null ? '' : String(text).trim();
  const w = measureText(s, item.fontSize != null ? Number(item.fontSize) || 0 : 11, item.fontWeight);
  return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
};

export interface RenderPngOptions {
  /** Pixel density multiplier; 2 (the default) keeps text crisp on phones and retina screens. */
  scale?: number;
}

/**
 * Built Views are pooled by the spec's shape (see `specShapeKey`): building one (Vega-Lite
 * compile, vega.parse, new View and its first run) costs 5–10 ms, while handing an idle View
 * of the same shape the next report's rows and params and rerunning it costs about 1 ms.
 * At most this many Views are kept; the least recently used shapes give theirs up first.
 */
export const VIEW_POOL_MAX = 32;

/**
 * A View waiting in the pool. A View that has drawn a report must run once with its datasets
 * empty before it takes the next (see `load`); that run is started when the View comes back,
 * on a later turn of the event loop (while the caller is, typically, waiting for sharp), so
 * the next render finds it done instead of paying for it.
 */
interface IdleView {
  view: vega.View;
  /** Settles when the View is empty and ready; rejects if emptying it failed. */
  emptied: Promise<void>;
  /** Set when the pool lets the View go: an emptying run not yet started is skipped. */
  evicted: boolean;
}

interface PooledShape {
  /** vega.parse output for the shape, so a second concurrent render of it skips compile + parse. */
  runtime: vega.Runtime;
  idle: IdleView[];
  busy: number;
  /** Which sizes autosize 'fit' computes, and the View's width and height before its first run. */
  fitX: boolean;
  fitY: boolean;
  fitWidth: number | undefined;
  fitHeight: number | undefined;
}

/** Map order is recency: the first entry is the least recently used shape. */
const shapes = new Map<string, PooledShape>();
let liveViews = 0;

/** How many shapes and Views the pool holds (for tests and diagnostics). */
export function viewPoolStats(): { shapes: number; views: number; idle: number } {
  let idle = 0;
  for (const shape of shapes.values()) idle += shape.idle.length;
  return { shapes: shapes.size, views: liveViews, idle };
}

interface VariableParam {
  name: string;
  value: unknown;
}

/**
 * Top-level params whose value can be set on a built View: plain variables. Selection and
 * bound params (and params defined by an expression) stay part of the shape, value and all.
 */
function liftedParams(spec: Record<string, unknown>): VariableParam[] {
  const params = spec.params;
  if (!Array.isArray(params)) return [];
  return params.filter(
    (p): p is VariableParam =>
      p !== null && typeof p === 'object' && typeof p.name === 'string' && Object.hasOwn(p, 'value') && !('select' in p) && !('bind' in p) && !('expr' in p),
  );
}

/** JSON with object keys sorted, so the same spec gives the same string whatever its key order. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The spec with the rows of its top-level datasets (and unless told otherwise the values of its variable params) taken out. */
function shapeOf(spec: VegaLiteSpec, keepParamValues = false): Record<string, unknown> {
  const s = spec as unknown as Record<string, unknown>;
  const lifted = new Set<unknown>(keepParamValues ? [] : liftedParams(s));
  const shape: Record<string, unknown> = { ...s };
  if (s.datasets && typeof s.datasets === 'object') {
    shape.datasets = Object.fromEntries(Object.keys(s.datasets).map((name) => [name, []]));
  }
  if (lifted.size) {
    shape.params = (s.params as unknown[]).map((p) => (lifted.has(p) ? { ...(p as VariableParam), value: null } : p));
  }
  return shape;
}

/**
 * The pool key of a spec: stable JSON of the spec without its dataset rows and param values.
 * Two reports of the same shape (same chart, same structural variant, same currency) give the
 * same key; anything else in the spec, inline `data.values` included, is part of the key.
 */
export function specShapeKey(spec: VegaLiteSpec): string {
  return stableJson(shapeOf(spec));
}

function newView(shape: PooledShape): vega.View {
  const view = new vega.View(shape.runtime, { renderer: 'none', logLevel: vega.Error });
  liveViews++;
  return view;
}

/** An idle View of this shape, or a new one (compiling the shape first when it is not pooled). */
function checkOut(key: string, spec: VegaLiteSpec): { shape: PooledShape; view: vega.View; emptied: Promise<void> | undefined } {
  let shape = shapes.get(key);
  if (shape) {
    shapes.delete(key);
  } else {
    // Compile a copy of the spec with its datasets empty (`load` puts the rows in, as it does
    // for every later report): vega keeps and tags the objects it is given, and they must
    // never be the caller's. Spec warnings are the builders' business and covered by tests;
    // at run time only errors matter, and they throw.
    const source = structuredClone(shapeOf(spec, true)) as unknown as VegaLiteSpec;
    const vgSpec = compile(source, { logger: vega.logger(vega.Error) }).spec;
    const autosize = typeof vgSpec.autosize === 'string' ? vgSpec.autosize : (vgSpec.autosize as { type?: string } | undefined)?.type;
    const fitX = autosize === 'fit' || autosize === 'fit-x';
    const fitY = autosize === 'fit' || autosize === 'fit-y';
    shape = { runtime: vega.parse(vgSpec), idle: [], busy: 0, fitX, fitY, fitWidth: undefined, fitHeight: undefined };
  }
  shapes.set(key, shape); // most recently used
  const idle = shape.idle.pop();
  let view = idle?.view;
  const emptied = idle?.emptied;
  if (!view) {
    view = newView(shape);
    if (shape.fitWidth === undefined) {
      shape.fitWidth = view.width();
      shape.fitHeight = view.height();
    }
  }
  shape.busy++;
  return { shape, view, emptied };
}

/** Give the View back to its shape's idle list and finalize least recently used Views over the cap. */
function checkIn(key: string, shape: PooledShape, view: vega.View | null, datasetNames: string[]): void {
  shape.busy--;
  if (view) shape.idle.push(emptyLater(view, datasetNames));
  for (const [k, s] of shapes) {
    if (liveViews <= VIEW_POOL_MAX) break;
    while (s.idle.length && liveViews > VIEW_POOL_MAX) {
      release(s.idle.shift()!);
      liveViews--;
    }
    if (!s.idle.length && !s.busy) shapes.delete(k);
  }
  if (!shape.idle.length && !shape.busy) shapes.delete(key);
}

/**
 * Queue the emptying run of a View that has drawn a report: on a later turn of the event loop,
 * so it never delays the render that just finished with the View.
 */
function emptyLater(view: vega.View, datasetNames: string[]): IdleView {
  const idle: IdleView = { view, emptied: Promise.resolve(), evicted: false };
  if (datasetNames.length) {
    idle.emptied = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      if (idle.evicted) return;
      for (const name of datasetNames) view.data(name, []);
      await view.runAsync();
    });
    // A failure surfaces when the View is checked out (and the View is then dropped).
    idle.emptied.catch(() => {});
  }
  return idle;
}

/** Finalize a View the pool lets go of, after any emptying run already under way. */
function release(idle: IdleView): void {
  idle.evicted = true;
  void idle.emptied.then(
    () => idle.view.finalize(),
    () => idle.view.finalize(),
  );
}

/**
 * Put this spec's rows and param values into the View, as if it had been built from the spec.
 *
 * A View that has run before has, by now, run once with every dataset empty (`emptyLater`,
 * started when it came back to the pool; renderSvg waits for it). Vega keeps the state it can reuse between runs:
 * aggregate cells, facet groups (one per bar stack) and ordinal domains keep the position of any
 * key the previous report also had, and new keys are appended, so without the empty run rows
 * would be drawn in an earlier report's order. Emptied, every such item exits, and the new rows
 * come in in their own order, as in a new View.
 */
async function load(view: vega.View, shape: PooledShape, spec: VegaLiteSpec): Promise<void> {
  const datasets = Object.entries((spec as { datasets?: Record<string, unknown[]> }).datasets ?? {});
  // Autosize 'fit' sizes the plot from the bounds of the last layout, starting from the size the
  // spec gives; start every run from there, as a new View would.
  if (shape.fitX && view.width() !== shape.fitWidth) view.width(shape.fitWidth!);
  if (shape.fitY && view.height() !== shape.fitHeight) view.height(shape.fitHeight!);
  for (const [name, rows] of datasets) {
    // Copies: vega tags ingested objects with tuple ids and writes derived fields onto them.
    view.data(name, rows.map((row) => (row !== null && typeof row === 'object' ? { ...row } : row)));
  }
  for (const p of liftedParams(spec as unknown as Record<string, unknown>)) view.signal(p.name, p.value);
}

/** Axis and legend parts (ticks, labels, grid lines, legend entries). */
const GUIDE_ROLE = /^(axis|legend)-/;

interface SceneMark {
  marktype?: string;
  role?: string;
  items?: Array<{ datum?: { index?: unknown }; items?: SceneMark[] }>;
}

/**
 * A rerun View keeps the guide items whose value it already had (vega joins ticks and labels
 * on their value) and appends new ones, so ticks 0, 100K, 200K followed by 0, 50K, 100K, 150K
 * come out as 0, 100K, 50K, 150K. The picture is the same but the SVG is not; sort them back
 * into the order a new View draws them (the guide's own `index`).
 */
function restoreGuideOrder(mark: SceneMark): void {
  const items = mark.items;
  if (!items?.length) return;
  if (mark.role && GUIDE_ROLE.test(mark.role) && items.every((it) => typeof it.datum?.index === 'number')) {
    const index = (it: (typeof items)[number]) => it.datum!.index as number;
    if (items.some((it, i) => i > 0 && index(items[i - 1]!) > index(it))) items.sort((a, b) => index(a) - index(b));
  }
  if (mark.marktype === 'group') for (const group of items) for (const child of group.items ?? []) restoreGuideOrder(child);
}

export interface RenderSvgOptions {
  /**
   * false leaves out the ARIA label and role of every mark item (Vega-Lite config `aria: false`).
   * They are for an SVG in a web page; a PNG has no use for them, and vega builds each label
   * from the item's fields (formatting every value), which costs about as much as the rest of
   * the View's run. The picture is the same.
   */
  aria?: boolean;
}

/**
 * Render a Vega-Lite spec headless to an SVG string (text kept as text, family Inter), on a
 * pooled View of its shape: the same SVG a new View of the spec draws.
 */
export async function renderSvg(spec: VegaLiteSpec, opts: RenderSvgOptions = {}): Promise<string> {
  if (opts.aria === false) spec = { ...spec, config: { ...spec.config, aria: false } } as VegaLiteSpec;
  const key = specShapeKey(spec);
  const out = checkOut(key, spec);
  const { shape } = out;
  let { view } = out;
  const datasetNames = Object.keys((spec as { datasets?: Record<string, unknown> }).datasets ?? {});
  // A View is never shared: each render has its own until it is checked back in.
  let reusable: vega.View | null = null;
  try {
    if (out.emptied) {
      // A View whose emptying run failed is not trusted with another report: build a new one.
      const ok = await out.emptied.then(
        () => true,
        () => false,
      );
      if (!ok) {
        view.finalize();
        liveViews--;
        view = newView(shape);
      }
    }
    await load(view, shape, spec);
    await view.runAsync();
    restoreGuideOrder((view.scenegraph() as unknown as { root: SceneMark }).root);
    const svg = await view.toSVG();
    reusable = view;
    return svg;
  } finally {
    if (!reusable) {
      view.finalize();
      liveViews--;
    }
    checkIn(key, shape, reusable, datasetNames);
  }
}

function checkScale(scale: number): void {
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`renderPng: scale must be in (0, 8], got ${scale}`);
}

// zlib level 2 without adaptive filtering encodes a chart in ~2-3 ms instead of ~5 ms at the
// default 6, for ~5% more bytes (~75 KB a chart).
const PNG_OPTIONS = { compressionLevel: 2, adaptiveFiltering: false } as const;

/**
 * The PNGs of the last few specs rendered, by scale and spec (stable JSON: key order does not
 * matter). The same report asked for twice — two people running one command, the digest and a
 * command on the same data — is drawn once; a render under way is shared, not started again.
 */
export const PNG_CACHE_MAX = 16;
const recentPngs = new Map<string, Promise<Buffer>>();

/** How many PNGs the cache holds (for tests and diagnostics). */
export function pngCacheSize(): number {
  return recentPngs.size;
}

/** Render a Vega-Lite spec to a PNG: vega's SVG, text and all, drawn by librsvg at `scale`. */
export async function renderPng(spec: VegaLiteSpec, opts: RenderPngOptions = {}): Promise<Buffer> {
  const scale = opts.scale ?? 2;
  checkScale(scale);
  const key = `${scale} ${stableJson(spec)}`;
  let png = recentPngs.get(key);
  if (png) {
    recentPngs.delete(key); // most recently used last
  } else {
    png = drawPng(spec, scale);
    const mine = png;
    // A failed render is not remembered.
    mine.catch(() => {
      if (recentPngs.get(key) === mine) recentPngs.delete(key);
    });
  }
  recentPngs.set(key, png);
  for (const oldest of recentPngs.keys()) {
    if (recentPngs.size <= PNG_CACHE_MAX) break;
    recentPngs.delete(oldest);
  }
  // A copy: the caller may write to its buffer; the cached one stays as drawn.
  return Buffer.from(await png);
}

async function drawPng(spec: VegaLiteSpec, scale: number): Promise<Buffer> {
  return rasterizeSvg(await renderSvg(spec, { aria: false }), scale);
}

/**
 * The PNG step alone: librsvg draws the SVG (text through Pango) at `scale` and libvips encodes
 * it with the PNG settings above. renderPng is renderSvg followed by this; the chart bench calls
 * it on its own to say where a render's time goes.
 */
export function rasterizeSvg(svg: string, scale = 2): Promise<Buffer> {
  checkScale(scale);
  // density 72 is 1 SVG px per pixel.
  return sharp(Buffer.from(svg), { density: 72 * scale }).png(PNG_OPTIONS).toBuffer();
}
