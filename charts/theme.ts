/**
 * The one chart theme: font, colours, sizes, and the number formats every chart speaks.
 *
 * Charts are drawn on a white card so they read the same on Slack's light and dark themes.
 * Sizes are chosen for Slack's image preview on a phone: the PNG is rendered at 2x and shown
 * about 360 pt wide, so a 480 px card is scaled by ~0.75 — 13 px labels land near 10 pt.
 */
import type { Config } from 'vega-lite';
import type { ReportFilters } from '../src/metrics/report-types.js';

/** The family every chart names: Inter; characters it lacks fall back to the script fonts of charts/fonts.ts. */
export const FONT_FAMILY = 'Inter';

/** Total card width in CSS px (the PNG is `scale` times this). */
export const CARD_WIDTH = 480;
export const CARD_PADDING = 16;
/** Row pitch of horizontal bar charts, in px. */
export const ROW_STEP = 40;

export const FONT_SIZE = {
  title: 18,
  subtitle: 13,
  label: 13,
  axisTitle: 12,
  legend: 12,
  markLabel: 13,
  note: 12,
} as const;

/** Colours chosen for contrast on white and for colour-blind safety (blue/orange/green differ in lightness). */
export const COLORS = {
  background: '#ffffff',
  text: '#111827',
  muted: '#6b7280',
  grid: '#e5e7eb',
  domain: '#9ca3af',
  /** The main measure (open value, calibrated forecast). */
  primary: '#2563eb',
  /** The same measure, lighter: totals behind a weighted bar. */
  primaryLight: '#bfdbfe',
  /** Money already won. */
  won: '#16a34a',
  /** The CRM's own probabilities, shown for comparison. */
  crm: '#ea580c',
  /** What actually happened. */
  actual: '#111827',
  lost: '#dc2626',
} as const;

/** Where a name in a filter line ("Owner: …") is cut, in characters (see truncateLabel). */
export const LABEL_MAX_CHARS = 18;
/** The widest a row label (stage, source) may be, in px; charts/labels.ts shortens names to it. */
export const LABEL_LIMIT_PX = 130;

const affixCache = new Map<string, [string, string]>();

/** The currency symbol and whether it goes before or after the number, from Intl. */
export function currencyAffixes(currency: string): [prefix: string, suffix: string] {
  let affixes = affixCache.get(currency);
  if (!affixes) {
    affixes = computeAffixes(currency);
    affixCache.set(currency, affixes);
  }
  return affixes;
}

function computeAffixes(currency: string): [string, string] {
  let parts: Intl.NumberFormatPart[];
  try {
    parts = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(1);
  } catch {
    return ['', ` ${currency}`];
  }
  const i = parts.findIndex((p) => p.type === 'currency');
  const symbol = parts[i]?.value ?? currency;
  const firstNumber = parts.findIndex((p) => p.type === 'integer');
  // A letter symbol ("CHF", "kr") reads better with a space between it and the number.
  const spaced = /\p{L}$/u.test(symbol) ? ' ' : '';
  return i < firstNumber ? [symbol + spaced, ''] : ['', (spaced || ' ') + symbol];
}

// Intl formatters are costly to build (~50 µs each): build each once.
const compactOneDecimal = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const compactWhole = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 0 });
const grouped = new Intl.NumberFormat('en-US');

/** Money in compact form: $1.2M, $850K, €4.5B, $0. */
export function formatMoney(value: number, currency: string): string {
  if (!Number.isFinite(value)) return '–';
  const [prefix, suffix] = currencyAffixes(currency);
  const abs = Math.abs(value);
  // One decimal under 10 units of a suffix ($1.2M), none above ($12M, $120M).
  let text: string;
  if (abs >= 1000) {
    text = (Math.floor(Math.log10(abs)) % 3 === 0 ? compactOneDecimal : compactWhole).format(abs);
  } else {
    text = compactOneDecimal.format(Math.round(abs));
  }
  return `${value < 0 ? '-' : ''}${prefix}${text}${suffix}`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  return `${pct > 0 && pct < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
}

export function formatCount(n: number): string {
  return grouped.format(Math.round(n));
}

/** "3h", "2d", "5w": how long ago, for a scoreboard column. */
export function formatHoursAgo(hours: number | null): string {
  if (hours == null || !Number.isFinite(hours)) return '–';
  if (hours < 1) return '<1h';
  if (hours < 48) return `${Math.round(hours)}h`;
  const days = hours / 24;
  if (days < 14) return `${Math.round(days)}d`;
  return `${Math.round(days / 7)}w`;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cut a long name to `max` characters with an ellipsis, at a word boundary when one is close. */
export function truncateLabel(name: string, max = LABEL_MAX_CHARS): string {
  const s = name.trim().replace(/\s+/g, ' ');
  if (s.length <= max) return s;
  // Whole grapheme clusters only: never half an emoji, a conjunct or a surrogate pair.
  let cut = '';
  for (const { segment } of graphemes.segment(s)) {
    if (cut.length + segment.length > max - 1) break;
    cut += segment;
  }
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2026-12' → 'Dec 2026'. */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})/.exec(month);
  if (!m) return month;
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** '2026-12' → "Dec '26". */
export function formatMonthShort(month: string): string {
  const m = /^(\d{4})-(\d{2})/.exec(month);
  if (!m) return month;
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} '${m[1]!.slice(2)}`;
}

