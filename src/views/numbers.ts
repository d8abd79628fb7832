/**
 * How numbers read in Slack messages: compact money in the report's currency ($1.2M), percent
 * from fractions (0.34 -> 34%), whole counts with separators. Also Slack's mrkdwn escaping.
 */

const compactMoney = new Map<string, Intl.NumberFormat>();

/** $1.2M, €340K; falls back to "1.2M XYZ" for a currency code Intl does not know. */
export function formatMoney(value: number | null | undefined, currency: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  // Below a thousand there is no K or M for the decimal to belong to: "$213", not "$213.3".
  const digits = Math.abs(value) < 999.95 ? 0 : 1;
  const key = `${currency}:${digits}`;
  let f = compactMoney.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: digits });
    } catch {
      f = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: digits });
      const plain = f;
      f = { format: (n: number) => `${plain.format(n)} ${currency}` } as Intl.NumberFormat;
    }
    compactMoney.set(key, f);
  }
  return f.format(value);
}

const pct = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });
const pct1 = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** 0.34 -> "34%"; below 10% one decimal ("4.5%"). */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return Math.abs(fraction) < 0.1 && fraction !== 0 ? pct1.format(fraction) : pct.format(fraction);
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return count.format(n);
}

/**
 * A count and its noun, "1 deal" or "1,204 deals", the count formatted as formatCount does. The
 * noun follows what the reader sees: 0.6 shows as "1", so it is "1 day". English only.
 */
export function plural(n: number, one: string, many: string): string {
  const shown = formatCount(n);
  return `${shown} ${shown === '1' ? one : many}`;
}

export function formatDays(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${count.format(Math.round(n))} d`;
}

/**
 * Escapes text from the CRM or a person for Slack mrkdwn: &, <, > (so no `<!channel>` or
 * `<@U…>` mention, no link), the formatting markers, and the plain-text broadcast words
 * (`@here`, `@channel`, `@everyone`, which Slack turns into mentions when names are linked).
 */
export function escapeMrkdwn(s: string): string {
  return neutraliseBroadcasts(neutraliseFormatting(escapeEntities(s)));
}

/** A word joiner after the @ keeps `@here`, `@channel` and `@everyone` from being read as a broadcast; the text reads the same. */
export function neutraliseBroadcasts(s: string): string {
  return s.replace(/@(here|channel|everyone)\b/gi, '@\u2060$1');
}

/** Only Slack's three control characters (&, <, >): for our own text, which may format on purpose. */
export function escapeEntities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack has no escape for *bold*, _italic_, ~strike~ or `code`: a zero-width space on each side of
 * the marker keeps it from opening or closing formatting, and the text reads and copies the same.
 */
export function neutraliseFormatting(s: string): string {
  return s.replace(/[*_~`]/g, '\u200B$&\u200B');
}

/** Letters of the right-to-left scripts (Arabic, Hebrew and their neighbours). */
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]/u;

/** True when `s` has a letter of a right-to-left script. */
export function hasRtl(s: string): boolean {
  return RTL.test(s);
}

/**
 * A name from the CRM set inside a sentence of other text: a name with right-to-left letters goes
 * in first-strong isolate … pop directional isolate (Unicode bidi), so محمد علي does not pull the
 * figures after it to its side ("محمد علي 73%" is read as the name, then 73%). A name without
 * any is returned as it is: in a left-to-right sentence it cannot move anything, and invisible
 * marks in every name would follow it into copies, searches and terminal output.
 */
export function isolateName(s: string): string {
  return hasRtl(s) ? `\u2068${s}\u2069` : s;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Trims to `max` characters (UTF-16 units, as Slack's limits count) with an ellipsis, cutting
 * between graphemes: never half an emoji's surrogate pair, a flag, or a letter from its accent.
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const { segment } of graphemes.segment(s)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}
