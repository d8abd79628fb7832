/**
 * Every script a rep, deal, stage or source name may be written in is drawn with real glyphs:
 * covered by a chart font, drawn by Pango with exactly that font, and measured for vega's
 * layout as Pango lays it out. A missing glyph (a "tofu" box) fails these tests three ways: the
 * code point is uncovered, the drawing differs from the fallback font's, and its width differs.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CHART_FONTS, FALLBACK_FAMILIES, PRIMARY_FAMILY, fontconfigXml, useChartFonts } from '../../charts/fonts.js';
import { buildChart } from '../../charts/index.js';
import { renderPng, renderSvg } from '../../charts/render.js';
import { familyIndexFor, measureText, uncoveredCodePoints } from '../../charts/text-measure.js';
import { chartReports } from './chart-fixtures.js';

/** One word per script (no spaces or digits, so one font draws all of it), and its font. */
const WORDS: Array<[script: string, word: string, family: string]> = [
  ['Japanese', '山田たろう', 'Noto Sans S Chinese'],
  ['Chinese', '张伟说这们', 'Noto Sans S Chinese'],
  ['Korean', '김민준', 'NanumGothic'],
  ['Arabic', 'محمد', 'Noto Sans Arabic'],
  ['Hebrew', 'שלום', 'Noto Sans Hebrew'],
  ['Thai', 'สมชาย', 'Noto Sans Thai'],
  ['Devanagari', 'अनन्या', 'Noto Sans Devanagari'],
  ['emoji', '🚀🎉👍🏽', 'Noto Emoji'],
  ['Greek', 'Ελένη', 'Inter'],
  ['Cyrillic', 'Алексей', 'Inter'],
];

/** Labels as they occur: scripts mixed with Latin, digits, punctuation and each other. */
const LABELS = [
  '山田太郎 (東京)',
  '张伟 · 北京 2026',
  '김민준 팀장',
  'محمد العتيبي',
  'Owner: محمد · Source: 展示会 🎪',
  'דוד כהן',
  'สมชาย ใจดี',
  'अनन्या शर्मा',
  'Zoë 🚀 Growth 👨‍👩‍👧',
  'Ελένη Παπαδοπούλου',
  'Алексей Смирнов',
  'Ünal Çelik ØYSTEIN',
];

const W = 400;
const SCALE = 4;

function textSvg(text: string, family: string, anchor: 'start' | 'end' = 'start', weight = 400): string {
  const x = anchor === 'start' ? 10 : W - 10;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><rect width="100%" height="100%" fill="#fff"/><text x="${x}" y="28" text-anchor="${anchor}" font-family="${family}" font-size="13" font-weight="${weight}" fill="#000">${escaped}</text></svg>`;
}

async function raster(svg: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * SCALE }).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Leftmost column (in SVG px) with ink, and how many pixels have ink. */
function ink(img: { data: Buffer; width: number; height: number }): { left: number; pixels: number } {
  let left = Infinity;
  let pixels = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x]! < 160) {
        pixels++;
        if (x < left) left = x;
      }
    }
  }
  return { left: left / SCALE, pixels };
}

/**
 * The width Pango gives `text` (its logical advance), read off the drawing: the same text
 * anchored at its start and at its end moves by exactly (box width − text width).
 */
async function pangoWidth(text: string, weight = 400): Promise<number> {
  const start = ink(await raster(textSvg(text, PRIMARY_FAMILY, 'start', weight))).left;
  const end = ink(await raster(textSvg(text, PRIMARY_FAMILY, 'end', weight))).left;
  return W - 20 - (end - start);
}

// Drawing goes through fontconfig configured by the renderer, as in production.
useChartFonts();

describe('chart fonts', () => {
  it('configures fontconfig with the shipped fonts only, in the fallback order', () => {
    const xml = fontconfigXml('/tmp/x');
    expect(xml).not.toMatch(/<include|\/usr\/share\/fonts|\/etc\/fonts/);
    expect(process.env.FONTCONFIG_FILE).toMatch(/dealcast-fonts-[0-9a-f]{16}\/fonts\.conf$/);
    const order = [...xml.matchAll(/<string>([^<]+)<\/string>/g)].map((m) => m[1]);
    expect(order).toEqual(FALLBACK_FAMILIES);
    expect(CHART_FONTS.map((f) => f.family)).toEqual([PRIMARY_FAMILY, ...FALLBACK_FAMILIES]);
  });

  it.each(WORDS)('covers %s (%s) with %s', (_script, word, family) => {
    expect(uncoveredCodePoints(word)).toEqual([]);
    for (const ch of word) {
      if (/[\u{1f3fb}-\u{1f3ff}]/u.test(ch)) continue; // a skin-tone modifier rides on its emoji
      expect(CHART_FONTS[familyIndexFor(ch.codePointAt(0)!)]!.family).toBe(family);
    }
  });

  it('covers every character of mixed-script labels', () => {
    for (const label of LABELS) expect(uncoveredCodePoints(label), label).toEqual([]);
  });

  it('reports a character no chart font has (so the checks above can fail)', () => {
    expect(uncoveredCodePoints('a𐎀b')).toEqual([0x10380]);
  });
});

describe('drawing every script with real glyphs', () => {
  it.each(WORDS)('draws %s exactly as its font %s… draws it alone', async (_script, word, family) => {
    const viaFallback = await raster(textSvg(word, PRIMARY_FAMILY));
    const alone = await raster(textSvg(word, family));
    expect(ink(viaFallback).pixels).toBeGreaterThan(200);
    expect(viaFallback.data.equals(alone.data)).toBe(true);
  });

  it.each(LABELS)('lays out %s as wide as vega measured it', async (label) => {
    for (const weight of [400, 600]) {
      const drawn = await pangoWidth(label, weight);
      const measured = measureText(label, 13, weight);
      // 1/4 px is the resolution of the reading; shaping differences stay within ~1%.
      expect(Math.abs(measured - drawn), `${label} @${weight}: measured ${measured}, drawn ${drawn}`).toBeLessThanOrEqual(Math.max(1, drawn * 0.012));
    }
  });

  it('would notice a missing glyph: a tofu box is not as wide as the measurement assumes', async () => {
    const tofu = '𐎀𐎁𐎂𐎃';
    const drawn = await pangoWidth(tofu);
    expect(Math.abs(measureText(tofu, 13) - drawn)).toBeGreaterThan(2);
  });

  it('keeps every label of an international chart covered, and renders it', async () => {
    const base = chartReports().reps;
    const reps = LABELS.slice(0, 10).map((owner, i) => ({ ...base.reps[0]!, owner, owner_id: `u${i}`, won_value: 100_000 * (10 - i) }));
    const spec = buildChart('reps', { ...base, reps, filters: { owner: 'محمد العتيبي', source: '展示会 🎪' } });
    const svg = await renderSvg(spec);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    expect(texts.length).toBeGreaterThan(30);
    for (const t of texts) expect(uncoveredCodePoints(t), t).toEqual([]);
    // The right-to-left and CJK names are on the card, not lost to truncation.
    expect(texts).toContain('محمد العتيبي');
    expect(texts).toContain('山田太郎 (東京)');
    const png = await renderPng(spec);
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(960);
  });
});
