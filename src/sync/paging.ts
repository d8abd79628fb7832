/**
 * Paging strategies shared by connectors. A connector says how to build a request and where
 * the next-page token lives; these loops do the walking, so no connector hand-rolls one.
 */
import type { CrmHttp, CrmRequest } from './connector.js';

/**
 * Token paging: request, read the next token from the body, repeat until there is none
 * (HubSpot `paging.next.after`, Pipedrive `additional_data.next_cursor`, Salesforce
 * `nextRecordsUrl`). A token seen twice stops the walk with an error instead of looping.
 */
export async function* followTokens<B>(
  http: CrmHttp,
  first: CrmRequest,
  parse: (body: unknown, req: CrmRequest) => B,
  next: (body: B, req: CrmRequest) => CrmRequest | null,
): AsyncGenerator<B> {
  let req: CrmRequest | null = first;
  const seen = new Set<string>();
  while (req) {
    const key = JSON.stringify([req.path, req.query, req.body]);
    if (seen.has(key)) throw new Error(`Paging loop: ${req.method ?? 'GET'} ${req.path} returned a cursor already followed.`);
    seen.add(key);
    const res = await http.request<unknown>(req);
    const body = parse(res.body, req);
    yield body;
    req = next(body, req);
  }
}

export type TimeWindow =
  /** Items modified at or after `ts` (ms), ascending by time. */
  | { kind: 'from'; ts: number; inclusive: boolean }
  /** Items modified exactly at `ts`, ascending by id, after `afterId`. */
  | { kind: 'at'; ts: number; afterId: string | null };

export interface KeysetSearch<T> {
  /** Page size the request asks for. */
  limit: number;
  request(window: TimeWindow): CrmRequest;
  parse(body: unknown, req: CrmRequest): T[];
  timeOf(item: T): number;
  idOf(item: T): string;
}

/**
 * Keyset paging on a modified-time property, for search APIs that cap offsets (HubSpot's
 * search refuses to page past 10,000 results). Every page is a fresh query starting at the
 * last timestamp seen, so there is no offset to cap, and a record edited mid-walk moves later
 * in the order instead of shifting the pages under us. Records sharing the last timestamp are
 * deduplicated by id; a page made only of one timestamp is drained by id (ascending) before
 * moving past it, however many records share that millisecond.
 *
 * Yields each page's new items and the resume point (the page's latest modified time).
 */
export async function* keysetByTime<T>(http: CrmHttp, spec: KeysetSearch<T>, fromTs: number): AsyncGenerator<{ items: T[]; checkpoint: number }> {
  let window: TimeWindow = { kind: 'from', ts: fromTs, inclusive: true };
  let seenAtTs = new Set<string>();
  for (;;) {
    const req = spec.request(window);
    const res = await http.request<unknown>(req);
    const items = spec.parse(res.body, req);
    const lastItem = items[items.length - 1];
    if (lastItem === undefined) return;
    const ts: number = window.ts;
    const fresh = items.filter((i) => !(spec.timeOf(i) === ts && seenAtTs.has(spec.idOf(i))));
    const lastTs = spec.timeOf(lastItem);
    if (fresh.length) yield { items: fresh, checkpoint: lastTs };
    if (items.length < spec.limit) return;
    if (lastTs === ts) {
      // A full page of one timestamp: drain that millisecond by id, then move strictly past it.
      for (const i of items) seenAtTs.add(spec.idOf(i));
      let afterId: string | null = null;
      for (;;) {
        const r2 = spec.request({ kind: 'at', ts, afterId });
        const tied = spec.parse((await http.request<unknown>(r2)).body, r2);
        const fresh2 = tied.filter((i) => !seenAtTs.has(spec.idOf(i)));
        for (const i of tied) seenAtTs.add(spec.idOf(i));
        if (fresh2.length) yield { items: fresh2, checkpoint: ts };
        const lastTied = tied[tied.length - 1];
        if (tied.length < spec.limit || lastTied === undefined) break;
        afterId = spec.idOf(lastTied);
      }
      window = { kind: 'from', ts, inclusive: false };
      seenAtTs = new Set();
      continue;
    }
    seenAtTs = new Set(items.filter((i) => spec.timeOf(i) === lastTs).map((i) => spec.idOf(i)));
    window = { kind: 'from', ts: lastTs, inclusive: true };
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight, results in input order. */
export async function mapConcurrent<I, O>(items: I[], concurrency: number, fn: (item: I) => Promise<O>): Promise<O[]> {
  const out: O[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
