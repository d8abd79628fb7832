/**
 * Text drawn the way real text renderers draw it: each glyph is rasterised once into a
 * coverage mask and then composited wherever it appears.
 *
 * A mask is keyed by (face, size in device pixels, rotation, glyph id, sub-pixel origin
 * quantised to 1/16 px along the baseline and 1/4 px across it). The masks a render is
 * missing are rasterised together in one sharp call (per 2048×1024 atlas page): an atlas SVG
 * with each glyph outline (glyphShape: the outlines outlineSvgText draws) in its own cell,
 * black on transparent; coverage is the alpha channel, trimmed to the ink. Compositing is
 * source-over in 8 bits, as librsvg does it.
 * With a warm cache, text costs a few table look-ups and pixel blends per glyph instead of
 * librsvg re-tessellating every curve of every label on every render.
 */
import sharp from 'sharp';
import type { GlyphDraw } from './svg-text-split.js';
import { glyphShape } from './text-outline.js';

/**
 * Sub-pixel origins per device pixel. Along the baseline, pen positions are sums of advance
 * widths and anchor shifts, so any fraction occurs; at 1/4 px about 1% of a chart's pixels
 * (glyph edges) land more than 8 levels from the exact outlines, at 1/16 px under 0.1%, for
 * about twice the masks (a few thousand over hundreds of renders). Across the baseline vega's
 * positions are mostly whole pixels, and 1/4 px is what text renderers use.
 */
export const SUBPIXEL_ALONG = 16;
export const SUBPIXEL_ACROSS = 4;

/** A glyph's coverage: `alpha` is width × height, placed at (pen + left, pen + top) in whole pixels. */
interface GlyphMask {
  left: number;
  top: number;
  width: number;
  height: number;
  alpha: Uint8Array;
}

/** Default bound on cached masks (each ~0.5 KB at 2x: about 10 MB at the bound). */
const DEFAULT_LIMIT = 20_000;

const cache = new Map<string, GlyphMask | null>();
let limit = DEFAULT_LIMIT;
const stats = { atlasRenders: 0, glyphsRasterised: 0, hits: 0, misses: 0, clears: 0 };

/** Counters for tests and benchmarks: atlas renders, masks rasterised, look-ups, cache size. */
export function glyphCacheStats(): typeof stats & { size: number; limit: number } {
  return { ...stats, size: cache.size, limit };
}

/** Empty the cache and reset the counters (tests). */
export function resetGlyphCache(): void {
  cache.clear();
  for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] = 0;
}

/** Change the bound on cached masks; returns the previous bound. */
export function setGlyphCacheLimit(n: number): number {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`glyph cache limit must be a positive integer, got ${n}`);
  const previous = limit;
  limit = n;
  if (cache.size > limit) cache.clear();
  return previous;
}

/** Where each glyph of a render lands: its mask (null: no ink) and whole-pixel pen position. */
export interface PlacedMasks {
  masks: (GlyphMask | null)[];
  px: Int32Array;
  py: Int32Array;
}

interface Missing {
  key: string;
  draw: GlyphDraw;
  /** Sub-pixel origin in px, quantised. */
  fx: number;
  fy: number;
}

/**
 * Look up (and rasterise, in one atlas render, whatever is missing) the mask of every glyph.
 * Safe to run alongside the shapes' rasterisation.
 */
