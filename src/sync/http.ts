/**
 * The one HTTP door every CRM connector goes through: undici with keep-alive and timeouts,
 * p-retry with written-out counts, a rolling-window rate limiter per bucket, and one status
 * table that turns answers into actions:
 *
 *   2xx            → parsed JSON body
 *   401, 403       → CrmAuthError at once, with the token/scopes to fix (never retried) —
 *                    except that a CRM with a renewable session (Salesforce's client-credentials
 *                    token) gets ONE new token when the CRM says the session expired, and the
 *                    request is sent again once
 *   429            → wait per Retry-After (seconds or HTTP-date) or the CRM's reset header,
 *                    then retry; these waits do not use up the 5xx budget but have their own
 *                    cap; a daily allowance used up fails at once (CrmRateLimitError)
 *   5xx, timeouts,
 *   dropped sockets→ retry with exponential backoff (never sooner than a Retry-After),
 *                    SERVER_ERROR_RETRIES times at most
 *   anything else  → CrmHttpError naming method, path, status and a redacted body excerpt
 *
 * All waiting goes through an injected Clock, so tests never sleep on the wall clock.
 */
import { Agent, request, type Dispatcher } from 'undici';
import pRetry, { AbortError } from 'p-retry';
import type { CrmHttp, CrmRequest, CrmResponse } from './connector.js';
import { CrmAuthError, CrmHttpError, CrmNetworkError, CrmPageTooLargeError, CrmRateLimitError, PayloadShapeError, type CrmRequestInfo } from '../errors.js';
import { RollingWindowLimiter, systemClock, type Clock, type RateLimit } from './rate-limiter.js';
import { headerValue, parseRetryAfter, throttleWait } from './retry-timing.js';

export type { Clock, RateLimit };

/** Retries after a 5xx, a timeout or a dropped connection, per request. */
export const SERVER_ERROR_RETRIES = 4;
/** Waits after a 429, per request, before we give up and say so. */
export const RATE_LIMIT_WAITS = 8;
/** Backoff after a 5xx/timeout: 1 s, 2 s, 4 s, 8 s (capped at 30 s). */
export const BACKOFF = { firstMs: 1_000, factor: 2, maxMs: 30_000 } as const;
/** A 429 asking us to wait longer than this is treated as "stop for now", not as a wait. */
export const MAX_THROTTLE_WAIT_MS = 5 * 60_000;
export const TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 } as const;
/** Characters of an error body quoted in CrmHttpError. */
export const BODY_EXCERPT_CHARS = 300;

export interface ThrottlePolicy {
  /** Headers that say when the window reopens (seconds left, or an epoch), tried after Retry-After. */
  resetHeaders?: string[];
  /** Headers that give the window length in ms (waiting one window is always enough). */
  windowHeaders?: string[];
  /** Wait when the CRM says nothing. */
  fallbackMs: number;
}

/** What a CRM-specific rule says about a non-2xx answer before the generic table applies. */
export type Verdict =
  | { kind: 'quota-exhausted'; message: string; hint: string }
  | { kind: 'throttled'; fallbackMs?: number }
  | undefined;

/**
 * A renewable login (an OAuth token the door can fetch again). Its headers are added to every
 * request; when an answer says the session expired, the door renews it once for that request
 * and sends the request again. A second refusal fails as an auth error.
 */
export interface CrmSession {
  /** Authorization headers for the next request (fetching a first token if needed). */
  headers(): Promise<Record<string, string>>;
  /** Whether this refusal means "the session expired" (a new token may fix it). */
  expired(status: number, text: string): boolean;
  /** Fetches a new token. */
  renew(): Promise<void>;
  /** Current secret values to redact from error excerpts. */
  secrets(): string[];
}

