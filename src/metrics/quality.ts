/**
 * Data-quality checks a RevOps person expects, as pure functions over plain rows:
 * amounts far outside the distribution (robust z-score) and stage names that look like a
 * different canonical stage than the one they are mapped to.
 */
import { canonicalByName, canonicalDepth, type CanonicalStage } from '../model/canonical-stages.js';

/** |robust z| above this is an outlier (Iglewicz and Hoaglin's modified z-score cut-off). */
export const OUTLIER_Z = 3.5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/**
 * Amounts whose modified z-score 0.6745 × (x − median) / MAD exceeds OUTLIER_Z, largest first.
 * Needs at least 5 amounts and a spread (MAD > 0); otherwise nothing is called an outlier.
 */
export function amountOutliers<T extends { amount: number }>(rows: T[], z = OUTLIER_Z): { median: number | null; outliers: (T & { z: number })[] } {
  if (rows.length < 5) return { median: rows.length ? median(rows.map((r) => r.amount)) : null, outliers: [] };
  const med = median(rows.map((r) => r.amount));
  const mad = median(rows.map((r) => Math.abs(r.amount - med)));
  if (!(mad > 0)) return { median: med, outliers: [] };
  const out = rows
    .map((r) => ({ ...r, z: (0.6745 * (r.amount - med)) / mad }))
    .filter((r) => Math.abs(r.z) > z)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  return { median: med, outliers: out };
}

export interface MappedStage {
  stage: string;
  pipeline: string;
  canonical: CanonicalStage;
}

/**
 * Stages whose name says something else than their mapping: a won/lost name mapped elsewhere
 * (or an open name mapped to won/lost), or an open name two or more stages away from the open
 * stage it is mapped to. (Nearby open stages are left alone: the first mapping deliberately
 * orders them by their place in the pipeline.)
 */
export function stageNameMismatches(stages: MappedStage[]): (MappedStage & { looks_like: CanonicalStage })[] {
  const out: (MappedStage & { looks_like: CanonicalStage })[] = [];
  for (const s of stages) {
    const guess = canonicalByName(s.stage);
    if (!guess || guess === s.canonical) continue;
    const closed = (c: CanonicalStage) => c === 'Closed Won' || c === 'Closed Lost';
    const far = !closed(guess) && !closed(s.canonical) && Math.abs(canonicalDepth(guess) - canonicalDepth(s.canonical)) >= 2;
    if (closed(guess) || closed(s.canonical) || far) out.push({ ...s, looks_like: guess });
  }
  return out;
}