export async function glyphMasks(draws: GlyphDraw[]): Promise<PlacedMasks> {
  const n = draws.length;
  const keys: string[] = new Array(n);
  const px = new Int32Array(n);
  const py = new Int32Array(n);
  const missing = new Map<string, Missing>();
  // Masks are taken at look-up: a later clear (this render's or a concurrent one's) loses none.
  const masks: (GlyphMask | null | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const d = draws[i];
    // Vertical text (vega's -90° axis titles) runs along y.
    const sx = Math.abs(d.angle) % 180 === 90 ? SUBPIXEL_ACROSS : SUBPIXEL_ALONG;
    const sy = d.angle % 180 === 0 ? SUBPIXEL_ACROSS : SUBPIXEL_ALONG;
    let ix = Math.floor(d.x);
    let fx = Math.round((d.x - ix) * sx);
    if (fx === sx) {
      ix++;
      fx = 0;
    }
    let iy = Math.floor(d.y);
    let fy = Math.round((d.y - iy) * sy);
    if (fy === sy) {
      iy++;
      fy = 0;
    }
    fx /= sx;
    fy /= sy;
    px[i] = ix;
    py[i] = iy;
    const key = `${d.face}|${d.unit}|${d.angle}|${d.id}|${fx}|${fy}`;
    keys[i] = key;
    masks[i] = cache.get(key);
    if (masks[i] !== undefined) stats.hits++;
    else if (!missing.has(key)) {
      stats.misses++;
      missing.set(key, { key, draw: d, fx, fy });
    }
  }
  const fresh = missing.size ? await rasteriseAtlas([...missing.values()]) : new Map<string, GlyphMask | null>();
  if (fresh.size) {
    if (cache.size + fresh.size > limit) {
      cache.clear();
      stats.clears++;
    }
    for (const [k, v] of fresh) if (cache.size < limit) cache.set(k, v);
  }
  for (let i = 0; i < n; i++) if (masks[i] === undefined) masks[i] = fresh.get(keys[i]) ?? null;
  return { masks: masks as (GlyphMask | null)[], px, py };
}

/** Margin around each cell's ink box, in pixels: room for anti-aliasing and the sub-pixel shift. */
const PAD = 2;
/**
 * Atlas page size: at most 8 MB of RGBA per sharp call. A chart's glyphs at 2x take a few
 * rows of one page; huge scales or fonts spill onto more pages, rendered in parallel.
 */
const ATLAS_WIDTH = 2048;
const ATLAS_HEIGHT = 1024;

interface Cell {
  key: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Where the pen's whole pixel is inside the cell. */
  ox: number;
  oy: number;
}

interface AtlasPage {
  cells: Cell[];
  paths: string;
  width: number;
  height: number;
}

