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
  /** glyph id → SVG path data in font units (y up). */
  paths: Map<number, string>;
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
    f = { font: loaded, unitsPerEm: loaded.unitsPerEm, paths: new Map(), advances: new Map(), cmap: new Map() };
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

function glyphPath(f: LoadedFace, id: number): string {
  let d = f.paths.get(id);
  if (d === undefined) {
    d = f.font.getGlyph(id).path.toSVG();
    f.paths.set(id, d);
  }
  return d;
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
 * Replace vega's <text> elements with outlined glyphs. Each distinct glyph is defined once in
 * <defs> (font units) and placed with <use>; a text element becomes a <g> carrying vega's own
 * transform, the anchor shift and the font-unit scale.
 */
export function outlineSvgText(svg: string): string {
  const defs = new Map<string, string>();
  const body = svg.replace(/<text([^>]*)>([\s\S]*?)<\/text>/g, (_m, attrs: string, content: string) => {
    const fontSize = parseFloat(attrValue(attrs, 'font-size') ?? '11') || 11;
    const faceName = faceFor(attrValue(attrs, 'font-weight'));
    const f = face(faceName);
    const anchor = attrValue(attrs, 'text-anchor') ?? 'start';
    const transform = attrValue(attrs, 'transform') ?? '';
    const scale = fontSize / f.unitsPerEm;
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
    let uses = '';
    for (const line of lines) {
      const width = measureText(line.text, fontSize, attrValue(attrs, 'font-weight'));
      const shift = anchor === 'middle' ? -width / 2 : anchor === 'end' ? -width : 0;
      let x = 0;
      let glyphs = '';
      for (const ch of line.text) {
        const id = glyphId(f, ch.codePointAt(0)!);
        const key = `${faceName[0]}${id}`;
        if (!defs.has(key)) defs.set(key, glyphPath(f, id));
        if (!/^\s$/.test(ch)) glyphs += `<use xlink:href="#${key}" x="${x}"/>`;
        x += f.advances.get(id)!;
      }
      if (glyphs) uses += `<g transform="translate(${round(shift)},${round(line.dy)}) scale(${scale},${-scale})">${glyphs}</g>`;
    }
    const kept = KEEP_ATTRS.map((a) => {
      const v = attrValue(attrs, a);
      return v === undefined ? '' : ` ${a}="${v}"`;
    }).join('');
    return uses ? `<g${transform ? ` transform="${transform}"` : ''}${kept}>${uses}</g>` : '';
  });
  if (!defs.size) return body;
  const defsMarkup = `<defs>${[...defs].map(([k, d]) => `<path id="${k}" d="${d}"/>`).join('')}</defs>`;
  return body.replace(/(<svg[^>]*>)/, `$1${defsMarkup}`);
}
