/**
 * Row labels for bar charts: short enough for their axis, and never two alike. A band scale
 * draws rows with equal labels as one row (bars stacked, numbers on top of each other), so two
 * reps whose names share their first 14 characters (Salesforce user ids, "Alexandra
 * Montgomery-Smith" and "-Jones") must not be shortened to the same text.
 *
 * Shortening works on grapheme clusters (Intl.Segmenter), so a label is never cut inside an
 * emoji sequence, a Devanagari conjunct or a Thai syllable, and on pixel widths in the chart
 * fonts (charts/text-measure.ts), so vega's own pixel limit never cuts a label further.
 */
import { measureText } from './text-measure.js';

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function clusters(s: string): string[] {
  return Array.from(graphemes.segment(s), (g) => g.segment);
}

export interface LabelFit {
  /** The widest a label may be, in px. */
  maxPx: number;
  fontSize: number;
  fontWeight?: number;
}

function width(s: string, fit: LabelFit): number {
  return measureText(s, fit.fontSize, fit.fontWeight);
}

/** `name` with whitespace runs collapsed and trimmed. */
export function cleanName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

/**
 * Cut at the end with an ellipsis, at a word boundary when one is close (unless `atWord` is
 * false): the usual short form.
 */
export function shortenEnd(name: string, fit: LabelFit, atWord = true): string {
  const s = cleanName(name);
  if (width(s, fit) <= fit.maxPx) return s;
  const cs = clusters(s);
  const n = longestFitting(cs.length - 1, (k) => cs.slice(0, k).join('').trimEnd() + ELLIPSIS, fit) ?? 1;
  const cut = cs.slice(0, n).join('');
  const space = atWord ? cut.lastIndexOf(' ') : -1;
  const head = space >= cut.length * 0.6 ? cut.slice(0, space) : cut;
  return head.trimEnd() + ELLIPSIS;
}

/**
 * The largest k in 1..max whose `make(k)` fits, by bisection (a label only grows with k), or
 * undefined when not even k = 1 fits.
 */
function longestFitting(max: number, make: (k: number) => string, fit: LabelFit): number | undefined {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (width(make(mid), fit) <= fit.maxPx) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 1 ? lo : undefined;
}

/**
 * The "head…tail" form of `name` that keeps its last `tail` grapheme clusters and as much of its
 * start as fits, or undefined when not even one cluster of the start fits beside that tail.
 */
export function shortenMiddle(name: string, tail: number, fit: LabelFit): string | undefined {
  const s = cleanName(name);
  if (width(s, fit) <= fit.maxPx) return s;
  const cs = clusters(s);
  const t = Math.min(tail, cs.length - 1);
  const end = cs.slice(cs.length - t).join('').trimStart();
  const make = (h: number) => cs.slice(0, h).join('').trimEnd() + ELLIPSIS + end;
  const h = longestFitting(cs.length - t - 1, make, fit);
  return h === undefined ? undefined : make(h);
}

/** How many grapheme clusters all of `names` share at their start. */
function commonPrefix(names: string[][]): number {
  let n = 0;
  while (names.every((cs) => n < cs.length && cs[n] === names[0]![n])) n++;
  return n;
}

/**
 * Middle-cut labels for a group of names that look alike when cut at the end: each keeps its
 * end from the word where the names start to differ ("…-Smith"), or from the first character
 * that differs when that word is long (ids); failing that, the shortest end (at least 3
 * clusters) that tells them apart. Undefined when no end does.
 */
function separateByTails(names: string[], fit: LabelFit, taken: Set<string>): string[] | undefined {
  const cs = names.map((n) => clusters(cleanName(n)));
  const prefix = commonPrefix(cs);
  const shortest = Math.min(...cs.map((c) => c.length));
  if (prefix >= shortest) return undefined; // one name is the start of another: only a number helps
  // Back from the first difference to the start of its word, if that is near.
  let from = prefix;
  while (from > 0 && prefix - from < 6 && !/[\s\-_/.,(]/.test(cs[0]![from - 1]!)) from--;
  if (from > 0 && !/[\s\-_/.,(]/.test(cs[0]![from - 1]!)) from = prefix;
  const tailsFrom = (start: number) => cs.map((c) => c.length - start);
  const attempts: number[][] = [tailsFrom(from), tailsFrom(prefix)];
  for (let t = 3; t <= Math.max(...cs.map((c) => c.length)); t++) attempts.push(cs.map(() => t));
  for (const tails of attempts) {
    const tries = names.map((n, k) => shortenMiddle(n, tails[k]!, fit));
    if (tries.some((t) => t === undefined)) continue;
    const labels = tries as string[];
    if (new Set(labels).size === labels.length && labels.every((l) => !taken.has(l))) return labels;
  }
  return undefined;
}

/** `label` with " (n)" at its end, shortened in the middle so the whole still fits. */
function withNumber(name: string, n: number, fit: LabelFit): string {
  const suffix = ` (${n})`;
  const s = cleanName(name);
  if (width(s + suffix, fit) <= fit.maxPx) return s + suffix;
  const room = { ...fit, maxPx: fit.maxPx - width(suffix, fit) };
  return shortenEnd(s, room) + suffix;
}

/**
 * One display label per name, in order, all distinct and each at most `fit.maxPx` wide.
 *
 * A name that fits is kept whole. A longer one is cut at its end; where that makes two rows look
 * alike, they are cut in the middle instead ("Alexandra M…gomery-Smith"), keeping as much of
 * their ends as tells them apart; rows still alike after that (equal names, or names that differ
 * only in the middle) get " (2)", " (3)" in their order. The full names belong in the chart's
 * alt text.
 */
export function uniqueLabels(names: readonly string[], fit: LabelFit): string[] {
  const labels = names.map((n) => shortenEnd(n, fit));
  for (const group of collisions(labels)) {
    const others = new Set(labels.filter((_, j) => !group.includes(j)));
    const groupNames = group.map((i) => names[i]!);
    // Cut at the end but not back to a word: enough when they differ just before the cut.
    const hard = groupNames.map((n) => shortenEnd(n, fit, false));
    const separated =
      new Set(hard).size === hard.length && hard.every((l) => !others.has(l)) ? hard : separateByTails(groupNames, fit, others);
    if (separated) for (const [k, i] of group.entries()) labels[i] = separated[k]!;
  }
  // Whatever is still alike is numbered, first occurrence kept as it is.
  for (const group of collisions(labels)) {
    const taken = new Set(labels);
    let n = 2;
    for (const i of group.slice(1)) {
      let candidate: string;
      do candidate = withNumber(names[i]!, n++, fit);
      while (taken.has(candidate));
      labels[i] = candidate;
      taken.add(candidate);
    }
  }
  return labels;
}

/** Index groups (two or more) of equal labels. */
function collisions(labels: readonly string[]): number[][] {
  const byLabel = new Map<string, number[]>();
  for (const [i, l] of labels.entries()) byLabel.set(l, [...(byLabel.get(l) ?? []), i]);
  return [...byLabel.values()].filter((g) => g.length > 1);
}
