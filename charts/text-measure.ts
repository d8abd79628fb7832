/**
 * Text widths for vega's layout. vega in Node has no canvas and guesses 0.8 em per character,
 * which is 20-40% too wide for Latin and too narrow for CJK; label limits, truncation and axis
 * sizes come from these widths, so vega is given the widths of the fonts that will draw the
 * text (charts/fonts.ts): each character goes to the first family in the fallback order that
 * has it (as fontconfig is told to do), and each run of one family is shaped by fontkit with
 * the font's default features (kerning, ligatures, contextual forms), as HarfBuzz does.
 *
 * These are estimates of what Pango will draw, not the drawing itself; test/charts/scripts.test.ts
 * holds them to Pango's own rendering for every script the charts support.
 */
import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import { CHART_FONTS, type ChartFont, fontFiles } from './fonts.js';

type Weight = 'regular' | 'bold';

const loaded = new Map<string, fontkit.Font>();

function fontOf(font: ChartFont, weight: Weight): fontkit.Font {
  const key = `${font.family}/${weight}`;
  let f = loaded.get(key);
  if (!f) {
    const created = fontkit.create(readFileSync(fontFiles(font)[weight]));
    if (!('glyphForCodePoint' in created)) throw new Error(`${font.pkg}: ${font[weight]} is a font collection, expected a single font`);
    f = created;
    loaded.set(key, f);
  }
  return f;
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
    i = CHART_FONTS.findIndex((font) => fontOf(font, 'regular').hasGlyphForCodePoint(codePoint));
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

/** Advance width of `text` at 1 px font size, shaped run by run. */
function unitWidth(text: string, weight: Weight): number {
  const key = `${weight}\u0000${text}`;
  let w = widths.get(key);
  if (w === undefined) {
    w = 0;
    for (const run of fontRuns(text)) {
      const font = fontOf(CHART_FONTS[run.family]!, weight);
      w += font.layout(run.text).advanceWidth / font.unitsPerEm;
    }
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
