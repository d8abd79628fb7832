/**
 * Text drawn the way real text renderers draw it: each glyph is rasterised once into a
 * coverage mask and then composited wherever it appears.
 *
 * Pen positions are quantised to 1/4 px on both axes (as Skia and Chromium do; error ≤ 1/8 px).
 * librsvg draws each glyph shape — (face, size in device pixels, rotation, glyph id) — once, at
 * SUPERSAMPLE× the device resolution with its pen on a whole supersample. Its anti-aliasing is
 * area coverage, and area adds up, so the device-pixel coverage of the glyph at sub-pixel
 * offset (qx/4, qy/4) is exactly the mean of a 4×4 block of supersamples, shifted by
 * (qx, qy) supersamples: each of the 16 variants is derived in JS (a box sum, microseconds)
 * on first use. librsvg only sees a shape new at its size; the data moving labels by
 * fractions of a pixel costs nothing.
 *
 * The shapes a render is missing are rasterised together in one sharp call per atlas page
 * (each outline — glyphShape, the outlines outlineSvgText draws — in its own cell, black on
 * transparent; coverage is the alpha channel, trimmed to the ink). Compositing is source-over
 * in 8 bits, as librsvg does it.
 */
import sharp from 'sharp';
import type { GlyphDraw } from './svg-text-split.js';
import { glyphShape } from './text-outline.js';

/**
 * Supersamples per device pixel on each axis, and so the sub-pixel positions per pixel: a pen
 * at x lands on whole pixel floor(round(4x) / 4) plus round(4x) mod 4 quarters.
 */
export const SUPERSAMPLE = 4;
const SS_SHIFT = 2; // log2(SUPERSAMPLE)
const SS_MASK = SUPERSAMPLE - 1;
const VARIANTS = SUPERSAMPLE * SUPERSAMPLE;

/** A glyph's coverage: `alpha` is width × height, placed at (pen + left, pen + top) in whole pixels (supersamples for a shape). */
export interface GlyphMask {
  left: number;
  top: number;
  width: number;
  height: number;
  alpha: Uint8Array;
}

/** One glyph shape at one size and rotation: its supersampled coverage and the variants derived so far. */
interface ShapeEntry {
  /** null: the glyph has no ink (a space). */
  shape: GlyphMask | null;
  /** Device-pixel masks by sub-pixel offset qy·4 + qx; undefined until first used. */
  variants: (GlyphMask | null | undefined)[];
  /** Bytes of mask data held: the supersampled mask plus every derived variant. */
  bytes: number;
}

/**
 * Default bound on cached mask bytes (supersampled shapes plus derived variants). Measured:
 * all seven charts at 2x over 40 varied reports each hold 203 shapes and 940 variants in
 * 1.1 MB, so 16 MB leaves room for other scales, fonts and sizes. When full, the oldest
 * shapes go first, with their variants.
 */
const DEFAULT_LIMIT_BYTES = 16 * 1024 * 1024;
/** Accounted per entry and per variant besides pixels (objects, key), so empty glyphs count too. */
const ENTRY_OVERHEAD = 64;

const cache = new Map<string, ShapeEntry>();
/** Atlas renders under way, by the shapes they are rasterising. */
const inFlight = new Map<string, Promise<Map<string, ShapeEntry>>>();
let limitBytes = DEFAULT_LIMIT_BYTES;
let cachedBytes = 0;
const stats = { atlasRenders: 0, glyphsRasterised: 0, hits: 0, derived: 0, misses: 0, evictions: 0 };

/**
 * Counters for tests and benchmarks: atlas renders and shapes rasterised; per glyph drawn, a
 * hit (cached variant), a derived variant, or a miss (shape rasterised); shapes evicted; and
 * the cache's size (shapes, variants, bytes) against its bound.
 */
export function glyphCacheStats(): typeof stats & { shapes: number; variants: number; bytes: number; limitBytes: number } {
  let variants = 0;
  for (const e of cache.values()) for (const v of e.variants) if (v !== undefined) variants++;
  return { ...stats, shapes: cache.size, variants, bytes: cachedBytes, limitBytes };
}

/** Empty the cache and reset the counters (tests). */
export function resetGlyphCache(): void {
  cache.clear();
  cachedBytes = 0;
  for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] = 0;
}

/** Change the bound on cached mask bytes; returns the previous bound. */
export function setGlyphCacheLimit(bytes: number): number {
  if (!(Number.isInteger(bytes) && bytes > 0)) throw new RangeError(`glyph cache limit must be a positive integer (bytes), got ${bytes}`);
  const previous = limitBytes;
  limitBytes = bytes;
  evict(0);
  return previous;
}

/** Drop the oldest shapes (with their variants) until `incoming` more bytes fit the bound. */
function evict(incoming: number): void {
  for (const [key, e] of cache) {
    if (cachedBytes + incoming <= limitBytes) break;
    cache.delete(key);
    cachedBytes -= e.bytes;
    stats.evictions++;
  }
}

