/**
 * Text measured the way a terminal draws it: 山田 太郎 and 김민준 take two columns a character,
 * an emoji two, a combining accent none. Plain-text tables pad and truncate by this display
 * width, never by string length, and never cut a grapheme (a flag, a family emoji, é as e + ◌́).
 */
import stringWidth from 'string-width';
import { hasRtl } from '../views/numbers.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns `s` takes in a terminal (East Asian wide and emoji count two; ambiguous ones, such as – × …, one). */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

/** `s` followed by spaces up to `width` columns (nothing added when it is already as wide). */
export function padEndWidth(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Spaces then `s`, right-aligned in `width` columns. */
export function padStartWidth(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

/** `s` cut to at most `max` columns, whole graphemes only, with an ellipsis when anything was cut. */
export function truncateWidth(s: string, max: number, ellipsis = '…'): string {
  if (displayWidth(s) <= max) return s;
  const room = max - displayWidth(ellipsis);
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(s)) {
    const w = displayWidth(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return `${out}${ellipsis}`;
}


/**
 * Text with right-to-left letters in first-strong isolate … pop directional isolate (both take
 * no column). A terminal that lays out bidi text (GNOME Terminal, Konsole, macOS Terminal) would
 * otherwise draw the padding and figures after محمد or דוד on the name's side, or take the whole
 * row for a right-to-left line; other terminals ignore the two marks. Left-to-right text is
 * returned as it is, so most output carries no invisible characters.
 */
export function isolateRtl(s: string): string {
  return hasRtl(s) ? `\u2068${s}\u2069` : s;
}
