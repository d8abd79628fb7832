/**
 * The shipped font, used twice by the renderer so that layout and drawing agree exactly:
 * 1. `measureText` — vega's text width measurement (vega in Node has no canvas and would
 *    otherwise guess 0.8 em per character, so label limits and axis sizes would be wrong);
 * 2. `outlineSvgText` — every <text> in vega's SVG becomes glyph outlines (<path>), so the
 *    rasteriser never looks for a font: the PNG is identical on a host with no fonts at all.
 *
 * Glyph positions are the font's advance widths (no kerning or ligatures); measurement uses
 * the very same positions, which is what keeps labels from clipping.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

const require = createRequire(import.meta.url);

/** Inter, Google Fonts' static TTFs as shipped on npm by Expo (SIL OFL 1.1). */
const FONT_FILES = {
  regular: '@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf',
  semibold: '@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf',
} as const;
type Face = keyof typeof FONT_FILES;

interface LoadedFace {
  font: fontkit.Font;
  unitsPerEm: number;
  /** glyph id → outline in font units (y up), numbers rounded to whole units. */
  outlines: Map<number, GlyphOutline>;
  /** line of text → its merged outline at x = 0, with its advance width (font units). */
  lines: Map<string, { d: string; advance: number }>;
  /** glyph id → advance width in font units. */
  advances: Map<number, number>;
  /** code point → glyph id (a cmap cache; fontkit's lookup is the slow part). */
  cmap: Map<number, number>;
}

const faces = new Map<Face, LoadedFace>();

export function fontFilePaths(): Record<Face, string> {
  return { regular: require.resolve(FONT_FILES.regular), semibold: require.resolve(FONT_FILES.semibold) };
}

function face(name: Face): LoadedFace {
  let f = faces.get(name);
  if (!f) {
    const loaded = fontkit.create(readFileSync(fontFilePaths()[name]));
    if (!('glyphForCodePoint' in loaded)) throw new Error(`${FONT_FILES[name]} is a font collection, expected a single font`);
    f = { font: loaded, unitsPerEm: loaded.unitsPerEm, outlines: new Map(), lines: new Map(), advances: new Map(), cmap: new Map() };
    faces.set(name, f);
  }
  return f;
}

/** Bold-ish weights (>= 600 or "bold") use the semibold face; everything else the regular one. */
export function faceFor(fontWeight: string | number | undefined | null): Face {
  if (fontWeight == null || fontWeight === '') return 'regular';
  if (fontWeight === 'bold' || fontWeight === 'bolder') return 'semibold';
  const n = Number(fontWeight);
  return Number.isFinite(n) && n >= 600 ? 'semibold' : 'regular';
}

function glyphId(f: LoadedFace, codePoint: number): number {
  let id = f.cmap.get(codePoint);
  if (id === undefined) {
    const g = f.font.glyphForCodePoint(codePoint);
    id = g.id;
    f.cmap.set(codePoint, id);
    if (!f.advances.has(id)) f.advances.set(id, g.advanceWidth);
  }
  return id;
}

/** Width of `text` in px at `fontSize`, laid out exactly as `outlineSvgText` draws it. */
export function measureText(text: string, fontSize: number, fontWeight?: string | number | null): number {
  if (!text || !(fontSize > 0)) return 0;
  const f = face(faceFor(fontWeight));
  let units = 0;
  for (const ch of text) units += f.advances.get(glyphId(f, ch.codePointAt(0)!))!;
  return (units * fontSize) / f.unitsPerEm;
}

/**
 * A glyph's outline in font units: its first point, and everything after it as relative path
 * commands. Relative numbers are short, and librsvg's cost here is mostly parsing path data,
 * so this renders about twice as fast as absolute coordinates. null for empty glyphs (space).
 */
type GlyphOutline = { x0: number; y0: number; rest: string } | null;

/**
 * Outlines are written in units of 4 font units (Inter: 512 a em): at 18 px and 2x that is
 * 0.07 px, invisible, and one digit shorter per number, which librsvg parses faster.
 */
const OUTLINE_UNIT = 4;

const RELATIVE: Record<string, string> = { moveTo: 'm', lineTo: 'l', quadraticCurveTo: 'q', bezierCurveTo: 'c' };

