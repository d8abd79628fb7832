/**
 * What the settings modal needs from the metrics: the calibrated win probability of each open
 * canonical stage of one pipeline, learned from its won/lost history exactly as the reports
 * learn it (src/metrics/probabilities.ts calibrate, same look-back and sample minimum) but with
 * admin overrides left out, so the admin sees what history says, not their own number back. It
 * reads the report tables as they are (the write side keeps them current).
 */
import { OPEN_CANONICAL_STAGES, isCanonicalStage } from '../model/canonical-stages.js';
import { CALIBRATION_MIN_SAMPLE, calibrate } from '../metrics/probabilities.js';
import { dayStartS, todayIn } from '../time/calendar.js';
import type { CalibrationHints } from '../views/settings-modal.js';
import type { Db } from '../../store/db.js';
import { closedByDepth, stageProbabilityInputs } from '../../store/report-queries.js';

/** Same look-back as the reports' calibration (src/reports/compute.ts DEFAULT_LOOKBACK_DAYS). */
export const SETTINGS_CALIBRATION_LOOKBACK_DAYS = 365;

export function calibrationHintsFor(db: Db, crm: string, pipelineId: string, now: Date, timeZone: string): CalibrationHints {
  const stages = stageProbabilityInputs(db, crm, [pipelineId]).map((s) => ({ ...s, adminProbability: null }));
  const today = todayIn(now, timeZone);
  const closed = closedByDepth(
    db,
    crm,
    { pipelineIds: [pipelineId] },
    dayStartS(today + 1 - SETTINGS_CALIBRATION_LOOKBACK_DAYS, timeZone),
    dayStartS(today + 1, timeZone),
  );
  const rows = calibrate(stages, closed, { minSample: CALIBRATION_MIN_SAMPLE }).calibration.stages;
  const out: CalibrationHints = {};
  for (const r of rows) {
    if (!isCanonicalStage(r.stage) || !OPEN_CANONICAL_STAGES.includes(r.stage)) continue;
    out[r.stage] = { probability: r.probability, sample: r.sample, enough: r.source === 'history' };
  }
  return out;
}
