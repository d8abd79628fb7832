/**
 * Validation of CRM answers with zod: a payload that does not match what a connector expects
 * fails as a PayloadShapeError naming the field (e.g. `results[3].properties.amount`), never
 * as a crash deeper down or a silent blank.
 */
import type { z } from 'zod';
import { PayloadShapeError } from '../errors.js';

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Parses `body` with `schema`; `where` names the request, e.g. "GET /crm/v3/owners". */
export function parsePayload<S extends z.ZodType>(schema: S, body: unknown, crm: string, where: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new PayloadShapeError(
    crm,
    where,
    r.error.issues.slice(0, 5).map((i) => ({ path: pathOf(i.path), message: i.message })),
  );
}
