/**
 * Splits vega's SVG into what librsvg draws well and what we draw faster ourselves:
 * - the shapes: the SVG with every <text> taken out, vega's accessibility/interaction
 *   attributes (class, role, aria-*, pointer-events) stripped, and elements that draw nothing
 *   (empty background/foreground paths, shapes with neither fill nor stroke, empty groups)
 *   dropped — librsvg's cost is per element and per byte parsed;
 * - the text: every glyph of every visible <text>, placed in device pixels with the same
 *   positions `outlineSvgText` uses (advance widths in outline units, text-anchor shift by the
 *   line's advance, tspan lines), to be composited from cached glyph masks (glyph-raster.ts).
 *
 * Anything this module cannot place exactly — a text under a clip-path, mask, filter, group
 * opacity or an unknown attribute, a transform other than translate/rotate, a fill it cannot
 * parse, a stroke — stays in the SVG in its place as glyph outlines (outlineTextElement), so
 * it is drawn exactly as before and no <text> ever reaches librsvg.
 */
import {
  OUTLINE_UNIT,
  type Face,
  attrValue,
  layoutLine,
  lineDy,
  lineShift,
  outlineTextElement,
  parseTextElement,
  unitsPerEm,
} from './text-outline.js';

/** One glyph to composite: its mask's identity and its pen position in device pixels. */
export interface GlyphDraw {
  face: Face;
  /** Device pixels per outline unit (font size × scale × OUTLINE_UNIT / unitsPerEm). */
  unit: number;
  /** Rotation in degrees (SVG sense: clockwise on screen), 0 for horizontal text. */
  angle: number;
  id: number;
  /** Pen position (glyph origin on the baseline) in device pixels. */
  x: number;
  y: number;
  /** Fill colour, 0-255 each. */
  r: number;
  g: number;
  b: number;
  /** opacity × fill-opacity × the colour's own alpha, 0-1. */
  alpha: number;
}

export interface SplitSvg {
  /** The SVG without <text> (or with the few that fell back outlined in place). */
  svg: string;
  glyphs: GlyphDraw[];
  /** Texts drawn as outlines in the SVG because they could not be placed exactly. */
  fallbacks: number;
}

/** An affine transform [a, b, c, d, e, f]: x' = a·x + c·y + e, y' = b·x + d·y + f. */
type Matrix = [number, number, number, number, number, number];

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

/** cos/sin of an angle in degrees, exact for multiples of 90 (vega's -90° axis titles). */
function cosSin(deg: number): [number, number] {
  const q = deg / 90;
  if (Number.isInteger(q)) {
    const k = ((q % 4) + 4) % 4;
    return ([[1, 0], [0, 1], [-1, 0], [0, -1]] as [number, number][])[k]!;
  }
  const r = (deg * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r)];
}

const TRANSFORM_STEP = /\s*(translate|rotate)\s*\(([^)]*)\)\s*,?/y;

/** An SVG transform list of translate() and rotate() only, as a matrix; null for anything else. */
export function parseTransform(s: string): Matrix | null {
  let m: Matrix = [1, 0, 0, 1, 0, 0];
  TRANSFORM_STEP.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    if (!s.slice(pos).trim()) break;
    TRANSFORM_STEP.lastIndex = pos;
    const step = TRANSFORM_STEP.exec(s);
    if (!step) return null;
    pos = TRANSFORM_STEP.lastIndex;
    const args = step[2]!.trim().split(/[\s,]+/).map(Number);
    if (args.some((n) => !Number.isFinite(n))) return null;
    if (step[1] === 'translate') {
      if (args.length < 1 || args.length > 2) return null;
      m = multiply(m, [1, 0, 0, 1, args[0]!, args[1] ?? 0]);
    } else {
      if (args.length !== 1 && args.length !== 3) return null;
      const [cx, cy] = args.length === 3 ? [args[1], args[2]] : [0, 0];
      const [c, sn] = cosSin(args[0]!);
      m = multiply(m, [1, 0, 0, 1, cx!, cy!]);
      m = multiply(m, [c, sn, -sn, c, 0, 0]);
      m = multiply(m, [1, 0, 0, 1, -cx!, -cy!]);
    }
  }
  return m;
}

const NAMED_COLORS: Record<string, [number, number, number]> = { black: [0, 0, 0], white: [255, 255, 255] };

/** A fill as [r, g, b, alpha 0-1]; null when it is not a plain colour we know (gradients, names). */
export function parseColor(s: string): [number, number, number, number] | null {
  const v = s.trim().toLowerCase();
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(v);
  if (m) {
    const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1];
    return [parseInt(h!.slice(0, 2), 16), parseInt(h!.slice(2, 4), 16), parseInt(h!.slice(4, 6), 16), 1];
  }
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(v);
  if (m) {
    const [r, g, b] = [m[1], m[2], m[3]].map(Number);
    const a = m[4] === undefined ? 1 : Number(m[4]);
    if ([r, g, b].every((n) => Number.isInteger(n) && n! <= 255) && a >= 0 && a <= 1) return [r!, g!, b!, a];
    return null;
  }
  const named = NAMED_COLORS[v];
  return named ? [...named, 1] : null;
}