function maskBytes(m: GlyphMask | null): number {
  return ENTRY_OVERHEAD + (m ? m.alpha.length : 0);
}

/** Where each glyph of a render lands: its mask (null: no ink) and whole-pixel pen position. */
export interface PlacedMasks {
  masks: (GlyphMask | null)[];
  px: Int32Array;
  py: Int32Array;
}

/** Pen coordinates (device pixels) past this are off any raster sharp can make. */
const FAR = 2 ** 28;

/** A pen coordinate in device pixels as (whole pixel, quarter 0–3): round to 1/4 px. */
function quantise(v: number): [number, number] {
  const n = Math.round(v * SUPERSAMPLE);
  const whole = Math.floor(n / SUPERSAMPLE);
  return [whole, n - whole * SUPERSAMPLE];
}

/**
 * Look up the mask of every glyph: a cached variant, else one derived from the cached shape,
 * else the shape is rasterised (all of a render's missing shapes in one atlas render).
 * Safe to run alongside the shapes' rasterisation.
 */
export async function glyphMasks(draws: GlyphDraw[]): Promise<PlacedMasks> {
  const n = draws.length;
  const px = new Int32Array(n);
  const py = new Int32Array(n);
  const variant = new Uint8Array(n);
  // Entries are taken at look-up: a later eviction (this render's or a concurrent one's) loses none.
  const entries: (ShapeEntry | undefined)[] = new Array(n);
  const keys: string[] = new Array(n);
  const missing = new Map<string, GlyphDraw>();
  for (let i = 0; i < n; i++) {
    const d = draws[i];
    // Far off any card (vega places what it is given): skipped, before Int32 positions wrap.
    if (!(Math.abs(d!.x) < FAR && Math.abs(d!.y) < FAR)) continue;
    const [ix, qx] = quantise(d!.x);
    const [iy, qy] = quantise(d!.y);
    px[i] = ix;
    py[i] = iy;
    variant[i] = qy * SUPERSAMPLE + qx;
    const key = `${d!.face}|${d!.unit}|${d!.angle}|${d!.id}`;
    const e = cache.get(key);
    entries[i] = e;
    keys[i] = key;
    if (e === undefined && !missing.has(key)) {
      stats.misses++;
      missing.set(key, d!);
    }
  }
  if (missing.size) {
    // Shapes a concurrent render is rasterising already are waited for, not drawn twice.
    const own = new Map<string, GlyphDraw>();
    const others = new Set<Promise<Map<string, ShapeEntry>>>();
    for (const [key, d] of missing) {
      const p = inFlight.get(key);
      if (p) others.add(p);
      else own.set(key, d);
    }
    let mine: Promise<Map<string, ShapeEntry>> | undefined;
    if (own.size) {
      mine = rasteriseAtlas(own);
      for (const key of own.keys()) inFlight.set(key, mine);
    }
    let found: Map<string, ShapeEntry>[];
    try {
      found = await Promise.all(mine ? [mine, ...others] : [...others]);
    } finally {
      if (mine) for (const key of own.keys()) if (inFlight.get(key) === mine) inFlight.delete(key);
    }
    for (let i = 0; i < n; i++) {
      if (entries[i] !== undefined || keys[i] === undefined) continue;
      for (const f of found) {
        entries[i] = f.get(keys[i]!);
        if (entries[i]) break;
      }
    }
    // The render that rasterised a shape caches it; a shape over the whole bound is used, not kept.
    if (mine) {
      for (const [key, e] of found[0]!) {
        if (cache.has(key) || e.bytes > limitBytes) continue;
        evict(e.bytes);
        cache.set(key, e);
        cachedBytes += e.bytes;
      }
    }
  }
  const masks: (GlyphMask | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    if (e === undefined) {
      masks[i] = null; // skipped above
      continue;
    }
    const v = variant[i];
    let m = e.variants[v!];
    if (m === undefined) {
      m = e.shape && boxMean(e.shape, v! & SS_MASK, v! >> SS_SHIFT);
      e.variants[v!] = m;
      const bytes = maskBytes(m);
      e.bytes += bytes;
      // Only a cached entry's growth counts against the bound (an evicted one is garbage soon).
      if (cache.get(keys[i]!) === e) {
        cachedBytes += bytes;
        evict(0);
      }
      stats.derived++;
    } else stats.hits++;
    masks[i] = m;
  }
  return { masks, px, py };
}

/**
 * The device-pixel mask of a glyph whose pen sits (qx, qy) supersamples past a whole pixel,
 * from its supersampled mask (pen at supersample 0, 0): device pixel (i, j) relative to the
 * pen's whole pixel covers supersamples 4i − qx … 4i − qx + 3 across and 4j − qy … down, and
 * its coverage is their mean, rounded: (sum + 8) >> 4.
 */
