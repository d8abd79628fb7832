/**
 * Win probabilities: calibration from history, the CRM's own, admin overrides, and which one
 * weights each deal. The one definition of "weighted value".
 */
import { DEFAULT_CANONICAL_PROBABILITY, OPEN_CANONICAL_STAGES, type CanonicalStage } from '../model/canonical-stages.js';
import type { CalibrationReport, CalibrationRow } from './report-types.js';

/** A CRM stage as the probability rules see it. */
export interface StageProbabilityInput {
  stageId: string;
  canonical: CanonicalStage;
  included: boolean;
  /** The CRM's own probability for this stage (0..1), or null. */
  crmProbability: number | null;
  /** Admin override from the stage map (0..1), or null. */
  adminProbability: number | null;
}

/** Closed deals grouped by the deepest stage they reached: deepest 0..4 (4 = Closed Won), won or lost. */
export interface ClosedByDepthRow {
  deepest: number;
  won: boolean;
  count: number;
}

export interface CalibrationOptions {
  /** Below this many closed deals that reached a stage, fall back to the CRM/default probability. */
  minSample?: number;
  /** Strength of the Beta prior (pseudo-deals) pulling history toward the CRM/default probability. */
  priorStrength?: number;
}

export const CALIBRATION_MIN_SAMPLE = 20;
export const CALIBRATION_PRIOR_STRENGTH = 10;

export interface Probabilities {
  calibration: CalibrationReport;
  /** Calibrated probability per open canonical depth 0..3 (what the calibration rows say). */
  byDepth: number[];
  /** The CRM's probability per open canonical depth 0..3 (mean of its stages; default if none). */
  crmByDepth: number[];
  /** Probability used to weight a deal in this CRM stage: admin > history > CRM stage > default. */
  forStage(stageId: string | null, depth: number): number;
  /** The CRM's own probability for a deal in this CRM stage (default for its canonical stage if none). */
  crmForStage(stageId: string | null, depth: number): number;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Calibration per open canonical stage s:
 *   sample   = closed deals (in the look-back window) whose deepest stage >= s
 *   won      = of those, the won ones
 *   history  = won / sample (raw)
 *   prior    = mean CRM probability of the included CRM stages mapped to s, else the default
 *   calibrated = (won + k * prior) / (sample + k)      (Beta prior of k pseudo-deals, k = 10)
 * Used when sample >= 20 (source 'history'); otherwise the prior is used (source 'crm' or
 * 'default'). When every included CRM stage mapped to s has an admin override, the row shows
 * their mean (source 'admin'); a deal in an overridden CRM stage always uses the override.
 */
export function calibrate(stages: StageProbabilityInput[], closed: ClosedByDepthRow[], opts: CalibrationOptions = {}): Probabilities {
  const minSample = opts.minSample ?? CALIBRATION_MIN_SAMPLE;
  const k = opts.priorStrength ?? CALIBRATION_PRIOR_STRENGTH;
  const rows: CalibrationRow[] = [];
  const byDepth: number[] = [];
  const crmByDepth: number[] = [];
  const historyUsed: boolean[] = [];
  OPEN_CANONICAL_STAGES.forEach((stage, depth) => {
    const mine = stages.filter((s) => s.included && s.canonical === stage);
    const crm = mean(mine.map((s) => s.crmProbability).filter((p): p is number => p !== null));
    const prior = crm ?? DEFAULT_CANONICAL_PROBABILITY[stage];
    let sample = 0;
    let won = 0;
    for (const r of closed) {
      if (r.deepest >= depth) {
        sample += r.count;
        if (r.won) won += r.count;
      }
    }
    const history = sample > 0 ? won / sample : null;
    const enough = sample >= minSample;
    let probability = enough ? (won + k * prior) / (sample + k) : prior;
    let source: CalibrationRow['source'] = enough ? 'history' : crm !== null ? 'crm' : 'default';
    const overrides = mine.map((s) => s.adminProbability);
    if (mine.length > 0 && overrides.every((p) => p !== null)) {
      probability = mean(overrides as number[]) as number;
      source = 'admin';
    }
    historyUsed.push(enough);
    byDepth.push(probability);
    crmByDepth.push(prior);
    rows.push({ stage, probability, source, sample, history_probability: history, crm_probability: crm });
  });
  const byId = new Map(stages.map((s) => [s.stageId, s]));
  const clampDepth = (d: number) => Math.max(0, Math.min(3, d));
  return {
    calibration: { stages: rows },
    byDepth,
    crmByDepth,
    forStage(stageId, depth) {
      const d = clampDepth(depth);
      const s = stageId ? byId.get(stageId) : undefined;
      if (s?.adminProbability != null) return s.adminProbability;
      if (historyUsed[d]) return byDepth[d] as number;
      // Below the sample minimum: the deal's own CRM stage probability, else the row's prior.
      if (s?.crmProbability != null) return s.crmProbability;
      return crmByDepth[d] as number;
    },
    crmForStage(stageId, depth) {
      const s = stageId ? byId.get(stageId) : undefined;
      return s?.crmProbability ?? DEFAULT_CANONICAL_PROBABILITY[OPEN_CANONICAL_STAGES[clampDepth(depth)]!];
    },
  };
}