/** '2026-11-24…' → 'Nov 24, 2026'. */
export function formatDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return isoDate;
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} ${Number(m[3])}, ${m[1]}`;
}

/** One line saying which slice of the data a chart shows: "Pipeline: Enterprise · Owner: Ana · since Jun 1, 2026". */
export function describeFilters(filters: ReportFilters | undefined): string {
  if (!filters) return '';
  const parts: string[] = [];
  if (filters.pipeline) parts.push(`Pipeline: ${truncateLabel(filters.pipeline, 24)}`);
  if (filters.owner) parts.push(`Owner: ${truncateLabel(filters.owner, 24)}`);
  if (filters.source) parts.push(`Source: ${truncateLabel(filters.source, 24)}`);
  if (filters.since) parts.push(`since ${formatDate(filters.since)}`);
  return parts.join(' · ');
}

/** d3 format for money axes; `labelExpr` turns d3's SI suffixes into the finance ones (K, M, B). */
export const MONEY_AXIS_FORMAT = '$.2~s';
export const MONEY_AXIS_LABEL_EXPR = "replace(replace(datum.label, 'k', 'K'), 'G', 'B')";

/**
 * For the quantitative channel of a bar layer that draws one bar per row (every bar layer here):
 * nothing to stack. Vega-Lite stacks such bars by default when it can, and draws each stack with
 * rounded ends as a group clipped to a rounded rectangle around a plain bar: a vega facet per
 * bar to lay out, and a group, a clip path and two more paths per bar to draw. Unstacked, the
 * bar is one path with the same rounded end (bars here never go below zero).
 */
export const UNSTACKED = { stack: null } as const;

/** The Vega-Lite config every chart uses; `currency` sets the `$` in d3 money formats. */
export function chartConfig(currency: string): Config {
  const [prefix, suffix] = currencyAffixes(currency);
  return {
    font: FONT_FAMILY,
    background: COLORS.background,
    padding: CARD_PADDING,
    locale: {
      number: { decimal: '.', thousands: ',', grouping: [3], currency: [prefix, suffix] },
    },
    view: { stroke: null },
    title: {
      anchor: 'start',
      fontSize: FONT_SIZE.title,
      fontWeight: 600,
      color: COLORS.text,
      subtitleFontSize: FONT_SIZE.subtitle,
      subtitleColor: COLORS.muted,
      subtitlePadding: 6,
      offset: 14,
      limit: CARD_WIDTH - 2 * CARD_PADDING,
    },
    axis: {
      labelFontSize: FONT_SIZE.label,
      labelColor: COLORS.text,
      titleFontSize: FONT_SIZE.axisTitle,
      titleFontWeight: 400,
      titleColor: COLORS.muted,
      gridColor: COLORS.grid,
      domainColor: COLORS.domain,
      tickColor: COLORS.domain,
      labelPadding: 6,
      labelOverlap: true,
      labelFlush: true,
    },
    axisBand: { ticks: false, domain: false, labelLimit: LABEL_LIMIT_PX },
    legend: {
      labelFontSize: FONT_SIZE.legend,
      labelColor: COLORS.text,
      titleFontSize: FONT_SIZE.legend,
      orient: 'top',
      direction: 'horizontal',
      symbolSize: 120,
      columnPadding: 14,
      labelLimit: 200,
      padding: 0,
      offset: 10,
    },
    text: { font: FONT_FAMILY, fontSize: FONT_SIZE.markLabel, color: COLORS.text },
    bar: { cornerRadiusEnd: 2 },
    line: { strokeWidth: 2.5 },
  };
}
