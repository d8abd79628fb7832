/**
 * Two win rates on the same data (issue 17): the funnel's counts deals *created* in its window
 * that have closed, the digest's and velocity's deals *closed* in theirs. They differ by design;
 * each surface says which one it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { funnelChart } from '../../charts/funnel.js';
import { formatReport } from '../../src/cli/report-format.js';
import { computeReport } from '../../src/reports/compute.js';
import { reportSummary } from '../../src/views/report-summary.js';
import { addDeals, CRM, NOW, seedFixture } from '../metrics/fixture.js';
import { tempDb } from '../helpers/db.js';

let t: ReturnType<typeof tempDb>;
beforeAll(() => {
  t = tempDb();
  seedFixture(t.db, []);
  // Today 2026-06-15. Funnel cohort: created since 2025-12-17 (180 days). Velocity: closed since 2026-03-18 (90 days).
  addDeals(t.db, [
    // 山田: created before the cohort, won in the window → closed win rate only.
    { id: '山田', amount: 1000, created: '2025-11-01', path: [['s-lead', '2025-11-01'], ['s-won', '2026-04-10']] },
    // محمد: the same.
    { id: 'محمد', amount: 1000, created: '2025-11-15', path: [['s-lead', '2025-11-15'], ['s-won', '2026-05-01']] },
    // שרה: in the cohort, lost before the velocity window → cohort win rate only.
    { id: 'שרה', amount: 1000, created: '2026-01-10', path: [['s-lead', '2026-01-10'], ['s-lost', '2026-02-01']] },
    // 민수, Ana, Bo: in both.
    { id: '민수', amount: 1000, created: '2026-02-01', path: [['s-lead', '2026-02-01'], ['s-lost', '2026-04-01']] },
    { id: 'Ana', amount: 1000, created: '2026-03-01', path: [['s-lead', '2026-03-01'], ['s-won', '2026-05-20']] },
    { id: 'Bo', amount: 1000, created: '2026-04-01', path: [['s-lead', '2026-04-01'], ['s-lost', '2026-04-20']] },
    // Cy: in the cohort, still open.
    { id: 'Cy', amount: 1000, created: '2026-05-01', path: [['s-lead', '2026-05-01'], ['s-prop', '2026-05-10']] },
  ]);
});
afterAll(() => t.cleanup());

const opts = { now: NOW, timeZone: 'UTC' };
const freshness = { syncedAt: NOW.toISOString(), now: NOW, timeZone: 'UTC' };

describe('the funnel’s cohort win rate and the closed-deal win rate', () => {
  it('are worked out from different deals, and each says which', () => {
    const funnel = computeReport(t.db, CRM, 'funnel', opts);
    const velocity = computeReport(t.db, CRM, 'velocity', opts);
    // Cohort (created since 2025-12-17): שרה 민수 Ana Bo Cy; closed: Ana won; שרה 민수 Bo lost → 1 / 4.
    expect(funnel.cohort).toMatchObject({ from: '2025-12-17', deals: 5, won: 1, lost: 3, open: 1 });
    expect(funnel.win_rate).toBe(0.25);
    expect(funnel.win_rate_basis).toBe('cohort');
    // Closed since 2026-03-18: 山田 محمد Ana won; 민수 Bo lost → 3 / 5.
    expect(velocity.current.window_from).toBe('2026-03-18');
    expect(velocity.current.win_rate).toBe(0.6);

    // Slack: the funnel's and velocity's summaries name their win rate.
    const f = JSON.stringify(reportSummary('funnel', funnel, { filterText: '', freshness }));
    expect(f).toContain('*Win rate of deals created since 2025-12-17*\\n25%');
    const fText = reportSummary('funnel', funnel, { filterText: '', freshness }).text;
    expect(fText).toMatch(/^Conversion funnel: Win rate of deals created since 2025-12-17 25%/i);
    const v = JSON.stringify(reportSummary('velocity', velocity, { filterText: '', freshness }));
    expect(v).toContain('*Win rate of deals closed since 2026-03-18*\\n60%');

    // The funnel chart's headline and the text report.
    expect(JSON.stringify(funnelChart(funnel))).toContain('5 deals created · 25% of those closed were won');
    const text = formatReport('funnel', funnel);
    expect(text).toContain('Cohort win rate: 25.0% of the deals created 2025-12-17 … 2026-06-15 that have closed');
    expect(text).toContain('Not the digest’s win rate, which counts the deals closed in a recent window');
    expect(formatReport('velocity', velocity)).toMatch(/ × 60\.0% win rate \(of deals closed since 2026-03-18\) × /);
  });
});
