/**
 * Cell values of CRM exports: dates in ISO, US and European forms, money with currency
 * symbols and either thousands convention, and yes/no flags. Pure functions; the CSV
 * connector decides per file which date order and decimal mark apply (see detect*).
 */

/** How a day/month/year date with numbers only is read: 03/04/2022 is 4 March (mdy) or 3 April (dmy). */
export type DateOrder = 'ymd' | 'mdy' | 'dmy';

export interface ParsedDate {
  /** Calendar date as written, 'YYYY-MM-DD'. */
  date: string;
  /** The instant: an explicit offset wins, else the wall time in the team's time zone (midnight for dates alone). */
  instant: string;
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};

const TIME = String.raw`(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?`;
const ISO_RE = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})${TIME}$`);
const NUMERIC_RE = new RegExp(String.raw`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})${TIME}$`);
const DAY_MONTH_NAME_RE = new RegExp(String.raw`^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4})${TIME}$`);
const MONTH_NAME_DAY_RE = new RegExp(String.raw`^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})${TIME}$`);

export interface DateOrderVotes {
  /** Dates whose first number is above 12: only day/month/year fits. */
  dmy: number;
  /** Dates whose second number is above 12: only month/day/year fits. */
  mdy: number;
  /** The first numbers-only date that fits both orders, for the message that asks. */
  firstAmbiguous: string | null;
}

/** Counts, over a file's date cells, which day/month order each numbers-only date allows. */
export function dateOrderVotes(values: Iterable<string>): DateOrderVotes {
  const votes: DateOrderVotes = { dmy: 0, mdy: 0, firstAmbiguous: null };
  for (const raw of values) {
    const v = raw.trim();
    const m = NUMERIC_RE.exec(v);
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) votes.dmy++;
    else if (b > 12 && a <= 12) votes.mdy++;
    else if (a <= 12 && b <= 12 && a !== b && votes.firstAmbiguous === null) votes.firstAmbiguous = v;
  }
  return votes;
}

/**
 * The order a file's numbers-only dates must be in: 'dmy' when some first number is above 12,
 * 'mdy' when some second is, null when every date is ambiguous (or there are none),
 * 'conflict' when both happen.
 */
export function detectDateOrder(values: Iterable<string>): DateOrder | null | 'conflict' {
  const { dmy, mdy } = dateOrderVotes(values);
  if (dmy && mdy) return 'conflict';
  return dmy ? 'dmy' : mdy ? 'mdy' : null;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
/** Milliseconds that `timeZone` is ahead of UTC at instant `t`. */
function zoneOffsetMs(t: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `timeZone` (DST-safe: re-checks the offset once). */
export function wallTimeToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  if (timeZone === 'UTC') return guess;
  const first = guess - zoneOffsetMs(guess, timeZone);
  const second = guess - zoneOffsetMs(first, timeZone);
  return second;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Parses one date cell. Returns null for an empty cell and throws (with a message fit for a
 * row report) when the value is not a date in the given order.
 */
export function parseDateCell(raw: string, order: DateOrder, timeZone: string): ParsedDate | null {
  const v = raw.trim();
  if (v === '') return null;
  let y: number, mo: number, d: number;
  let m = ISO_RE.exec(v);
  if (m) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = NUMERIC_RE.exec(v))) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    y = Number(m[3]);
    if (m[3]!.length === 2) y += y < 70 ? 2000 : 1900;
    if (order === 'dmy') [d, mo] = [a, b];
    else if (order === 'mdy') [mo, d] = [a, b];
    else throw new Error(`'${v}' is day/month order, but dates in this file are year-month-day`);
  } else if ((m = DAY_MONTH_NAME_RE.exec(v)) && MONTHS[m[2]!.toLowerCase()]) {
    [d, mo, y] = [Number(m[1]), MONTHS[m[2]!.toLowerCase()]!, Number(m[3])];
  } else if ((m = MONTH_NAME_DAY_RE.exec(v)) && MONTHS[m[1]!.toLowerCase()]) {
    [mo, d, y] = [MONTHS[m[1]!.toLowerCase()]!, Number(m[2]), Number(m[3])];
  } else {
    throw new Error(`'${v}' is not a date`);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) {
    const how = order === 'dmy' ? ' (read as day/month/year)' : order === 'mdy' ? ' (read as month/day/year)' : '';
    throw new Error(`'${v}' is not a valid date${how}`);
  }
  let h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const ampm = m[7]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) throw new Error(`'${v}' has an hour that is not 1-12 before AM/PM`);
    if (ampm === 'pm' && h !== 12) h += 12;
    if (ampm === 'am' && h === 12) h = 0;
  }
  if (h > 23 || mi > 59 || s > 59) throw new Error(`'${v}' has a time that is not valid`);
  const zone = m[8];
  let t: number;
  if (zone === undefined) t = wallTimeToUtc(y, mo, d, h, mi, s, timeZone);
  else if (/^(Z|UTC|GMT)$/i.test(zone)) t = Date.UTC(y, mo - 1, d, h, mi, s);
  else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.replace(/[+:-]/g, '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    t = Date.UTC(y, mo - 1, d, h, mi, s) - sign * offsetMin * 60_000;
  }
  return { date: `${pad(y, 4)}-${pad(mo)}-${pad(d)}`, instant: new Date(t).toISOString() };
}

/** Which character marks decimals in a column's amounts: '.' ($1,234.50) or ',' (1.234,50 €). */
export type DecimalMark = '.' | ',';

const CURRENCY_SYMBOLS: [string, string][] = [
  ['US$', 'USD'],
  ['A$', 'AUD'],
  ['C$', 'CAD'],
  ['NZ$', 'NZD'],
  ['R$', 'BRL'],
  ['$', 'USD'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['¥', 'JPY'],
  ['₹', 'INR'],
  ['₩', 'KRW'],
  ['₽', 'RUB'],
  ['₺', 'TRY'],
  ['zł', 'PLN'],
];

/** Strips a currency symbol or ISO code from either end; returns the rest and the code found. */
function takeCurrency(v: string): { rest: string; currency: string | null } {
  let rest = v;
  let currency: string | null = null;
  const code = /^([A-Z]{3})\s*(?=[-(\d.,])|(?<=[\d.,)])\s*([A-Z]{3})$/.exec(rest);
  if (code) {
    currency = code[1] ?? code[2] ?? null;
    rest = rest.replace(code[0], '');
  }
  for (const [sym, iso] of CURRENCY_SYMBOLS) {
    if (rest.includes(sym)) {
      currency ??= iso;
      rest = rest.replace(sym, '');
      break;
    }
  }
  return { rest: rest.trim(), currency };
}

/** Removes spaces of every kind and apostrophes used as thousands separators (1 234,50; 1'234.50). */
const squeeze = (v: string) => v.replace(/[\s\u00a0\u202f']/g, '');

/** Votes for the decimal mark a column of amounts uses; null when nothing tells. */
export function detectDecimalMark(values: Iterable<string>): DecimalMark | null {
  let dot = 0;
  let comma = 0;
  for (const raw of values) {
    const v = squeeze(takeCurrency(raw.trim()).rest).replace(/^[-(]+|\)$/g, '');
    if (!v) continue;
    const lastDot = v.lastIndexOf('.');
    const lastComma = v.lastIndexOf(',');
    if (lastDot >= 0 && lastComma >= 0) {
      if (lastDot > lastComma) dot++;
      else comma++;
    } else if (lastComma >= 0) {
      if (/^\d{1,3}(,\d{3}){2,}$/.test(v)) dot++;
      else if (!/^\d{1,3},\d{3}$/.test(v)) comma++;
    } else if (lastDot >= 0) {
      if (/^\d{1,3}(\.\d{3}){2,}$/.test(v)) comma++;
      else if (!/^\d{1,3}\.\d{3}$/.test(v)) dot++;
    }
  }
  if (dot === 0 && comma === 0) return null;
  return comma > dot ? ',' : '.';
}

export interface ParsedAmount {
  value: number;
  /** ISO code from a symbol or code in the cell ($ is read as USD), else null. */
  currency: string | null;
}

/** Parses a money cell; null for empty, throws with a row-report message when it is not a number. */
export function parseAmountCell(raw: string, mark: DecimalMark): ParsedAmount | null {
  const v = raw.trim();
  if (v === '' || v === '-') return null;
  const { rest, currency } = takeCurrency(v);
  let s = squeeze(rest);
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1);
  }
  const thousands = mark === '.' ? ',' : '.';
  // A thousands separator must group by three; anything else means the cell is not money.
  const grouped = new RegExp(`^\\d{1,3}(\\${thousands}\\d{3})+(\\${mark}\\d+)?$`);
  const plain = new RegExp(`^\\d+(\\${mark}\\d+)?$|^\\${mark}\\d+$`);
  if (!grouped.test(s) && !plain.test(s)) throw new Error(`'${v}' is not an amount`);
  const n = Number(s.split(thousands).join('').replace(mark, '.'));
  if (!Number.isFinite(n)) throw new Error(`'${v}' is not an amount`);
  return { value: negative ? -n : n, currency };
}

/** Reads yes/no cells (TRUE/FALSE, true/false, 1/0, yes/no); null for empty; throws otherwise. */
export function parseFlagCell(raw: string): boolean | null {
  const v = raw.trim().toLowerCase();
  if (v === '') return null;
  if (['true', '1', 'yes', 'y', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(v)) return false;
  throw new Error(`'${raw.trim()}' is not true or false`);
}

/** Reads a deal status cell: open / won / lost (also 'Closed Won', 'Closed Lost'); 'deleted' is Pipedrive's. */
export function parseStatusCell(raw: string): 'open' | 'won' | 'lost' | 'deleted' | null {
  const v = raw.trim().toLowerCase();
  if (v === '') return null;
  if (['open', 'in progress', 'active', 'pending'].includes(v)) return 'open';
  if (['won', 'closed won', 'closed-won', 'closedwon', 'win'].includes(v)) return 'won';
  if (['lost', 'closed lost', 'closed-lost', 'closedlost', 'loss'].includes(v)) return 'lost';
  if (v === 'deleted') return 'deleted';
  throw new Error(`'${raw.trim()}' is not open, won or lost`);
}
