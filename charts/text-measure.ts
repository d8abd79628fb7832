/**
 * Text widths for vega's layout. vega in Node has no canvas and guesses 0.8 em per character,
 * which is 20-40% too wide for Latin and too narrow for CJK; label limits, truncation and axis
 * sizes come from these widths, so vega is given the widths of the fonts that will draw the
 * text (charts/fonts.ts): each character goes to the first family in the fallback order that
 * has it (as fontconfig is told to do), and each run of one family is shaped by HarfBuzz (the
 * shaper Pango draws with, here compiled to WebAssembly) with the font's default features
 * (kerning, ligatures, contextual forms).
 *
 * These are estimates of what Pango will draw, not the drawing itself; test/charts/scripts.test.ts
 * holds them to Pango's own rendering for every script the charts support.
 */
import { readFileSync } from 'node:fs';
import * as hb from 'harfbuzzjs';
import { CHART_FONTS, type ChartFont, fontFiles } from './fonts.js';

type Weight = 'regular' | 'bold';

interface LoadedFont {
  face: hb.Face;
  font: hb.Font;
}

const loaded = new Map<string, LoadedFont>();

function fontOf(font: ChartFont, weight: Weight): LoadedFont {
  const key = `${font.family}/${weight}`;
  let f = loaded.get(key);
  if (!f) {
    const face = new hb.Face(new hb.Blob(readFileSync(fontFiles(font)[weight])));
    if (!face.referenceTable('head')) throw new Error(`${font.pkg}: ${font[weight]} is not a font HarfBuzz can read`);
    // A new hb font is scaled to the face's units per em: advances come back in font units.
    f = { face, font: new hb.Font(face) };
    loaded.set(key, f);
  }
  return f;
}

/** The code points each family's regular face maps to a glyph (its cmap), by index into CHART_FONTS. */
const cmaps: Array<Set<number> | undefined> = [];

function cmapOf(index: number): Set<number> {
  let cmap = cmaps[index];
  if (!cmap) {
    cmap = new Set(fontOf(CHART_FONTS[index]!, 'regular').face.collectUnicodes());
    cmaps[index] = cmap;
  }
  return cmap;
}

/** Bold-ish weights (>= 600 or "bold") use each family's bold face. */
export function weightOf(fontWeight: string | number | undefined | null): Weight {
  if (fontWeight == null || fontWeight === '') return 'regular';
  if (fontWeight === 'bold' || fontWeight === 'bolder') return 'bold';
  const n = Number(fontWeight);
  return Number.isFinite(n) && n >= 600 ? 'bold' : 'regular';
}

/** code point → index in CHART_FONTS of the first family that has it, or -1. */
const coverage = new Map<number, number>();

/** Which family draws `codePoint` (index into CHART_FONTS), or -1 when none has it. */
export function familyIndexFor(codePoint: number): number {
  let i = coverage.get(codePoint);
  if (i === undefined) {
    i = CHART_FONTS.findIndex((_, index) => cmapOf(index).has(codePoint));
    coverage.set(codePoint, i);
  }
  return i;
}

/**
 * Characters that never choose a font of their own: they stay in the run of the character
 * before them (combining marks, joiners, variation selectors, emoji modifiers and tags).
 */
const CLINGS = /^(?:\p{M}|\u200c|\u200d|[\ufe00-\ufe0f]|[\u{1f3fb}-\u{1f3ff}]|[\u{e0020}-\u{e007f}])$/u;

/** The code points of `text` no chart font has (joiners and the like excepted). */
export function uncoveredCodePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (CLINGS.test(ch) || cp < 0x20) continue;
    if (familyIndexFor(cp) < 0) out.push(cp);
  }
  return out;
}

/** `text` cut into runs that one family draws. */
export function fontRuns(text: string): Array<{ family: number; text: string }> {
  const runs: Array<{ family: number; text: string }> = [];
  for (const ch of text) {
    const last = runs[runs.length - 1];
    let family = CLINGS.test(ch) && last ? last.family : familyIndexFor(ch.codePointAt(0)!);
    if (family < 0) family = 0; // drawn as a missing-glyph box by the primary font
    if (last && last.family === family) last.text += ch;
    else runs.push({ family, text: ch });
  }
  return runs;
}

const widths = new Map<string, number>();
const WIDTH_CACHE_MAX = 20_000;

/** One shaping buffer, emptied before each run (shaping is synchronous). */
let shapeBuffer: hb.Buffer | undefined;

/** Advance width of one run of one family, in ems: HarfBuzz guesses its script, direction and language. */
function runWidth(text: string, font: LoadedFont): number {
  shapeBuffer ??= new hb.Buffer();
  const buffer = shapeBuffer;
  buffer.reset();
  buffer.addText(text);
  buffer.guessSegmentProperties();
  hb.shape(font.font, buffer);
  let advance = 0;
  for (const p of buffer.getGlyphPositions()) advance += p.xAdvance;
  return advance / font.face.upem;
}

/** Advance width of `text` at 1 px font size, shaped run by run. */
function unitWidth(text: string, weight: Weight): number {
  const key = `${weight}\u0000${text}`;
  let w = widths.get(key);
  if (w === undefined) {
    w = 0;
    for (const run of fontRuns(text)) w += runWidth(run.text, fontOf(CHART_FONTS[run.family]!, weight));
    if (widths.size >= WIDTH_CACHE_MAX) widths.clear();
    widths.set(key, w);
  }
  return w;
}

/** Width of `text` in px at `fontSize` and `fontWeight`, in the chart fonts. */
export function measureText(text: string, fontSize: number, fontWeight?: string | number | null): number {
  if (!text || !(fontSize > 0)) return 0;
  return unitWidth(text, weightOf(fontWeight)) * fontSize;
}