function glyphOutline(f: LoadedFace, id: number): GlyphOutline {
  let o = f.outlines.get(id);
  if (o === undefined) {
    const commands = f.font.getGlyph(id).path.commands;
    o = null;
    let cx = 0;
    let cy = 0;
    let sx = 0;
    let sy = 0;
    let rest = '';
    for (const c of commands) {
      if (c.command === 'closePath') {
        rest += 'z';
        cx = sx;
        cy = sy;
        continue;
      }
      const a = c.args.map((n) => Math.round(n / OUTLINE_UNIT));
      if (o === null) {
        o = { x0: a[0], y0: a[1], rest: '' };
        cx = sx = a[0];
        cy = sy = a[1];
        continue;
      }
      let seg = RELATIVE[c.command];
      for (let i = 0; i < a.length; i += 2) {
        const dx = a[i] - cx;
        const dy = a[i + 1] - cy;
        seg += `${i && dx >= 0 ? ' ' : ''}${dx}${dy >= 0 ? ' ' : ''}${dy}`;
      }
      rest += seg;
      cx = a[a.length - 2];
      cy = a[a.length - 1];
      if (c.command === 'moveTo') {
        sx = cx;
        sy = cy;
      }
    }
    if (o) o.rest = rest;
    f.outlines.set(id, o);
  }
  return o;
}

/** Bound on cached text lines per face: labels repeat across renders (stages, ticks, legends). */
const MAX_CACHED_LINES = 5000;

/** One path for a whole line of text, in font units from x = 0 on the baseline (y up). */
function lineOutline(f: LoadedFace, text: string): { d: string; advance: number } {
  let line = f.lines.get(text);
  if (line === undefined) {
    let d = '';
    let x = 0;
    for (const ch of text) {
      const id = glyphId(f, ch.codePointAt(0)!);
      const o = glyphOutline(f, id);
      if (o) d += `M${o.x0 + Math.round(x / OUTLINE_UNIT)} ${o.y0}${o.rest}`;
      x += f.advances.get(id)!;
    }
    line = { d, advance: x };
    if (f.lines.size >= MAX_CACHED_LINES) f.lines.clear();
    f.lines.set(text, line);
  }
  return line;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);|&#(\d+);|&#x([0-9a-f]+);/gi, (m, _n, dec, hex) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : (ENTITIES[m] ?? m),
  );
}

function attrValue(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(attrs);
  return m ? m[1] : undefined;
}

const KEEP_ATTRS = ['fill', 'fill-opacity', 'opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'clip-path'];
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Replace vega's <text> elements with outlined glyphs: each line of text becomes one <path>
 * (librsvg's cost is per element, so one path per line renders ~3x faster than a <use> per
 * glyph), inside a <g> carrying vega's own transform, fill and opacity.
 */
export function outlineSvgText(svg: string): string {
  return svg.replace(/<text([^>]*)>([\s\S]*?)<\/text>/g, (_m, attrs: string, content: string) => {
    // Labels vega hid to avoid overlap stay in the SVG with opacity 0: drop them, don't draw them.
    if (attrValue(attrs, 'opacity') === '0' || attrValue(attrs, 'fill-opacity') === '0') return '';
    const fontSize = parseFloat(attrValue(attrs, 'font-size') ?? '11') || 11;
    const faceName = faceFor(attrValue(attrs, 'font-weight'));
    const f = face(faceName);
    const anchor = attrValue(attrs, 'text-anchor') ?? 'start';
    const transform = attrValue(attrs, 'transform') ?? '';
    const scale = (fontSize / f.unitsPerEm) * OUTLINE_UNIT;
    // vega writes multi-line text as <tspan>s: the first at dy 0, the others with dy=lineHeight.
    const lines: { text: string; dy: number }[] = [];
    if (content.includes('<tspan')) {
      let dy = 0;
      for (const m of content.matchAll(/<tspan([^>]*)>([\s\S]*?)<\/tspan>/g)) {
        dy += parseFloat(attrValue(m[1], 'dy') ?? '0') || 0;
        lines.push({ text: unescapeXml(m[2]), dy });
      }
    } else {
      lines.push({ text: unescapeXml(content), dy: 0 });
    }
    let d = '';
    for (const line of lines) {
      if (!line.text.trim()) continue;
      const { d: path, advance } = lineOutline(f, line.text);
      const shift = anchor === 'middle' ? -advance / 2 : anchor === 'end' ? -advance : 0;
      d += `<path transform="translate(${round((shift * fontSize) / f.unitsPerEm)},${round(line.dy)}) scale(${scale},${-scale})" d="${path}"/>`;
    }
    const kept = KEEP_ATTRS.map((a) => {
      const v = attrValue(attrs, a);
      return v === undefined ? '' : ` ${a}="${v}"`;
    }).join('');
    return d ? `<g${transform ? ` transform="${transform}"` : ''}${kept}>${d}</g>` : '';
  });
}
