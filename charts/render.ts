/**
 * The only chart renderer: Vega-Lite spec → Vega → headless View (renderer 'none') → SVG →
 * PNG: the shapes rasterised by sharp (librsvg), the text composited from glyph masks.
 *
 * Fonts: text is never handed to the rasteriser. Vega's text widths are measured with the
 * shipped Inter TTF (text-outline.ts); every glyph is drawn from a cached coverage mask of
 * that font's outline (glyph-raster.ts), at the positions the measurements assume; a text the
 * compositor cannot place exactly is turned into Inter's glyph outlines in the SVG instead
 * (svg-text-split.ts). librsvg therefore never asks fontconfig for a font, so the PNG is the
 * same on a laptop, in CI and in a slim container with no fonts installed — and label
 * truncation/axis sizing use exactly the widths that get drawn.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { VegaLiteSpec } from './frame.js';
import { compositeGlyphs, glyphMasks } from './glyph-raster.js';
import { splitSvgText } from './svg-text-split.js';
import { measureText, outlineSvgText } from './text-outline.js';

// vega in Node has no canvas and estimates 0.8 em per character; measure with the shipped font
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

/** Compile a Vega-Lite spec and render it headless to an SVG string (text kept as text, family Inter). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // Spec warnings (e.g. a dropped autosize mode) are the builders' business and covered by
  // tests; at run time only errors matter, and they throw.
  const vgSpec = compile(spec, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function checkScale(scale: number): void {
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`renderPng: scale must be in (0, 8], got ${scale}`);
}

// zlib level 2 without adaptive filtering encodes a chart in ~2-3 ms instead of ~5 ms at the
// default 6, for ~5% more bytes (~75 KB a chart).
const PNG_OPTIONS = { compressionLevel: 2, adaptiveFiltering: false } as const;

/**
 * Render a Vega-Lite spec to a PNG. The shapes go to librsvg (sharp) with the text taken out;
 * the text is composited from cached glyph masks of the shipped font (glyph-raster.ts), at
 * the very positions outlineSvgText would draw. Text that cannot be placed exactly stays in
 * the SVG as outlines. Either way no <text> reaches librsvg, so no system font is used.
 */
export async function renderPng(spec: VegaLiteSpec, opts: RenderPngOptions = {}): Promise<Buffer> {
  const scale = opts.scale ?? 2;
  checkScale(scale);
  const { svg, glyphs, opaque } = splitSvgText(await renderSvg(spec), scale);
  // density 72 is 1 SVG px per pixel. On an opaque card (vega's background rect) the alpha
  // channel is all 255: leaving it out makes compositing and the PNG encode ~1 ms cheaper.
  // The shapes and any missing glyph masks rasterise in parallel.
  const raster = sharp(Buffer.from(svg), { density: 72 * scale });
  const [shapes, placed] = await Promise.all([
    (opaque ? raster.removeAlpha() : raster.ensureAlpha()).raw().toBuffer({ resolveWithObject: true }),
    glyphMasks(glyphs),
  ]);
  const { width, height, channels } = shapes.info;
  if (channels !== (opaque ? 3 : 4)) throw new Error(`renderPng: unexpected ${channels}-channel raster`);
  compositeGlyphs({ data: shapes.data, width, height, channels }, glyphs, placed);
  return sharp(shapes.data, { raw: { width, height, channels } }).png(PNG_OPTIONS).toBuffer();
}

/**
 * The previous pipeline, kept as the reference the compositor is tested against: every text
 * outlined into the SVG and the whole SVG rasterised by librsvg.
 */
export async function renderPngReference(spec: VegaLiteSpec, opts: RenderPngOptions = {}): Promise<Buffer> {
  const scale = opts.scale ?? 2;
  checkScale(scale);
  const svg = outlineSvgText(await renderSvg(spec));
  return sharp(Buffer.from(svg), { density: 72 * scale }).png(PNG_OPTIONS).toBuffer();
}
