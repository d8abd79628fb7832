/**
 * The only chart renderer: Vega-Lite spec → Vega → headless View (renderer 'none') → SVG →
 * PNG with sharp.
 *
 * Fonts: text is never handed to the rasteriser. Vega's text widths are measured with the
 * shipped Inter TTF and, before rasterising, every <text> becomes Inter's glyph outlines
 * (text-outline.ts). librsvg therefore never asks fontconfig for a font, so the PNG is the
 * same on a laptop, in CI and in a slim container with no fonts installed — and label
 * truncation/axis sizing use exactly the widths that get drawn.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { VegaLiteSpec } from './frame.js';
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

/** Render a Vega-Lite spec to a PNG (text outlined with the shipped font). */
export async function renderPng(spec: VegaLiteSpec, opts: RenderPngOptions = {}): Promise<Buffer> {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`renderPng: scale must be in (0, 8], got ${scale}`);
  const svg = outlineSvgText(await renderSvg(spec));
  // density 72 is 1 SVG px per pixel. zlib level 2 without adaptive filtering encodes a chart
  // in ~3 ms instead of ~5 ms at the default 6, for ~5% more bytes (~75 KB a chart).
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png({ compressionLevel: 2, adaptiveFiltering: false })
    .toBuffer();
}