function parseOpacity(s: string | undefined): number | null {
  if (s === undefined) return 1;
  const n = Number(s);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : null;
}

/** Attributes vega writes for screen readers and pointer events: they draw nothing. */
const INERT_ATTR = /\s(?:class|role|aria-[a-z-]+|pointer-events)="[^"]*"/g;

/** Group attributes that do not change how a text inside is drawn (beyond what we track). */
const NEUTRAL_GROUP_ATTRS = new Set([
  'transform',
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-miterlimit',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-dasharray',
  'stroke-dashoffset',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant',
  'text-anchor',
]);

/** Text attributes we reproduce exactly; any other sends the text to the outline fallback. */
const TEXT_ATTRS = new Set(['transform', 'fill', 'fill-opacity', 'opacity', 'text-anchor', 'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant']);

/** Shapes that vanish when they have neither fill nor stroke. */
const SHAPES = new Set(['path', 'line', 'rect', 'circle', 'ellipse', 'polyline', 'polygon']);

interface Frame {
  tag: string;
  /** Device transform of this element's user space; null when it is not translate/rotate. */
  matrix: Matrix | null;
  fill: string;
  fillOpacity: string | undefined;
  stroke: string;
  /** Text inside can be composited exactly (no clip, mask, filter, group opacity, …). */
  exact: boolean;
  /** Inside <defs>, <clipPath> and the like: geometry there is referenced, never pruned. */
  inDefs: boolean;
  /** Length of the output when this element opened: nothing written since means it is empty. */
  mark: number;
}

