/**
 * What the settings modal needs from the metrics: the calibrated win probability of each open
 * canonical stage of one pipeline, learned from its won/lost history exactly as the reports
 * learn it (src/metrics/probabilities.ts calibrate, same look-back and sample minimum) but with
 * admin overrides left out, so the admin sees what history says, not their own number back; and
 * the refresh of the derived report tables after the stage map changed.
 */
import { OPEN_CANONICAL_STAGES, isCanonicalStage } from '../model/canonical-stages.js';
import { CALIBRATION_MIN_SAMPLE, calibrate } from '../metrics/probabilities.js';
import { epochDay } from '../metrics/periods.js';
import type { CalibrationHints } from '../views/settings-modal.js';
import type { Db } from '../../store/db.js';
import { ensureDerivedFresh, refreshDerived } from '../../store/deal-facts.js';
import { closedByDepth, stageProbabilityInputs } from '../../store/report-queries.js';

/** Same look-back as the reports' calibration (src/reports/compute.ts DEFAULT_LOOKBACK_DAYS). */
export const SETTINGS_CALIBRATION_LOOKBACK_DAYS = 365;

export function calibrationHintsFor(db: Db, crm: string, pipelineId: string, now: Date): CalibrationHints {
  ensureDerivedFresh(db, crm);
  const stages = stageProbabilityInputs(db, crm, [pipelineId]).map((s) => ({ ...s, adminProbability: null }));
  const today = epochDay(now);
  const closed = closedByDepth(db, crm, { pipelineIds: [pipelineId] }, today + 1 - SETTINGS_CALIBRATION_LOOKBACK_DAYS, today + 1);
  const rows = calibrate(stages, closed, { minSample: CALIBRATION_MIN_SAMPLE }).calibration.stages;
  const out: CalibrationHints = {};
  for (const r of rows) {
    if (!isCanonicalStage(r.stage) || !OPEN_CANONICAL_STAGES.includes(r.stage)) continue;
    out[r.stage] = { probability: r.probability, sample: r.sample, enough: r.source === 'history' };
  }
  return out;
}

/** After a stage-map save: bring the derived report tables up to date now, not at the next report. */
export function refreshReportTables(db: Db, crm: string): void {
  refreshDerived(db, crm);
}