export interface CrmHttpOptions {
  /** Machine name, e.g. 'hubspot' (error info). */
  crm: string;
  /** Human name, e.g. 'HubSpot' (messages). */
  label: string;
  baseUrl: string;
  /** Authentication and fixed headers sent on every request. */
  headers: Record<string, string>;
  /** Values never to be quoted in an error (tokens). */
  secrets: string[];
  /** A renewable login whose headers join `headers` (see CrmSession). */
  session?: CrmSession;
  /** What to do after a 401/403: which token, which scopes. */
  authHint: string;
  /** Limits per bucket; `default` applies to requests without a bucket. */
  rateLimits: { default: RateLimit } & Record<string, RateLimit>;
  /** Per-bucket throttle policy (falls back to `default`). */
  throttle: { default: ThrottlePolicy } & Record<string, ThrottlePolicy>;
  /** CRM-specific reading of a non-2xx answer (daily budget, abuse block). */
  classify?: (status: number, headers: Record<string, string>, text: string) => Verdict;
  retries?: { serverErrors: number; rateLimitWaits: number };
  backoff?: { firstMs: number; factor: number; maxMs: number };
  timeouts?: { connectMs: number; headersMs: number; bodyMs: number };
  clock?: Clock;
  /** Optional shared dispatcher (tests); otherwise a keep-alive Agent of our own. */
  dispatcher?: Dispatcher;
  /** Largest answer read, in bytes (CRM_MAX_PAGE_MB); bigger fails with CrmPageTooLargeError. Default 64 MB. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface CrmHttpStats {
  /** Requests sent (every attempt counts). */
  requests: number;
  /** 429 answers received. */
  throttled: number;
  /** 5xx/timeouts/dropped connections retried. */
  retried: number;
  /** Milliseconds spent waiting in the rate limiter (our own pacing). */
  pacedMs: number;
  /** Milliseconds spent waiting because the CRM asked us to. */
  throttledMs: number;
}

export interface CrmHttpClient extends CrmHttp {
  readonly stats: CrmHttpStats;
  close(): Promise<void>;
}

/** A refusal the session says a new token may fix (handled once per request in send). */
class SessionExpired extends Error {
  constructor(readonly authError: CrmAuthError) {
    super(authError.message);
  }
}