function attrNames(attrs: string): string[] {
  return [...attrs.matchAll(/\s([^\s=]+)="/g)].map((m) => m[1]!);
}

/** vega quotes every attribute with "; anything else (name='v', name = "v") is not read here. */
function unusualQuoting(attrs: string): boolean {
  return /'|\s=|=\s/.test(attrs.replace(/"[^"]*"/g, '""'));
}

const DEFS_TAGS = new Set(['defs', 'clipPath', 'mask', 'pattern', 'marker', 'symbol', 'linearGradient', 'radialGradient', 'filter']);

/**
 * Split vega's SVG for rendering at `scale` device pixels per SVG pixel (see the module
 * comment). Hidden labels (opacity 0) are dropped, as `outlineSvgText` does.
 */
export function splitSvgText(svg: string, scale: number): SplitSvg {
  const out: string[] = [];
  const glyphs: GlyphDraw[] = [];
  let fallbacks = 0;
  // The initial values of the properties we track: SVG's default fill is black.
  const stack: Frame[] = [
    { tag: '', matrix: [scale, 0, 0, scale, 0, 0], fill: 'black', fillOpacity: undefined, stroke: 'none', exact: true, inDefs: false, mark: 0 },
  ];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)([^>]*?)(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    if (m.index > last) out.push(svg.slice(last, m.index));
    last = tag.lastIndex;
    const [whole, closing, name, attrs, selfClosing] = m;
    const top = stack[stack.length - 1];

    if (closing) {
      if (stack.length > 1 && top!.tag === name) {
        stack.pop();
        // An element with nothing written inside it, e.g. a group whose only child was text.
        if (name === 'g' && out.length === top!.mark + 1) {
          out.pop();
          continue;
        }
      }
      out.push(whole);
      continue;
    }

    if (name === 'text' && !selfClosing) {
      const end = svg.indexOf('</text>', last);
      if (end < 0) {
        out.push(svg.slice(m.index));
        last = svg.length;
        break;
      }
      const content = svg.slice(last, end);
      last = end + '</text>'.length;
      tag.lastIndex = last;
      const placed = placeText(attrs!, content, top!);
      if (placed === null) {
        fallbacks++;
        out.push(outlineTextElement(attrs!, content));
      } else {
        for (const g of placed) glyphs.push(g);
      }
      continue;
    }

    if (selfClosing) {
      if (!top!.inDefs && SHAPES.has(name!) && drawsNothing(attrs!, top!)) continue;
      if (name === 'g' || name === 'text') continue; // empty: draws nothing
      out.push(top!.inDefs ? whole : whole.replace(INERT_ATTR, ''));
      continue;
    }

    const frame: Frame = { ...top!, tag: name!, mark: out.length };
    if (name === 'g' || (name === 'svg' && stack.length === 1)) {
      if (unusualQuoting(attrs!)) frame.exact = false;
      for (const a of attrNames(attrs!)) {
        if (INERT_ATTR_NAME.test(a) || NEUTRAL_GROUP_ATTRS.has(a) || (name === 'svg' && ROOT_ATTRS.has(a))) continue;
        if (a === 'opacity' && attrValue(attrs!, a) === '1') continue;
        frame.exact = false;
      }
      if (name === 'svg') {
        const w = attrValue(attrs!, 'width');
        const h = attrValue(attrs!, 'height');
        const viewBox = attrValue(attrs!, 'viewBox');
        if (viewBox !== undefined && viewBox.trim().split(/[\s,]+/).map(Number).join(' ') !== `0 0 ${Number(w)} ${Number(h)}`) frame.exact = false;
      }
      const t = attrValue(attrs!, 'transform');
      if (t !== undefined) {
        const local = parseTransform(t);
        frame.matrix = local && top!.matrix ? multiply(top!.matrix, local) : null;
      }
      frame.fill = attrValue(attrs!, 'fill') ?? top!.fill;
      frame.fillOpacity = attrValue(attrs!, 'fill-opacity') ?? top!.fillOpacity;
      frame.stroke = attrValue(attrs!, 'stroke') ?? top!.stroke;
    } else {
      frame.exact = false;
      if (DEFS_TAGS.has(name!)) frame.inDefs = true;
    }
    stack.push(frame);
    out.push(frame.inDefs ? whole : whole.replace(INERT_ATTR, ''));
  }
  if (last < svg.length) out.push(svg.slice(last));
  return { svg: out.join(''), glyphs, fallbacks };
}

const INERT_ATTR_NAME = /^(?:class|role|aria-[a-z-]+|pointer-events)$/;
const ROOT_ATTRS = new Set(['xmlns', 'xmlns:xlink', 'version', 'width', 'height', 'viewBox']);

/** A shape that paints no pixel: hidden, fully transparent, or with neither fill nor stroke. */
function drawsNothing(attrs: string, parent: Frame): boolean {
  if (attrValue(attrs, 'display') === 'none' || attrValue(attrs, 'opacity') === '0') return true;
  if (attrValue(attrs, 'd') === '') return true;
  const fill = attrValue(attrs, 'fill') ?? parent.fill;
  const stroke = attrValue(attrs, 'stroke') ?? parent.stroke;
  return fill === 'none' && stroke === 'none';
}

/**
 * The glyphs of one <text> placed in device pixels; [] for a text that draws nothing (hidden,
 * empty, no fill); null when it cannot be placed exactly and must fall back to outlines.
 */
function placeText(attrs: string, content: string, parent: Frame): GlyphDraw[] | null {
  const el = parseTextElement(attrs, content);
  if (el.hidden) return [];
  if (!parent.exact || parent.matrix === null || parent.stroke !== 'none' || unusualQuoting(attrs)) return null;
  for (const a of attrNames(attrs)) if (!TEXT_ATTRS.has(a) && !INERT_ATTR_NAME.test(a)) return null;
  const local = parseTransform(el.transform);
  if (!local) return null;
  const m = multiply(parent.matrix, local);
  // Only rotation and the render scale: no skew, reflection or other scale.
  const s = Math.hypot(m[0], m[1]);
  const tol = 1e-9 * Math.max(1, s);
  const rootScale = Math.hypot(parent.matrix[0], parent.matrix[1]);
  if (Math.abs(m[2] + m[1]) > tol || Math.abs(m[3] - m[0]) > tol || Math.abs(s - rootScale) > tol || !(s > 0)) return null;
  let angle = Math.round(((Math.atan2(m[1], m[0]) * 180) / Math.PI) * 1e6) / 1e6;
  if (angle === 0 || angle === -180) angle = Math.abs(angle);

  const fill = attrValue(attrs, 'fill') ?? parent.fill;
  if (fill === 'none') return [];
  const color = parseColor(fill);
  const fillOpacity = parseOpacity(attrValue(attrs, 'fill-opacity') ?? parent.fillOpacity);
  const opacity = parseOpacity(attrValue(attrs, 'opacity'));
  if (!color || fillOpacity === null || opacity === null) return null;
  const alpha = color[3] * fillOpacity * opacity;
  if (alpha <= 0) return [];

  const k = (el.fontSize / unitsPerEm(el.face)) * OUTLINE_UNIT;
  const unit = s * k;
  const glyphs: GlyphDraw[] = [];
  for (const line of el.lines) {
    if (!line.text.trim()) continue;
    const { glyphs: placed, advance } = layoutLine(el.face, line.text);
    const x0 = lineShift(el, advance);
    const y = lineDy(line.dy);
    for (const g of placed) {
      const x = x0 + g.x * k;
      glyphs.push({
        face: el.face,
        unit,
        angle,
        id: g.id,
        x: m[0] * x + m[2] * y + m[4],
        y: m[1] * x + m[3] * y + m[5],
        r: color[0],
        g: color[1],
        b: color[2],
        alpha,
      });
    }
  }
  return glyphs;
}
