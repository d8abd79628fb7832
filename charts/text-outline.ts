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
export type Face = keyof typeof FONT_FILES;

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
type GlyphOutline = {
  x0: number;
  y0: number;
  rest: string;
  /** Bounding box of every point (on-curve and control) in outline units: it contains the ink. */
  box: [minX: number, minY: number, maxX: number, maxY: number];
} | null;

/**
 * Outlines are written in units of 4 font units (Inter: 512 a em): at 18 px and 2x that is
 * 0.07 px, invisible, and one digit shorter per number, which librsvg parses faster.
 */
export const OUTLINE_UNIT = 4;

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
    const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const c of commands) {
      if (c.command === 'closePath') {
        rest += 'z';
        cx = sx;
        cy = sy;
        continue;
      }
      const a = c.args.map((n) => Math.round(n / OUTLINE_UNIT));
      for (let i = 0; i < a.length; i += 2) {
        box[0] = Math.min(box[0], a[i]!);
        box[1] = Math.min(box[1], a[i + 1]!);
        box[2] = Math.max(box[2], a[i]!);
        box[3] = Math.max(box[3], a[i + 1]!);
      }
      if (o === null) {
        o = { x0: a[0]!, y0: a[1]!, rest: '', box };
        cx = sx = a[0]!;
        cy = sy = a[1]!;
        continue;
      }
      let seg = RELATIVE[c.command];
      for (let i = 0; i < a.length; i += 2) {
        const dx = a[i]! - cx;
        const dy = a[i + 1]! - cy;
        seg += `${i && dx >= 0 ? ' ' : ''}${dx}${dy >= 0 ? ' ' : ''}${dy}`;
      }
      rest += seg;
      cx = a[a.length - 2]!;
      cy = a[a.length - 1]!;
      if (c.command === 'moveTo') {
        sx = cx;
        sy = cy;
      }
    }
    if (o) o.rest = rest;
    f.outlines.set(id, o!);
  }
  return o!;
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

/** A glyph placed on a line: its id and its pen x in outline units (font units / OUTLINE_UNIT). */
export interface PlacedGlyph {
  id: number;
  x: number;
}

/**
 * The glyphs of one line exactly as `outlineSvgText` places them: pen positions are advance
 * widths (no kerning), rounded to outline units. Glyphs with no ink (spaces) are left out.
 * `advance` is the line's width in font units (what text-anchor shifts by).
 */
export function layoutLine(faceName: Face, text: string): { glyphs: PlacedGlyph[]; advance: number } {
  const f = face(faceName);
  const glyphs: PlacedGlyph[] = [];
  let x = 0;
  for (const ch of text) {
    const id = glyphId(f, ch.codePointAt(0)!);
    if (glyphOutline(f, id)) glyphs.push({ id, x: Math.round(x / OUTLINE_UNIT) });
    x += f.advances.get(id)!;
  }
  return { glyphs, advance: x };
}

/**
 * A glyph's outline as SVG path data in outline units (y up, origin on the pen), and the box
 * of its points; null for a glyph with no ink.
 */
export function glyphShape(faceName: Face, id: number): { d: string; box: [number, number, number, number] } | null {
  const o = glyphOutline(face(faceName), id);
  return o ? { d: `M${o.x0} ${o.y0}${o.rest}`, box: o.box } : null;
}

export function unitsPerEm(faceName: Face): number {
  return face(faceName).unitsPerEm;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);|&#(\d+);|&#x([0-9a-f]+);/gi, (m, _n, dec, hex) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : (ENTITIES[m] ?? m),
  );
}

/** One compiled pattern per attribute name (names come from our code: the map stays small). */
const ATTR_PATTERNS = new Map<string, RegExp>();

/** The value of attribute `name` in a tag's attribute string (as vega writes them: name="value"). */
export function attrValue(attrs: string, name: string): string | undefined {
  let re = ATTR_PATTERNS.get(name);
  if (!re) {
    re = new RegExp(`\\s${name}="([^"]*)"`);
    ATTR_PATTERNS.set(name, re);
  }
  const m = re.exec(attrs);
  return m ? m[1] : undefined;
}