class Retryable extends Error {
  constructor(
    readonly kind: 'throttled' | 'server' | 'network',
    readonly info: CrmRequestInfo,
    readonly detail: string,
    readonly waitMs: number,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

const NETWORK_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Reads an answer's body as text, at most `max` bytes: a declared Content-Length over the limit
 * is refused before reading, and a body that grows past it is cut off (the socket destroyed) as
 * soon as it does, so a 700 MB page costs at most `max` of memory and a clear error.
 */
async function readBounded(res: Dispatcher.ResponseData, max: number, info: CrmRequestInfo): Promise<string> {
  const declared = Number(headerValue(res.headers, 'content-length') ?? NaN);
  const tooLarge = () => {
    res.body.destroy();
    return new CrmPageTooLargeError({ ...info, status: res.statusCode }, max);
  };
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) throw tooLarge();
    chunks.push(b);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Removes tokens, bearer values, and email addresses from text we are about to show. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
    .replace(/((?:api_token|access_token|token|apikey|hapikey)["']?\s*[=:]\s*["']?)[A-Za-z0-9._~+/-]+/gi, '$1[redacted]')
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]');
}

function excerpt(text: string, secrets: string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
  return redact(cut, secrets) || '(empty body)';
}

function buildUrl(baseUrl: string, req: CrmRequest): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path.replace(/^\//, ''), base);
  if (url.origin !== new URL(base).origin) throw new Error(`Refusing to send CRM credentials to another host: ${url.origin}`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
  return url;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Builds the HTTP door for one CRM. */
export function createCrmHttp(opts: CrmHttpOptions): CrmHttpClient {
  const clock = opts.clock ?? systemClock;
  const retries = opts.retries ?? { serverErrors: SERVER_ERROR_RETRIES, rateLimitWaits: RATE_LIMIT_WAITS };
  const backoff = opts.backoff ?? BACKOFF;
  const timeouts = opts.timeouts ?? TIMEOUTS;
  const log = opts.log ?? (() => {});
  const ownAgent = opts.dispatcher
    ? undefined
    : new Agent({
        keepAliveTimeout: 10_000,
        keepAliveMaxTimeout: 60_000,
        connections: 8,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
  const dispatcher: Dispatcher = opts.dispatcher ?? ownAgent!;
  const limiters = new Map<string, RollingWindowLimiter>();
  const limiterFor = (bucket: string): RollingWindowLimiter => {
    const own = opts.rateLimits[bucket];
    const key = own ? bucket : 'default';
    let l = limiters.get(key);
    if (!l) limiters.set(key, (l = new RollingWindowLimiter(own ?? opts.rateLimits.default, clock)));
    return l;
  };
  const stats: CrmHttpStats = { requests: 0, throttled: 0, retried: 0, pacedMs: 0, throttledMs: 0 };
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function attempt<T>(req: CrmRequest, url: URL, info: CrmRequestInfo, limiter: RollingWindowLimiter): Promise<CrmResponse<T>> {
    const slot = await limiter.acquire();
    stats.pacedMs += slot.waitedMs;
    stats.requests++;
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method: info.method as Dispatcher.HttpMethod,
        headers: {
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
          ...(opts.session ? await opts.session.headers() : {}),
        },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        dispatcher,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
      // The answer has begun: the CRM has counted this request by now.
      slot.done();
      text = await readBounded(res, maxBody, info);
    } catch (err) {
      slot.done();
      if (err instanceof CrmPageTooLargeError) throw new AbortError(err);
      const code = (err as { code?: string }).code ?? '';
      if (NETWORK_CODES.has(code) || /timeout|socket|ECONN/i.test(String((err as Error).message))) {
        throw new Retryable('network', info, `${code || 'network error'}: ${(err as Error).message}`, 0, { cause: err });
      }
      throw new AbortError(err as Error);
    }
    const status = res.statusCode;
    const headers = flatHeaders(res.headers);
    const withStatus = { ...info, status };
    if (status >= 200 && status < 300) {
      if (text.trim() === '') return { status, headers, body: undefined as T };
      try {
        return { status, headers, body: JSON.parse(text) as T };
      } catch {
        throw new AbortError(new PayloadShapeError(opts.label, `${info.method} ${info.path}`, [{ path: '(body)', message: `is not JSON: ${excerpt(text, secretsNow())}` }]));
      }
    }
    const verdict = opts.classify?.(status, headers, text);
    if (verdict?.kind === 'quota-exhausted') {
      throw new AbortError(new CrmRateLimitError(withStatus, verdict.message, undefined, verdict.hint));
    }
    if (status === 429 || verdict?.kind === 'throttled') {
      stats.throttled++;
      const policy = opts.throttle[req.bucket ?? 'default'] ?? opts.throttle.default;
      const advice = throttleWait(res.headers, clock.now(), {
        ...policy,
        fallbackMs: verdict?.kind === 'throttled' && verdict.fallbackMs !== undefined ? verdict.fallbackMs : policy.fallbackMs,
      });
      if (advice.waitMs > MAX_THROTTLE_WAIT_MS) {
        throw new AbortError(
          new CrmRateLimitError(
            withStatus,
            `${opts.label} asked us to wait ${Math.round(advice.waitMs / 1000)} s (${advice.from}) before ${info.method} ${info.path}.`,
            advice.waitMs,
            'The API allowance is used up for now; the next scheduled sync will continue where this one stopped.',
          ),
        );
      }
      throw new Retryable('throttled', withStatus, `HTTP 429 (wait ${advice.waitMs} ms per ${advice.from})`, advice.waitMs);
    }
    if (status === 401 || status === 403) {
      const authError = new CrmAuthError(withStatus, `${opts.label} refused ${info.method} ${info.path} with HTTP ${status}: ${excerpt(text, secretsNow())}`, opts.authHint);
      throw new AbortError(opts.session?.expired(status, text) ? new SessionExpired(authError) : authError);
    }
    if (status >= 500 || status === 408) {
      // A 503 may say when to come back; the backoff never waits less than that.
      const asked = parseRetryAfter(headerValue(res.headers, 'retry-after'), clock.now()) ?? 0;
      throw new Retryable('server', withStatus, excerpt(text, secretsNow()), Math.min(asked, MAX_THROTTLE_WAIT_MS));
    }
    throw new AbortError(new CrmHttpError(withStatus, excerpt(text, secretsNow())));
  }

  const secretsNow = () => [...opts.secrets, ...(opts.session?.secrets() ?? [])];

  /** Sends a request; when the session expired, renews it once and sends the request again. */
  async function send<T>(req: CrmRequest): Promise<CrmResponse<T>> {
    try {
      return await sendOnce<T>(req);
    } catch (err) {
      if (!(err instanceof SessionExpired)) throw err;
      log(`${opts.label} says the session expired; getting a new token and trying ${req.method ?? 'GET'} once more.`);
      await opts.session!.renew();
      try {
        return await sendOnce<T>(req);
      } catch (again) {
        throw again instanceof SessionExpired ? again.authError : again;
      }
    }
  }

  async function sendOnce<T>(req: CrmRequest): Promise<CrmResponse<T>> {
    const method = req.method ?? 'GET';
    const url = buildUrl(opts.baseUrl, req);
    const info: CrmRequestInfo = { crm: opts.crm, method, path: url.pathname };
    const bucket = req.bucket ?? 'default';
    const limiter = limiterFor(bucket);
    let throttleWaits = 0;
    try {
      return await pRetry(() => attempt<T>(req, url, info, limiter), {
        retries: retries.serverErrors,
        // All waiting happens below through the injected clock; p-retry only counts.
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        shouldConsumeRetry: ({ error }) => !(error instanceof Retryable && error.kind === 'throttled'),
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!(error instanceof Retryable)) return false;
          if (error.kind === 'throttled') {
            throttleWaits++;
            if (throttleWaits > retries.rateLimitWaits) return false;
            log(`${opts.label} rate limit: ${error.detail}; waiting.`);
            stats.throttledMs += error.waitMs;
            limiter.blockUntil(clock.now() + error.waitMs);
            return true;
          }
          const waitMs = Math.max(error.waitMs, Math.min(backoff.maxMs, backoff.firstMs * backoff.factor ** retriesConsumed));
          stats.retried++;
          log(`${opts.label} ${error.kind === 'server' ? `HTTP ${error.info.status}` : 'network error'} on ${info.method} ${info.path}; retry ${retriesConsumed + 1} of ${retries.serverErrors} in ${waitMs} ms.`);
          await clock.sleep(waitMs);
          return true;
        },
      });
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      if (err.kind === 'throttled') {
        throw new CrmRateLimitError(
          err.info,
          `${opts.label} kept rate-limiting ${info.method} ${info.path} (${throttleWaits} waits, ${stats.retried ? 'after server errors too' : 'no other errors'}).`,
          err.waitMs,
          'Another integration may be using the same API allowance; the next scheduled sync will continue where this one stopped.',
        );
      }
      if (err.kind === 'server') {
        throw new CrmHttpError(err.info, `${err.detail} (after ${retries.serverErrors} retries)`, `${opts.label} seems to be having trouble; the next sync will try again.`);
      }
      throw new CrmNetworkError(info, `${opts.label} could not be reached for ${info.method} ${info.path} after ${retries.serverErrors} retries (${err.detail}).`, {
        cause: err,
      });
    }
  }

  return {
    stats,
    request: send,
    async close() {
      await ownAgent?.close();
    },
  };
}
