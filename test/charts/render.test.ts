import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CHART_NAMES, buildChart, type VegaLiteSpec } from '../../charts/index.js';
import { PNG_CACHE_MAX, pngCacheSize, renderPng, renderSvg } from '../../charts/render.js';
import { measureText } from '../../charts/text-measure.js';
import { CARD_WIDTH } from '../../charts/theme.js';
import { sampleReports } from '../../bench/chart-reports.js';
import { chartReports, emptyReports } from './chart-fixtures.js';

/** True when the outer `band` pixels on every side are pure white: nothing runs off the card. */
async function marginsAreWhite(png: Buffer, band = 6): Promise<boolean> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  for (let y = 0; y < height; y++) {
    const inBandY = y < band || y >= height - band;
    for (let x = 0; x < width; x++) {
      if (!inBandY && x >= band && x < width - band) continue;
      const i = (y * width + x) * channels;
      if (data[i]! < 255 || data[i + 1]! < 255 || data[i + 2]! < 255) return false;
    }
  }
  return true;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function checkPng(png: Buffer, width: number) {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const meta = await sharp(png).metadata();
  expect(meta.format).toBe('png');
  expect(meta.width).toBe(width);
  expect(meta.height).toBeGreaterThan(200);
  // Not blank: a white card with dark text and coloured marks has real variance.
  const stats = await sharp(png).stats();
  expect(stats.channels[0]!.stdev).toBeGreaterThan(15);
  expect(stats.isOpaque).toBe(true);
  return meta;
}

describe('renderPng', () => {
  it.each(CHART_NAMES)('renders %s as a 2x PNG the width of the card', async (name) => {
    const png = await renderPng(buildChart(name, chartReports()[name] as never));
    await checkPng(png, CARD_WIDTH * 2);
  });

  it.each(CHART_NAMES)('draws nothing into the margins of %s (no label runs off the card), with long names and big numbers', async (name) => {
    const png = await renderPng(buildChart(name, sampleReports()[name] as never));
    expect(await marginsAreWhite(png)).toBe(true);
  });

  it('detects a label that does run off the card', async () => {
    const spec = { width: 300, height: 40, padding: 0, data: { values: [{ t: 'x' }] }, mark: { type: 'text', x: 300, align: 'left' }, encoding: { text: { field: 't' } } } as VegaLiteSpec;
    const png = await renderPng({ ...spec, autosize: 'none' } as VegaLiteSpec);
    expect(await marginsAreWhite(png, 2)).toBe(true); // starts exactly at the edge: outside, not drawn
    const inside = await renderPng({ ...spec, mark: { type: 'text', x: 296, align: 'left', fontSize: 20 }, autosize: 'none' } as VegaLiteSpec);
    expect(await marginsAreWhite(inside, 2)).toBe(false);
  });

  it('renders the no-data card as a real image', async () => {
    const png = await renderPng(buildChart('funnel', emptyReports().funnel));
    const meta = await checkPng(png, CARD_WIDTH * 2);
    expect(meta.height).toBeLessThan(600);
  });

  it('honours scale and rejects a nonsensical one', async () => {
    const spec = buildChart('pipeline', chartReports().pipeline);
    const png = await renderPng(spec, { scale: 1 });
    await checkPng(png, CARD_WIDTH);
    await expect(renderPng(spec, { scale: 0 })).rejects.toThrow(/scale/);
  });
});

describe('renderPng of a spec it has just rendered', () => {
  it('draws an identical spec once, whatever its key order, and hands out copies', async () => {
    const spec = buildChart('funnel', chartReports().funnel);
    const [a, b] = await Promise.all([renderPng(spec), renderPng(spec)]);
    const size = pngCacheSize();
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as VegaLiteSpec;
    const c = await renderPng(reordered);
    expect(pngCacheSize()).toBe(size);
    expect(b.equals(a) && c.equals(a)).toBe(true);
    a.fill(0);
    expect((await renderPng(spec)).equals(b)).toBe(true);
    // Another scale or another report is another picture.
    expect((await renderPng(spec, { scale: 1 })).equals(b)).toBe(false);
    const other = chartReports().funnel;
    other.stages[0]!.reached += 1;
    expect((await renderPng(buildChart('funnel', other))).equals(b)).toBe(false);
  });

  it('keeps at most PNG_CACHE_MAX pictures', async () => {
    const report = chartReports().pipeline;
    for (let i = 0; i < PNG_CACHE_MAX + 3; i++) {
      await renderPng(buildChart('pipeline', { ...report, total: { ...report.total, count: 1000 + i } }), { scale: 0.5 });
    }
    expect(pngCacheSize()).toBe(PNG_CACHE_MAX);
  });
});

