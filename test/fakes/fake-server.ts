/**
 * What every fake CRM server shares: a real HTTP server on 127.0.0.1, a request log, and the
 * knobs the contract test turns — page size, slow answers, injected failures (401, 429 with
 * Retry-After, 5xx), edits between pages, and enforcement of the CRM's published rate limit
 * with its real rolling window.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as-is instead of JSON (e.g. an HTML error page). */
  raw?: string;
}
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  at: number;
}
export interface WindowLimit {
  requests: number;
  perMs: number;
}
export interface InjectedFailure {
  status: number;
  /** How many matching requests fail (then the request is served normally). */
  times: number;
  /** Only requests whose "METHOD /path" matches. */
  match?: RegExp;
  headers?: Record<string, string>;
  body?: unknown;
  /** Hold the answer this long (a slow response; with a client timeout, a timeout). */
  delayMs?: number;
}
export interface FakeKnobs {
  /** The largest page the fake serves, whatever `limit` asks for. */
  pageSize: number;
  /** Added to every answer. */
  latencyMs: number;
  /** Enforce these limits per bucket (null: no enforcement). */
  rateLimits: Record<string, WindowLimit> | null;
  /** Runs before a paged list serves page `pageIndex` (1 = the second page): edit the model here. */
  beforePage?: (route: string, pageIndex: number) => void;
}

export interface CrmDialect {
  /** Which rate-limit bucket a request falls in. */
  bucketOf(req: FakeRequest): string;
  /** A missing/wrong token answer, or undefined when the token is right. */
  checkAuth(req: FakeRequest): FakeResponse | undefined;
  /** The CRM's answer when our own enforcement throttles. */
  throttled(bucket: string, waitMs: number): FakeResponse;
  /** The CRM's error body for an injected failure of this status. */
  errorBody(status: number): unknown;
  /** Headers on successful answers (rate-limit counters). */
  okHeaders?(bucket: string, remaining: number, limit: WindowLimit | undefined): Record<string, string>;
  route(req: FakeRequest): FakeResponse | Promise<FakeResponse>;
}

export interface FakeServer {
  url: string;
  knobs: FakeKnobs;
  log: RecordedRequest[];
  /** 429s our enforcement sent (a healthy client provokes none). */
  throttledCount(): number;
  fail(f: InjectedFailure): void;
  clearFailures(): void;
  close(): Promise<void>;
}

export async function startFakeServer(dialect: CrmDialect, knobs: Partial<FakeKnobs> = {}): Promise<FakeServer> {
  const state: FakeKnobs = { pageSize: 100, latencyMs: 0, rateLimits: null, ...knobs };
  const log: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const windows = new Map<string, number[]>();
  let throttled = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const freq: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    const send = async (r: FakeResponse, delayMs = 0) => {
      log.push({ method: freq.method, path: freq.path, query: Object.fromEntries(url.searchParams), body, status: r.status, at: arrived });
      const wait = delayMs + state.latencyMs;
      if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
      if (res.destroyed) return;
      const payload = r.raw ?? (r.body === undefined ? '' : JSON.stringify(r.body));
      res.writeHead(r.status, { 'content-type': r.raw ? 'text/html' : 'application/json', ...(r.headers ?? {}) });
      res.end(payload);
    };

    const auth = dialect.checkAuth(freq);
    if (auth) return send(auth);

    const bucket = dialect.bucketOf(freq);
    const limit = state.rateLimits?.[bucket];
    let remaining = Number.MAX_SAFE_INTEGER;
    if (limit) {
      const w = windows.get(bucket) ?? [];
      while (w.length && w[0]! <= arrived - limit.perMs) w.shift();
      if (w.length >= limit.requests) {
        throttled++;
        windows.set(bucket, w);
        return send(dialect.throttled(bucket, w[0]! + limit.perMs - arrived));
      }
      w.push(arrived);
      windows.set(bucket, w);
      remaining = limit.requests - w.length;
    }

    const key = `${freq.method} ${freq.path}`;
    const f = failures.find((x) => x.times > 0 && (!x.match || x.match.test(key)));
    if (f) {
      f.times--;
      return send({ status: f.status, body: f.body ?? dialect.errorBody(f.status), headers: f.headers }, f.delayMs);
    }
    try {
      const r = await dialect.route(freq);
      r.headers = { ...(dialect.okHeaders?.(bucket, remaining, limit) ?? {}), ...(r.headers ?? {}) };
      return send(r);
    } catch (err) {
      return send({ status: 500, body: { message: `fake crashed: ${(err as Error).message}` } });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    knobs: state,
    log,
    throttledCount: () => throttled,
    fail: (f) => failures.push({ ...f }),
    clearFailures: () => failures.splice(0),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Opaque cursor helpers shared by the dialects. */
export const encodeCursor = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
export const decodeCursor = <T>(s: string): T => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as T;
