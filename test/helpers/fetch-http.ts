/**
 * A minimal CrmHttp over fetch for connector tests that need no retries or rate limiting:
 * base URL + path + query, JSON in and out, and an Error naming the status and body on any
 * non-2xx answer. The real door (src/sync/http.ts) is what production uses.
 */
import type { CrmHttp, CrmRequest, CrmResponse } from '../../src/sync/connector.js';

export class FetchHttpError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(`HTTP ${status}: ${text.slice(0, 200)}`);
  }
}

export function fetchHttp(baseUrl: string, headers: Record<string, string>): CrmHttp & { requests: CrmRequest[] } {
  const requests: CrmRequest[] = [];
  return {
    requests,
    async request<T>(req: CrmRequest): Promise<CrmResponse<T>> {
      requests.push(req);
      const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
      for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
      const res = await fetch(url, {
        method: req.method ?? 'GET',
        headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new FetchHttpError(res.status, text);
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        out[k] = v;
      });
      return { status: res.status, headers: out, body: (text ? JSON.parse(text) : undefined) as T };
    },
  };
}