/** Rasterise the missing masks together: one SVG and one sharp call per atlas page. */
async function rasteriseAtlas(missing: Missing[]): Promise<Map<string, GlyphMask | null>> {
  const result = new Map<string, GlyphMask | null>();
  const pages: AtlasPage[] = [];
  let page: AtlasPage = { cells: [], paths: '', width: 0, height: 0 };
  let cx = 0;
  let cy = 0;
  let rowH = 0;
  for (const m of missing) {
    const d = m.draw;
    const shape = glyphShape(d.face, d.id);
    if (!shape) {
      result.set(m.key, null);
      continue;
    }
    // The ink box in device pixels around the pen: outline units → scale, flip y, rotate.
    const [c, s] = rotation(d.angle);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    const [bx0, by0, bx1, by1] = shape.box;
    for (const [u, v] of [
      [bx0, by0],
      [bx0, by1],
      [bx1, by0],
      [bx1, by1],
    ]) {
      const x = d.unit * (u * c + v * s);
      const y = d.unit * (u * s - v * c);
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const ox = PAD - Math.floor(minX);
    const oy = PAD - Math.floor(minY);
    const w = Math.ceil(maxX) + ox + PAD + 1;
    const h = Math.ceil(maxY) + oy + PAD + 1;
    if (cx + w > ATLAS_WIDTH && cx > 0) {
      cx = 0;
      cy += rowH;
      rowH = 0;
    }
    if (cy + h > ATLAS_HEIGHT && cy > 0) {
      pages.push(page);
      page = { cells: [], paths: '', width: 0, height: 0 };
      cx = cy = rowH = 0;
    }
    page.cells.push({ key: m.key, x: cx, y: cy, w, h, ox, oy });
    page.paths += `<path transform="translate(${cx + ox + m.fx},${cy + oy + m.fy})${d.angle ? ` rotate(${d.angle})` : ''} scale(${d.unit},${-d.unit})" d="${shape.d}"/>`;
    cx += w;
    rowH = Math.max(rowH, h);
    page.width = Math.max(page.width, cx);
    page.height = Math.max(page.height, cy + rowH);
  }
  if (page.cells.length) pages.push(page);
  await Promise.all(
    pages.map(async ({ cells, paths, width, height }) => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${paths}</svg>`;
      // Black on transparent: the alpha channel is the coverage.
      const alpha = await sharp(Buffer.from(svg), { density: 72 }).ensureAlpha().extractChannel(3).raw().toBuffer();
      stats.atlasRenders++;
      stats.glyphsRasterised += cells.length;
      for (const cell of cells) result.set(cell.key, trimCell(alpha, width, cell));
    }),
  );
  return result;
}

function rotation(angle: number): [number, number] {
  if (angle === 0) return [1, 0];
  const q = angle / 90;
  if (Number.isInteger(q)) return ([[1, 0], [0, 1], [-1, 0], [0, -1]] as [number, number][])[((q % 4) + 4) % 4];
  const r = (angle * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r)];
}

/** A cell's coverage cut to its ink, positioned relative to the pen's whole pixel. */
function trimCell(atlas: Buffer, atlasWidth: number, cell: Cell): GlyphMask | null {
  let x0 = cell.w;
  let y0 = cell.h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < cell.h; y++) {
    const row = (cell.y + y) * atlasWidth + cell.x;
    for (let x = 0; x < cell.w; x++) {
      if (atlas[row + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const alpha = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = (cell.y + y0 + y) * atlasWidth + cell.x + x0;
    alpha.set(atlas.subarray(from, from + width), y * width);
  }
  return { left: x0 - cell.ox, top: y0 - cell.oy, width, height, alpha };
}

/** Raw RGBA pixels, not premultiplied (what sharp's raw output gives). */
export interface RgbaImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Composite every glyph over `image` in place: out = colour·a + dst·(1 − a), a = coverage × alpha. */
export function compositeGlyphs(image: RgbaImage, draws: GlyphDraw[], placed: PlacedMasks): void {
  const { data, width, height } = image;
  for (let i = 0; i < draws.length; i++) {
    const mask = placed.masks[i];
    if (!mask) continue;
    const d = draws[i];
    const left = placed.px[i] + mask.left;
    const top = placed.py[i] + mask.top;
    const xStart = Math.max(0, -left);
    const xEnd = Math.min(mask.width, width - left);
    const yStart = Math.max(0, -top);
    const yEnd = Math.min(mask.height, height - top);
    const { r, g, b } = d;
    const opaque = d.alpha >= 1;
    for (let y = yStart; y < yEnd; y++) {
      let p = ((top + y) * width + left + xStart) * 4;
      let q = y * mask.width + xStart;
      for (let x = xStart; x < xEnd; x++, p += 4, q++) {
        const cov = mask.alpha[q];
        if (cov === 0) continue;
        const a = opaque ? cov : Math.round(cov * d.alpha);
        if (a === 0) continue;
        const da = data[p + 3];
        if (da === 255) {
          const ia = 255 - a;
          data[p] = div255(r * a + data[p] * ia);
          data[p + 1] = div255(g * a + data[p + 1] * ia);
          data[p + 2] = div255(b * a + data[p + 2] * ia);
        } else {
          // Over a translucent pixel (a chart without a background): the general form.
          const rest = (da * (255 - a)) / 255;
          const outA = a + rest;
          data[p] = Math.round((r * a + data[p] * rest) / outA);
          data[p + 1] = Math.round((g * a + data[p + 1] * rest) / outA);
          data[p + 2] = Math.round((b * a + data[p + 2] * rest) / outA);
          data[p + 3] = Math.round(outA);
        }
      }
    }
  }
}

/** Exact round(t / 255) for 0 ≤ t ≤ 255². */
function div255(t: number): number {
  t += 128;
  return (t + (t >> 8)) >> 8;
}
