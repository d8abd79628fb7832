/**
 * Pure parsing of the "wait this long" answers CRMs give when they throttle us: the standard
 * Retry-After header (delta-seconds or HTTP-date, RFC 9110 §10.2.3) and the vendors' own reset
 * headers. No clock of its own: `nowMs` is an argument.
 */

/** Milliseconds to wait per a Retry-After value, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Milliseconds until a reset header says the window reopens. Vendors disagree on the unit:
 * seconds left in the window (Pipedrive's `x-ratelimit-reset: 2`), or an epoch timestamp in
 * seconds or milliseconds. A number larger than a plausible window is read as an epoch.
 */
export function parseResetHeader(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d+(\.\d+)?$/.test(v)) return parseRetryAfter(v, nowMs);
  const n = Number(v);
  if (n >= 1e12) return Math.max(0, n - nowMs); // epoch milliseconds
  if (n >= 1e9) return Math.max(0, n * 1000 - nowMs); // epoch seconds
  return Math.round(n * 1000); // seconds left in the window
}

/** Lower-cased header lookup; undici gives lower-cased keys, and a value may be repeated. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export interface ThrottleAdvice {
  /** How long to wait before the next try, in ms. */
  waitMs: number;
  /** Which header (or fallback) said so, for logs and errors. */
  from: string;
}

/**
 * How long to wait after a 429: Retry-After first (the standard), then the reset headers
 * named by the CRM, then the CRM's window length, then `fallbackMs`.
 */
export function throttleWait(
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
  opts: { resetHeaders?: string[]; windowHeaders?: string[]; fallbackMs: number },
): ThrottleAdvice {
  const ra = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);
  if (ra !== undefined) return { waitMs: ra, from: 'retry-after' };
  for (const h of opts.resetHeaders ?? []) {
    const ms = parseResetHeader(headerValue(headers, h), nowMs);
    if (ms !== undefined) return { waitMs: ms, from: h };
  }
  for (const h of opts.windowHeaders ?? []) {
    const v = headerValue(headers, h);
    if (v !== undefined && /^\d+$/.test(v.trim())) return { waitMs: Number(v), from: h };
  }
  return { waitMs: opts.fallbackMs, from: 'fallback' };
}
