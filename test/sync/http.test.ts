import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCrmHttp, redact, SERVER_ERROR_RETRIES, type CrmHttpOptions } from '../../src/sync/http.js';
import { CrmAuthError, CrmHttpError, CrmNetworkError, CrmPageTooLargeError, CrmRateLimitError, PayloadShapeError } from '../../src/errors.js';
import { mapConcurrent } from '../../src/sync/paging.js';
import { systemClock } from '../../src/sync/rate-limiter.js';
import { virtualClock } from '../helpers/clock.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, arrivedAt: number) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function serve(handler: Handler) {
  let n = 0;
  const seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    const arrivedAt = Date.now();
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res, ++n, arrivedAt));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  closers.push(() => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function client(url: string, extra: Partial<CrmHttpOptions> = {}) {
  const clock = virtualClock();
  const http = createCrmHttp({
    crm: 'testcrm',
    label: 'TestCRM',
    baseUrl: url,
    headers: { authorization: 'Bearer sekret-token-123' },
    secrets: ['sekret-token-123'],
    authHint: 'Set TESTCRM_TOKEN to a token with scope deals.read.',
    rateLimits: { default: { requests: 1000, perMs: 1000 } },
    throttle: { default: { resetHeaders: ['x-ratelimit-reset'], fallbackMs: 2000 } },
    clock,
    ...extra,
  });
  closers.push(() => http.close());
  return { http, clock };
}

describe('the HTTP door: status table', () => {
  it('returns parsed JSON, sends auth and keeps the base path', async () => {
    const s = await serve((_q, res) => json(res, 200, { ok: true }));
    const { http } = client(`${s.url}/api`);
    const r = await http.request<{ ok: boolean }>({ path: '/v2/deals', query: { limit: 5, cursor: undefined } });
    expect(r.body).toEqual({ ok: true });
    expect(s.seen[0]!.url).toBe('/api/v2/deals?limit=5');
    expect(s.seen[0]!.headers.authorization).toBe('Bearer sekret-token-123');
  });

  it('401 and 403 fail at once with what to do', async () => {
    for (const status of [401, 403]) {
      const s = await serve((_q, res) => json(res, status, { message: 'bad token sekret-token-123' }));
      const { http } = client(s.url);
      const err = await http.request({ path: '/deals' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CrmAuthError);
      expect((err as CrmAuthError).hint).toContain('TESTCRM_TOKEN');
      expect((err as Error).message).toContain(`HTTP ${status}`);
      expect((err as Error).message).not.toContain('sekret-token-123');
      expect(s.seen).toHaveLength(1);
    }
  });

  it('429 waits per Retry-After or the reset header, without using the 5xx budget', async () => {
    const s = await serve((_q, res, n) => (n <= 6 ? json(res, 429, {}, n % 2 ? { 'retry-after': '1' } : { 'x-ratelimit-reset': '2' }) : json(res, 200, { n })));
    const { http, clock } = client(s.url);
    expect((await http.request<{ n: number }>({ path: '/x' })).body).toEqual({ n: 7 });
    expect(clock.sleeps).toEqual([1000, 2000, 1000, 2000, 1000, 2000]);
    expect(http.stats).toMatchObject({ requests: 7, throttled: 6 });
  });

  it('429s without end fail after the written-out number of waits', async () => {
    const s = await serve((_q, res) => json(res, 429, {}, { 'retry-after': '0' }));
    const { http } = client(s.url, { retries: { serverErrors: 2, rateLimitWaits: 3 } });
    const err = await http.request({ path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitError);
    expect(s.seen).toHaveLength(4);
  });

  it('a used-up daily allowance fails at once', async () => {
    const s = await serve((_q, res) => json(res, 429, { policyName: 'DAILY' }));
    const { http } = client(s.url, { classify: (st, _h, text) => (st === 429 && text.includes('DAILY') ? { kind: 'quota-exhausted', message: 'daily limit used up', hint: 'wait until midnight' } : undefined) });
    const err = await http.request({ path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitError);
    expect((err as CrmRateLimitError).hint).toBe('wait until midnight');
    expect(s.seen).toHaveLength(1);
  });

  it('5xx retries with exponential backoff, then fails naming method, path and status', async () => {
    const s = await serve((_q, res) => json(res, 502, { error: 'upstream down', token: 'abc123def', contact: 'jane@example.com' }));
    const { http, clock } = client(s.url);
    const err = await http.request({ method: 'POST', path: '/deals/search', body: { q: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmHttpError);
    expect(s.seen).toHaveLength(SERVER_ERROR_RETRIES + 1);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000]);
    const msg = (err as Error).message;
    expect(msg).toContain('POST /deals/search');
    expect(msg).toContain('HTTP 502');
    expect(msg).toContain('upstream down');
    expect(msg).not.toContain('abc123def');
    expect(msg).not.toContain('jane@example.com');
  });

  it('a 503 with Retry-After waits at least that long before retrying', async () => {
    const s = await serve((_q, res, n) => (n === 1 ? json(res, 503, {}, { 'retry-after': '5' }) : json(res, 200, { n })));
    const { http, clock } = client(s.url);
    expect((await http.request<{ n: number }>({ path: '/x' })).body).toEqual({ n: 2 });
    expect(clock.sleeps).toEqual([5000]);
  });

  it('anything else fails at once with a body excerpt', async () => {
    const s = await serve((_q, res) => json(res, 400, { message: 'Paging past 10,000 results is not supported.' }));
    const { http } = client(s.url);
    const err = await http.request({ path: '/deals' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmHttpError);
    expect((err as Error).message).toMatch(/GET \/deals with HTTP 400: .*10,000/);
    expect(s.seen).toHaveLength(1);
  });

  it('a timeout is retried, and a server that stays silent ends as a network error', async () => {
    const s = await serve((_q, res, n) => (n === 1 ? undefined : n === 2 ? json(res, 200, { ok: n }) : undefined));
    const { http } = client(s.url, { timeouts: { connectMs: 1000, headersMs: 100, bodyMs: 100 } });
    expect((await http.request<{ ok: number }>({ path: '/slow' })).body).toEqual({ ok: 2 });
    const { http: h2 } = client(s.url, { timeouts: { connectMs: 1000, headersMs: 50, bodyMs: 50 }, retries: { serverErrors: 1, rateLimitWaits: 1 } });
    expect(await h2.request({ path: '/slow' }).catch((e: unknown) => e)).toBeInstanceOf(CrmNetworkError);
  });

  it('a 2xx that is not JSON is a shape error, and a connection refused is a network error', async () => {
    const s = await serve((_q, res) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>maintenance</html>')));
    const { http } = client(s.url);
    expect(await http.request({ path: '/x' }).catch((e: unknown) => e)).toBeInstanceOf(PayloadShapeError);
    const { http: dead } = client('http://127.0.0.1:9', { retries: { serverErrors: 1, rateLimitWaits: 1 } });
    expect(await dead.request({ path: '/x' }).catch((e: unknown) => e)).toBeInstanceOf(CrmNetworkError);
  });

  it('refuses to send the token to another host', async () => {
    const { http } = client('http://127.0.0.1:1');
    await expect(http.request({ path: 'http://evil.example/x' })).rejects.toThrow(/another host/);
  });

  it('keeps concurrent requests under a server-enforced rolling limit (no 429)', async () => {
    const arrivals: number[] = [];
    let throttled = 0;
    const s = await serve((_q, res, _n, now) => {
      while (arrivals.length && arrivals[0]! <= now - 200) arrivals.shift();
      if (arrivals.length >= 10) {
        throttled++;
        return json(res, 429, {}, { 'retry-after': '1' });
      }
      arrivals.push(now);
      json(res, 200, {});
    });
    const { http } = client(s.url, { rateLimits: { default: { requests: 10, perMs: 200 } }, clock: systemClock });
    await mapConcurrent(Array.from({ length: 40 }, (_, i) => i), 4, () => http.request({ path: '/x' }));
    expect(throttled).toBe(0);
    expect(http.stats.requests).toBe(40);
  });

  it('redacts tokens, bearer values and email addresses', () => {
    expect(redact('Authorization: Bearer abc.def-ghi token=xyz123 mail bob@corp.com sekret', ['sekret'])).toBe('Authorization: Bearer [redacted] token=[redacted] mail [email] [redacted]');
  });
});

describe('the HTTP door: page size bound', () => {
  it('a page over the limit fails with a clear error, whether declared or streamed, and is not retried', async () => {
    const MB = 1024 * 1024;
    const big = JSON.stringify({ results: [{ name: 'x'.repeat(3 * MB) }] });
    const s = await serve((req, res) => {
      if (req.url!.includes('declared')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) });
        res.end(big);
      } else {
        // Chunked, no length: the limit must hold while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
        res.end();
      }
    });
    const { http } = client(s.url, { maxBodyBytes: MB });
    for (const path of ['/declared', '/streamed']) {
      const err = await http.request({ path }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CrmPageTooLargeError);
      expect((err as Error).message).toMatch(new RegExp(`testcrm answered GET ${path} with more than 1 MB in one page`));
    }
    expect(s.seen).toHaveLength(2);
    const ok = await client(s.url, { maxBodyBytes: 8 * MB }).http.request<{ results: unknown[] }>({ path: '/streamed' });
    expect(ok.body.results).toHaveLength(1);
  });
});