export function boxMean(shape: GlyphMask, qx: number, qy: number): GlyphMask | null {
  const { left: sl, top: st, width: sw, height: sh, alpha } = shape;
  // Supersample s belongs to device pixel (s + q) >> 2.
  const left = (sl + qx) >> SS_SHIFT;
  const top = (st + qy) >> SS_SHIFT;
  const width = ((sl + sw - 1 + qx) >> SS_SHIFT) - left + 1;
  const height = ((st + sh - 1 + qy) >> SS_SHIFT) - top + 1;
  const sums = new Uint16Array(width * height);
  // Offset of the mask's first supersample within its device pixel.
  const x0 = sl + qx - left * SUPERSAMPLE;
  const y0 = st + qy - top * SUPERSAMPLE;
  for (let y = 0; y < sh; y++) {
    const rowOut = ((y + y0) >> SS_SHIFT) * width;
    const rowIn = y * sw;
    for (let x = 0; x < sw; x++) {
      const a = alpha[rowIn + x];
      if (a) sums[rowOut + ((x + x0) >> SS_SHIFT)]! += a;
    }
  }
  const out = new Uint8Array(width * height);
  let any = false;
  for (let k = 0; k < out.length; k++) {
    const v = (sums[k]! + VARIANTS / 2) >> (2 * SS_SHIFT);
    out[k] = v;
    if (v) any = true;
  }
  return any ? { left, top, width, height, alpha: out } : null;
}

/** Margin around each cell's ink box, in supersamples: room for anti-aliasing. */
const PAD = 2;
/**
 * Atlas page size: at most 8 MB of RGBA per sharp call. A 13 px glyph at 2x takes a cell of
 * about 60×110 supersamples, so a page holds ~300, a chart's missing shapes; more, or huge
 * glyphs, spill onto further pages, rendered in parallel. A glyph larger than a page gets a
 * page of its own size.
 */
const ATLAS_WIDTH = 2048;
const ATLAS_HEIGHT = 1024;

interface Cell {
  key: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Where the pen is inside the cell, in whole supersamples. */
  ox: number;
  oy: number;
}

interface AtlasPage {
  cells: Cell[];
  paths: string;
  width: number;
  height: number;
}

/** Rasterise the missing shapes supersampled, together: one SVG and one sharp call per atlas page. */
async function rasteriseAtlas(missing: Map<string, GlyphDraw>): Promise<Map<string, ShapeEntry>> {
  const result = new Map<string, ShapeEntry>();
  const entry = (shape: GlyphMask | null): ShapeEntry => ({ shape, variants: new Array(VARIANTS), bytes: maskBytes(shape) });
  const pages: AtlasPage[] = [];
  let page: AtlasPage = { cells: [], paths: '', width: 0, height: 0 };
  let cx = 0;
  let cy = 0;
  let rowH = 0;
  for (const [key, d] of missing) {
    const shape = glyphShape(d.face, d.id);
    if (!shape) {
      result.set(key, entry(null));
      continue;
    }
    // The ink box in supersamples around the pen: outline units → scale, flip y, rotate.
    const unit = d.unit * SUPERSAMPLE;
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
      const x = unit * (u! * c + v! * s);
      const y = unit * (u! * s - v! * c);
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
    page.cells.push({ key, x: cx, y: cy, w, h, ox, oy });
    page.paths += `<path transform="translate(${cx + ox},${cy + oy})${d.angle ? ` rotate(${d.angle})` : ''} scale(${unit},${-unit})" d="${shape.d}"/>`;
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
      for (const cell of cells) result.set(cell.key, entry(trimCell(alpha, width, cell)));
    }),
  );
  return result;
}

function rotation(angle: number): [number, number] {
  if (angle === 0) return [1, 0];
  const q = angle / 90;
  if (Number.isInteger(q)) return ([[1, 0], [0, 1], [-1, 0], [0, -1]] as [number, number][])[((q % 4) + 4) % 4]!;
  const r = (angle * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r)];
}

/** A cell's coverage cut to its ink, positioned relative to the pen. */
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
    const d = draws[i]!;
    const left = placed.px[i]! + mask.left;
    const top = placed.py[i]! + mask.top;
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
        const a = opaque ? cov : Math.round(cov! * d!.alpha);
        if (a === 0) continue;
        const da = data[p + 3];
        if (da === 255) {
          const ia = 255 - a!;
          data[p] = div255(r * a! + data[p]! * ia);
          data[p + 1] = div255(g * a! + data[p + 1]! * ia);
          data[p + 2] = div255(b * a! + data[p + 2]! * ia);
        } else {
          // Over a translucent pixel (a chart without a background): the general form.
          const rest = (da! * (255 - a!)) / 255;
          const outA = a! + rest;
          data[p] = Math.round((r * a! + data[p]! * rest) / outA);
          data[p + 1] = Math.round((g * a! + data[p + 1]! * rest) / outA);
          data[p + 2] = Math.round((b * a! + data[p + 2]! * rest) / outA);
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
