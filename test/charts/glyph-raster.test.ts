import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CHART_NAMES, buildChart, type VegaLiteSpec } from '../../charts/index.js';
import { glyphCacheStats, resetGlyphCache, setGlyphCacheLimit } from '../../charts/glyph-raster.js';
import { renderPng, renderPngReference, renderSvg } from '../../charts/render.js';
import { parseColor, parseTransform, splitSvgText } from '../../charts/svg-text-split.js';
import { sampleReports } from '../../bench/chart-reports.js';
import { chartReports, emptyReports } from './chart-fixtures.js';

interface Decoded {
  data: Buffer;
  width: number;
  height: number;
}

async function decode(png: Buffer): Promise<Decoded> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Share of pixels whose every channel is within `tolerance` of the reference, and the mean absolute difference per channel. */
function compare(a: Decoded, b: Decoded, tolerance = 8): { within: number; meanDiff: number; maxDiff: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const n = a.width * a.height;
  let within = 0;
  let sum = 0;
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    let worst = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(a.data[i * 4 + c] - b.data[i * 4 + c]);
      sum += d;
      if (d > worst) worst = d;
    }
    if (worst <= tolerance) within++;
    if (worst > maxDiff) maxDiff = worst;
  }
  return { within: within / n, meanDiff: sum / (n * 4), maxDiff };
}

/** Bounding box of every pixel that is not the white background. */
function inkBox(img: Decoded): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.data[i] < 250 || img.data[i + 1] < 250 || img.data[i + 2] < 250) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

async function bothWays(spec: VegaLiteSpec, scale = 2): Promise<{ ours: Decoded; reference: Decoded }> {
  return { ours: await decode(await renderPng(spec, { scale })), reference: await decode(await renderPngReference(spec, { scale })) };
}

function expectSameInk(ours: Decoded, reference: Decoded) {
  const a = inkBox(ours);
  const b = inkBox(reference);
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  for (const k of ['x0', 'y0', 'x1', 'y1'] as const) expect(Math.abs(a![k] - b![k])).toBeLessThanOrEqual(1);
}

/** A white 240×80 card with one text mark and nothing else. */
function textSpec(mark: Record<string, unknown>, text: unknown = 'Pipeline $1.2M · 30 deals'): VegaLiteSpec {
  return {
    width: 240,
    height: 80,
    padding: 0,
    autosize: 'none',
    background: '#ffffff',
    data: { values: [{}] },
    mark: { type: 'text', font: 'Inter', fontSize: 13, fill: '#111827', ...mark },
    encoding: { text: { value: text } },
  } as VegaLiteSpec;
}

describe('glyph compositing matches the outlined reference', () => {
  const cases: [string, VegaLiteSpec][] = [
    ...CHART_NAMES.map((n) => [`${n} (sample reports)`, buildChart(n, sampleReports()[n] as never)] as [string, VegaLiteSpec]),
    ...CHART_NAMES.map((n) => [`${n} (fixtures)`, buildChart(n, chartReports()[n] as never)] as [string, VegaLiteSpec]),
    ['no-data card', buildChart('funnel', emptyReports().funnel)],
  ];

  it.each(cases)('%s: same size, near-identical pixels, no text left for librsvg', async (_name, spec) => {
    const { ours, reference } = await bothWays(spec);
    const { within, meanDiff } = compare(ours, reference);
    // Glyph origins are quantised to 1/16 px along the baseline and 1/4 px across: only
    // anti-aliased edge pixels may differ, by a few levels.
    expect(within).toBeGreaterThanOrEqual(0.995);
    expect(meanDiff).toBeLessThan(0.15);
    const split = splitSvgText(await renderSvg(spec), 2);
    expect(split.fallbacks).toBe(0);
    expect(split.glyphs.length).toBeGreaterThan(10);
    expect(split.svg).not.toMatch(/<text|<tspan|font-family/);
  });

  it('composites over transparent pixels on a chart without a background', async () => {
    const spec = { ...buildChart('pipeline', chartReports().pipeline), background: null } as unknown as VegaLiteSpec;
    const { ours, reference } = await bothWays(spec);
    const { within, meanDiff } = compare(ours, reference);
    expect(within).toBeGreaterThanOrEqual(0.995);
    expect(meanDiff).toBeLessThan(0.15);
    expect((await sharp(await renderPng(spec)).stats()).isOpaque).toBe(false);
  });
});