/** What both text drawers read from a vega <text> element. */
export interface SvgTextElement {
  /** vega hides overlapping labels with opacity 0; they are not drawn. */
  hidden: boolean;
  fontSize: number;
  face: Face;
  anchor: string;
  /** The element's own transform attribute ('' when none). */
  transform: string;
  /** Lines with their baseline offset from the first (vega writes extra lines as <tspan dy>). */
  lines: { text: string; dy: number }[];
}

export function parseTextElement(attrs: string, content: string): SvgTextElement {
  const hidden = attrValue(attrs, 'opacity') === '0' || attrValue(attrs, 'fill-opacity') === '0';
  const fontSize = parseFloat(attrValue(attrs, 'font-size') ?? '11') || 11;
  const lines: { text: string; dy: number }[] = [];
  if (content.includes('<tspan')) {
    let dy = 0;
    for (const m of content.matchAll(/<tspan([^>]*)>([\s\S]*?)<\/tspan>/g)) {
      dy += parseFloat(attrValue(m[1]!, 'dy') ?? '0') || 0;
      lines.push({ text: unescapeXml(m[2]!), dy });
    }
  } else {
    lines.push({ text: unescapeXml(content), dy: 0 });
  }
  return {
    hidden,
    fontSize,
    face: faceFor(attrValue(attrs, 'font-weight')),
    anchor: attrValue(attrs, 'text-anchor') ?? 'start',
    transform: attrValue(attrs, 'transform') ?? '',
    lines,
  };
}

/**
 * Where a line starts relative to the text's origin, in px: the text-anchor shift by the line's
 * advance, rounded to 1/100 px as written into the outlined SVG.
 */
export function lineShift(el: SvgTextElement, advance: number): number {
  const shift = el.anchor === 'middle' ? -advance / 2 : el.anchor === 'end' ? -advance : 0;
  return round((shift * el.fontSize) / unitsPerEm(el.face));
}

/** Rounds a line's dy the way the outlined SVG writes it. */
export const lineDy = (dy: number) => round(dy);

const KEEP_ATTRS = ['fill', 'fill-opacity', 'opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'clip-path'];
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * One vega <text> element (its attribute string and content) as outlined glyphs: each line of
 * text becomes one <path> (librsvg's cost is per element, so one path per line renders ~3x
 * faster than a <use> per glyph), inside a <g> carrying vega's own transform, fill and
 * opacity. '' for a hidden or empty text.
 */
export function outlineTextElement(attrs: string, content: string): string {
  const el = parseTextElement(attrs, content);
  // Labels vega hid to avoid overlap stay in the SVG with opacity 0: drop them, don't draw them.
  if (el.hidden) return '';
  const f = face(el.face);
  const scale = (el.fontSize / f.unitsPerEm) * OUTLINE_UNIT;
  let d = '';
  for (const line of el.lines) {
    if (!line.text.trim()) continue;
    const { d: path, advance } = lineOutline(f, line.text);
    d += `<path transform="translate(${lineShift(el, advance)},${lineDy(line.dy)}) scale(${scale},${-scale})" d="${path}"/>`;
  }
  const kept = KEEP_ATTRS.map((a) => {
    const v = attrValue(attrs, a);
    return v === undefined ? '' : ` ${a}="${v}"`;
  }).join('');
  return d ? `<g${el.transform ? ` transform="${el.transform}"` : ''}${kept}>${d}</g>` : '';
}

/** Replace every vega <text> element with its outlined glyphs (see `outlineTextElement`). */
export function outlineSvgText(svg: string): string {
  return svg.replace(/<text([^>]*)>([\s\S]*?)<\/text>/g, (_m, attrs: string, content: string) => outlineTextElement(attrs, content));
}
