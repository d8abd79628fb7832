/**
 * The deals list's two modes: stuck (2× the stage's mean, only where the mean rests on enough
 * closed history) and every open deal (threshold 0), which must not depend on that history.
 */
import { describe, expect, it } from 'vitest';
import { stuckCutoffs, stuckDeals, type OpenDealCandidate } from '../../src/metrics/stuck-deals.js';
import type { TimeInStageRow } from '../../src/metrics/time-in-stage.js';

const NOW = new Date('2026-12-05T00:00:00Z');
const nowS = NOW.getTime() / 1000;
const DAY = 86_400;
// Lead has a usable mean of 10 days (12 deals left it); the other stages have too little history.
const times: TimeInStageRow[] = [
  { stage: 'Lead', sample: 12, mean_days: 10, median_days: 9 },
  { stage: 'Qualified', sample: 2, mean_days: 20, median_days: 20 },
  { stage: 'Proposal', sample: 0, mean_days: null, median_days: null },
  { stage: 'Negotiation', sample: 0, mean_days: null, median_days: null },
];
const deal = (id: string, depth: number, daysInStage: number): OpenDealCandidate => ({
  id,
  name: id,
  amount: 1000,
  depth,
  crmStage: 'x',
  owner: '山田 太郎',
  pipeline: null,
  stageSince: nowS - daysInStage * DAY,
  closeDay: null,
});
const deals = [deal('lead-25d', 0, 25), deal('lead-5d', 0, 5), deal('qual-90d', 1, 90), deal('neg-3d', 3, 3)];

describe('stuck deals and the open-deals list', () => {
  it('stuck: only stages with a usable mean, at 2× it (Lead: 20 days)', () => {
    expect(stuckCutoffs(times, { now: NOW, minSample: 10 })).toEqual([nowS - 20 * DAY, null, null, null]);
    expect(stuckDeals(deals, times, { now: NOW, minSample: 10 }).map((d) => d.id)).toEqual(['lead-25d']);
  });

  it('threshold 0: every open deal, in every stage, whatever the history', () => {
    expect(stuckCutoffs(times, { now: NOW, minSample: 10, threshold: 0 })).toEqual([nowS, nowS, nowS, nowS]);
    expect(
      stuckDeals(deals, times, { now: NOW, minSample: 10, threshold: 0 })
        .map((d) => d.id)
        .sort(),
    ).toEqual(['lead-25d', 'lead-5d', 'neg-3d', 'qual-90d']);
  });
});