describe('renderSvg and text', () => {
  it('keeps text as text in the Inter family at the card width', async () => {
    const svg = await renderSvg(buildChart('pipeline', chartReports().pipeline));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`width="${CARD_WIDTH}"`);
    expect(svg).toContain('font-family="Inter"');
    expect(svg).toContain('>$1.2M · 30 deals</text>');
  });

  it.each(CHART_NAMES)('leaves the ARIA labels of the marks of %s out on request, and the picture is the same', async (name) => {
    const spec = buildChart(name, sampleReports()[name] as never);
    const withAria = await renderSvg(spec);
    const without = await renderSvg(spec, { aria: false });
    const markLabels = (svg: string) => [...svg.matchAll(/ aria-label="([^"]*)"/g)].filter((m) => !/^(Title|Subtitle) text /.test(m[1]!));
    expect(markLabels(withAria).length).toBeGreaterThan(0);
    expect(markLabels(without)).toEqual([]);
    const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) => m[1]);
    expect(texts(without)).toEqual(texts(withAria));
    const pixels = (svg: string) => sharp(Buffer.from(svg), { density: 144 }).raw().toBuffer();
    expect((await pixels(without)).equals(await pixels(withAria))).toBe(true);
  });

  it.each(CHART_NAMES)('draws no element of %s with opacity below 1 (librsvg composites each through a temporary surface the size of the card)', async (name) => {
    const svg = await renderSvg(buildChart(name, sampleReports()[name] as never), { aria: false });
    expect(svg).not.toMatch(/ opacity="0?\.\d*"/);
  });

  it.each(CHART_NAMES)('draws each bar of %s as one path, not as a group clipped to the bar (one series per layer: nothing to stack)', async (name) => {
    const svg = await renderSvg(buildChart(name, sampleReports()[name] as never), { aria: false });
    expect(svg).not.toContain('<clipPath');
  });

  it('measures text with the chart fonts: wider letters are wider, weight matters, size scales', () => {
    expect(measureText('WWWW', 13)).toBeGreaterThan(measureText('iiii', 13) * 2);
    expect(measureText('Negotiation', 13, 600)).toBeGreaterThan(measureText('Negotiation', 13));
    expect(measureText('Negotiation', 26)).toBeCloseTo(measureText('Negotiation', 13) * 2, 6);
    expect(measureText('', 13)).toBe(0);
    // Inter at 13 px: "Negotiation" is about 72 px (vega's no-canvas guess would be 114 px).
    expect(measureText('Negotiation', 13)).toBeGreaterThan(60);
    expect(measureText('Negotiation', 13)).toBeLessThan(85);
  });

  it.each([
    ['Negotiation', 70.72],
    ['Alexandra Montgomery-Smith', 184.06],
    ['山田太郎', 52.0],
    ['김민준', 36.66],
    ['محمد العتيبي', 70.16],
    ['דוד כהן', 39.88],
    ['สมชาย ใจดี', 57.53],
    ['अनन्या शर्मा', 55.53],
    ['Zoë 🚀 Growth', 91.88],
    ['Owner: محمد العتيبي · Source: 展示会 🎪', 239.42],
  ])('measures %s at 13 px as shaped (the widths docs/charts.md gives against Pango)', (text, px) => {
    expect(measureText(text, 13)).toBeCloseTo(px, 2);
  });

  it('truncates labels at their pixel limit using those measurements', async () => {
    const spec = {
      width: 200,
      height: 40,
      data: { values: [{ name: 'A very long rep name that cannot possibly fit', v: 1 }] },
      mark: 'bar',
      encoding: { y: { field: 'name', type: 'nominal', axis: { labelLimit: 80 } }, x: { field: 'v', type: 'quantitative' } },
    } as VegaLiteSpec;
    const svg = await renderSvg(spec);
    const label = /<text[^>]*>(A very[^<]*)<\/text>/.exec(svg)?.[1];
    expect(label).toMatch(/…$/);
    expect(measureText(label!, 10)).toBeLessThanOrEqual(80);
    expect(measureText(label!, 10)).toBeGreaterThan(60);
  });
});
