/**
 * Checks a CRM answer against the shape a connector expects. A mismatch becomes a
 * PayloadShapeError naming the field ("the CRM answered, but not as expected"), never a crash
 * deep inside a mapper or a row of silent blanks.
 */
import type { z } from 'zod';
import { PayloadShapeError } from '../errors.js';

export function parsePayload<S extends z.ZodType>(schema: S, body: unknown, crm: string, where: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new PayloadShapeError(
    crm,
    where,
    parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}