describe('glyph placement', () => {
  it.each(['left', 'center', 'right'])('puts a %s-aligned label where the outlines are', async (align) => {
    const { ours, reference } = await bothWays(textSpec({ x: 120, y: 40, align }));
    expectSameInk(ours, reference);
    expect(compare(ours, reference).within).toBeGreaterThanOrEqual(0.995);
    const box = inkBox(ours)!;
    // The anchor is at x = 240 device px: left starts there, right ends there, center straddles it.
    if (align === 'left') expect(Math.abs(box.x0 - 240)).toBeLessThanOrEqual(4);
    if (align === 'right') expect(Math.abs(box.x1 - 240)).toBeLessThanOrEqual(4);
    if (align === 'center') expect(Math.abs((box.x0 + box.x1) / 2 - 240)).toBeLessThanOrEqual(4);
  });

  it('draws a label at scale 1 and scale 3 where the outlines are', async () => {
    for (const scale of [1, 3]) {
      const { ours, reference } = await bothWays(textSpec({ x: 37.3, y: 41.7, align: 'center' }), scale);
      expectSameInk(ours, reference);
    }
  });

  it('rotates a -90° text and an axis title like the outlines', async () => {
    const { ours, reference } = await bothWays(textSpec({ x: 120, y: 40, angle: -90, fontSize: 12 }, 'Open value'));
    expectSameInk(ours, reference);
    const box = inkBox(ours)!;
    expect(box.y1 - box.y0).toBeGreaterThan(box.x1 - box.x0); // runs up the card, not across it
    const split = splitSvgText(await renderSvg(textSpec({ x: 120, y: 40, angle: -90 })), 2);
    expect(split.glyphs.every((g) => g.angle === -90)).toBe(true);

    const bars = {
      width: 200,
      height: 120,
      background: '#ffffff',
      data: { values: [{ a: 'x', v: 3 }, { a: 'y', v: 5 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'v', type: 'quantitative', title: 'Open value ($)' } },
    } as VegaLiteSpec;
    const axis = await bothWays(bars);
    expect(compare(axis.ours, axis.reference).within).toBeGreaterThanOrEqual(0.995);
  });

  it('draws multi-line text (tspans) line under line', async () => {
    const spec = textSpec({ x: 20, y: 20, align: 'left', lineHeight: 18 }, ['First line', 'Second, longer line']);
    expect(await renderSvg(spec)).toContain('<tspan');
    const { ours, reference } = await bothWays(spec);
    expectSameInk(ours, reference);
    const svg = await renderSvg(spec);
    const y = Number(/<text[^>]*transform="translate\([\d.]+,([\d.]+)\)"/.exec(svg)![1]);
    const baselines = new Set(splitSvgText(svg, 2).glyphs.map((g) => g.y));
    expect([...baselines].sort((a, b) => a - b)).toEqual([y * 2, (y + 18) * 2]);
  });

  it('uses the fill colour and opacity', async () => {
    const { ours, reference } = await bothWays(textSpec({ x: 20, y: 40, align: 'left', fill: '#dc2626', opacity: 0.5, fontSize: 30 }, 'WWW'));
    expect(compare(ours, reference).within).toBeGreaterThanOrEqual(0.995);
    // The darkest pixel is the colour at half strength over white: (255 + 220) / 2, (255 + 38) / 2, …
    let darkest = 0;
    for (let i = 0; i < ours.data.length; i += 4) if (ours.data[i + 1] < ours.data[darkest + 1]) darkest = i;
    expect(ours.data[darkest]).toBeCloseTo(238, -1);
    expect(ours.data[darkest + 1]).toBeCloseTo(147, -1);
    expect(ours.data[darkest + 2]).toBeCloseTo(147, -1);
  });

  it('draws an ellipsis-truncated label within its limit', async () => {
    const spec = textSpec({ x: 20, y: 40, align: 'left', limit: 90 }, 'Maximilian Alexander von Hohenberg');
    const svg = await renderSvg(spec);
    expect(svg).toMatch(/>[^<]*…<\/text>/);
    const { ours, reference } = await bothWays(spec);
    expectSameInk(ours, reference);
    const box = inkBox(ours)!;
    expect(box.x1 - 40).toBeLessThanOrEqual(90 * 2);
  });

  it('does not draw a label vega hid (opacity 0)', async () => {
    const png = await decode(await renderPng(textSpec({ x: 120, y: 40, opacity: 0 })));
    expect(inkBox(png)).toBeNull();
    const split = splitSvgText('<svg width="10" height="10"><text transform="translate(1,1)" opacity="0" fill="#000">$100K</text><text/></svg>', 2);
    expect(split).toEqual({ svg: '<svg width="10" height="10"></svg>', glyphs: [], fallbacks: 0 });
  });

  it('falls back to outlines for a clipped text, and still draws it', async () => {
    const spec = textSpec({ x: 120, y: 40, clip: true });
    const split = splitSvgText(await renderSvg(spec), 2);
    expect(split.fallbacks).toBe(1);
    expect(split.glyphs).toEqual([]);
    expect(split.svg).not.toMatch(/<text|font-family/);
    expect(split.svg).toMatch(/clip-path="url\(#clip\d+\)"><g transform="translate\(120,\d+\)" fill="#111827"><path/);
    const { ours, reference } = await bothWays(spec);
    expectSameInk(ours, reference);
    expect(compare(ours, reference, 0).within).toBe(1);
  });

  it('falls back for what it cannot reproduce: a scale, a gradient fill, a stroke, group opacity', () => {
    const t = (attrs: string) => `<text transform="translate(5,20)" fill="#000" ${attrs}>Ab</text>`;
    const cases = [
      `<svg width="50" height="30">${t('transform="translate(5,20) scale(2)"')}</svg>`.replace('transform="translate(5,20)" ', ''),
      `<svg width="50" height="30">${t('').replace('fill="#000"', 'fill="url(#g1)"')}</svg>`,
      `<svg width="50" height="30">${t('stroke="#fff"')}</svg>`,
      `<svg width="50" height="30"><g opacity="0.5">${t('')}</g></svg>`,
      `<svg width="50" height="30"><g stroke="#000">${t('')}</g></svg>`,
      `<svg width="50" height="30"><a href="https://example.com">${t('')}</a></svg>`,
      `<svg width="50" height="30"><g transform='translate(3,4)'>${t('')}</g></svg>`,
      `<svg width="50" height="30">${t("fill-opacity='0.5'")}</svg>`,
    ];
    for (const svg of cases) {
      const split = splitSvgText(svg, 2);
      expect(split.fallbacks, svg).toBe(1);
      expect(split.svg).not.toContain('<text');
    }
    const fine = splitSvgText(`<svg width="50" height="30"><g transform="translate(1.5,2)" opacity="1">${t('fill-opacity="0.5"')}</g></svg>`, 2);
    expect(fine.fallbacks).toBe(0);
    expect(fine.glyphs.map((g) => [g.alpha, g.y])).toEqual([
      [0.5, 44],
      [0.5, 44],
    ]);
    expect(fine.glyphs[0].x).toBe(13);
  });

  it('drops what draws nothing and keeps what draws', () => {
    const svg =
      '<svg width="50" height="30"><g fill="none"><g class="mark-group" role="graphics-object" aria-label="x"><path class="background" d="M0,0h0v0h0Z" pointer-events="none"/><path d="" display="none"/></g>' +
      '<path d="M0,0h10v10h-10Z" fill="#f00"/><line x2="5" stroke="#000"/></g><defs><clipPath id="c"><path d="M0,0h5v5h-5Z"/></clipPath></defs></svg>';
    expect(splitSvgText(svg, 2).svg).toBe(
      '<svg width="50" height="30"><g fill="none"><path d="M0,0h10v10h-10Z" fill="#f00"/><line x2="5" stroke="#000"/></g><defs><clipPath id="c"><path d="M0,0h5v5h-5Z"/></clipPath></defs></svg>',
    );
  });

  it('parses only translate/rotate transforms and plain colours', () => {
    expect(parseTransform('translate(10,20) rotate(-90) translate(0,3)')).toEqual([0, -1, 1, 0, 13, 20]);
    expect(parseTransform('translate(5)')).toEqual([1, 0, 0, 1, 5, 0]);
    expect(parseTransform('rotate(90 10 10)')!.map((n) => Math.round(n * 1e9) / 1e9)).toEqual([0, 1, -1, 0, 20, 0]);
    expect(parseTransform('scale(2)')).toBeNull();
    expect(parseTransform('translate(1,2) skewX(3)')).toBeNull();
    expect(parseTransform('matrix(1,0,0,1,0,0)')).toBeNull();
    expect(parseColor('#111827')).toEqual([17, 24, 39, 1]);
    expect(parseColor('#fff')).toEqual([255, 255, 255, 1]);
    expect(parseColor('rgba(10, 20, 30, 0.5)')).toEqual([10, 20, 30, 0.5]);
    expect(parseColor('black')).toEqual([0, 0, 0, 1]);
    expect(parseColor('steelblue')).toBeNull();
    expect(parseColor('url(#gradient)')).toBeNull();
  });
});

describe('glyph mask cache', () => {
  afterEach(() => {
    setGlyphCacheLimit(20_000);
  });

  it('rasterises a chart’s missing glyphs in one atlas render, and none on the second render', async () => {
    resetGlyphCache();
    const spec = buildChart('reps', sampleReports().reps);
    const first = await renderPng(spec);
    const afterFirst = glyphCacheStats();
    expect(afterFirst.atlasRenders).toBe(1);
    expect(afterFirst.glyphsRasterised).toBeGreaterThan(50);
    expect(afterFirst.size).toBe(afterFirst.misses);
    const second = await renderPng(spec);
    const afterSecond = glyphCacheStats();
    expect(afterSecond.atlasRenders).toBe(1);
    expect(afterSecond.misses).toBe(afterFirst.misses);
    expect(afterSecond.hits).toBeGreaterThan(afterFirst.hits);
    expect(second.equals(first)).toBe(true);
  });

  it('spreads a large set of missing glyphs over several atlas pages', async () => {
    resetGlyphCache();
    // At 400 device px a glyph cell is ~290 × 460 px: about 14 fit one 2048×1024 page.
    const lines = ['Quick brown', 'fox jumps', 'dogs: $1.2M', 'PACK MY BOX', 'Chloé (42%)'];
    const spec = { ...textSpec({ x: 10, y: 90, align: 'left', fontSize: 100, lineHeight: 105 }, lines), width: 720, height: 560 } as VegaLiteSpec;
    const { ours, reference } = await bothWays(spec, 4);
    expect(glyphCacheStats().atlasRenders).toBeGreaterThan(1);
    expect(compare(ours, reference).within).toBeGreaterThanOrEqual(0.995);
    expectSameInk(ours, reference);
  });

  it('stays within its bound and still draws every glyph when the bound is smaller than one chart', async () => {
    resetGlyphCache();
    setGlyphCacheLimit(40);
    const spec = buildChart('sources', sampleReports().sources);
    const { ours, reference } = await bothWays(spec);
    expect(glyphCacheStats().size).toBeLessThanOrEqual(40);
    expect(compare(ours, reference).within).toBeGreaterThanOrEqual(0.995);
    for (const name of CHART_NAMES) await renderPng(buildChart(name, chartReports()[name] as never));
    const stats = glyphCacheStats();
    expect(stats.size).toBeLessThanOrEqual(40);
    expect(stats.clears).toBeGreaterThan(0);
    expect(() => setGlyphCacheLimit(0)).toThrow(/positive integer/);
  });
});
