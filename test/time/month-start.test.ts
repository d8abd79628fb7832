/**
 * One instant, two teams: 2026-11-30T23:00Z is 08:00 on Tuesday 1 December in Tokyo and 13:00 on
 * Monday 30 November in Honolulu. Reports, the Slack forecast headline, the digest and the alerts
 * must all say December (and day 1 December) for Tokyo, November (30 November) for Honolulu.
 *
 * Hand-built deals (amounts chosen so every sum says which deals it holds):
 *   W1  won 2026-11-30T16:00Z   1,000   (Tokyo: 1 Dec 01:00 — December; Honolulu: 30 Nov 06:00 — November)
 *   W2  won 2026-11-15T09:00Z     500   (November everywhere)
 *   O1  open, close 2026-12-15 10,000   (December everywhere)
 *   O2  open, close 2026-11-30  2,000   (Tokyo: overdue; Honolulu: closes this month)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { addDeals, seedFixture } from '../metrics/fixture.js';
import { computeReport } from '../../src/reports/compute.js';
import { reportProvider } from '../../src/jobs/context.js';
import { pipelineHistory } from '../../src/jobs/pipeline-history.js';
import { gatherDigest } from '../../src/jobs/digest.js';
import { detectAlerts } from '../../src/jobs/alerts.js';
import { readAlertSettings } from '../../src/settings/resolve.js';
import { reportSummary } from '../../src/views/report-summary.js';
import { saveSnapshotDay } from '../../store/snapshots.js';
import { addDays } from '../../src/time/calendar.js';

const CRM = 'hubspot';
const NOW = new Date('2026-11-30T23:00:00Z');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

function world() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  seedFixture(t.db, []);
  addDeals(t.db, [
    { id: 'W1', amount: 1000, created: '2026-11-01', closeDate: '2026-11-30', path: [['s-lead', '2026-11-01'], ['s-won', '2026-11-30T16:00:00.000Z']] },
    { id: 'W2', amount: 500, created: '2026-11-01', closeDate: '2026-11-15', path: [['s-lead', '2026-11-01'], ['s-won', '2026-11-15T09:00:00.000Z']] },
    { id: 'O1', amount: 10000, created: '2026-11-02', closeDate: '2026-12-15', path: [['s-lead', '2026-11-02'], ['s-prop', '2026-11-10']] },
    { id: 'O2', amount: 2000, created: '2026-11-03', closeDate: '2026-11-30', path: [['s-lead', '2026-11-03'], ['s-neg', '2026-11-20']] },
  ]);
  // Nine daily snapshots of a pipeline ten times today's, 22–30 November: the pipeline-drop
  // alert compares today with the 7 team days before today.
  for (let d = '2026-11-22'; d <= '2026-11-30'; d = addDays(d, 1)) {
    saveSnapshotDay(t.db, CRM, d, [{ pipelineId: 'p1', canonical: 'Proposal', count: 2, value: 120_000, weighted: 60_000, reconstructed: false, takenAt: `${d}T12:00:00.000Z` }]);
  }
  return t.db;
}

const TEAMS = [
  { tz: 'Asia/Tokyo', day: '2026-12-01', month: '2026-12', won: 1000, pipeline: 10000, overdue: { count: 1, value: 2000 }, label: 'Dec 2026', compared: ['2026-11-24', '2026-11-30'] },
  { tz: 'Pacific/Honolulu', day: '2026-11-30', month: '2026-11', won: 1500, pipeline: 2000, overdue: { count: 0, value: 0 }, label: 'Nov 2026', compared: ['2026-11-23', '2026-11-29'] },
] as const;

describe.each(TEAMS)('a team in $tz at 2026-11-30T23:00Z', (team) => {
  it('reports: this month, its won value, pipeline and overdue deals are the team’s', () => {
    const db = world();
    const f = computeReport(db, CRM, 'forecast', { now: NOW, timeZone: team.tz, months: 2 });
    expect(f.months[0]).toMatchObject({ month: team.month, won: team.won, pipeline: team.pipeline });
    expect(f.overdue).toEqual(team.overdue);
    expect(computeReport(db, CRM, 'quality', { now: NOW, timeZone: team.tz }).past_close_date).toBe(team.overdue.count);
    // since:1d is "since yesterday" on the team's calendar: W1 was won on the team's today or yesterday in both zones.
    const reps = computeReport(db, CRM, 'reps', { now: NOW, timeZone: team.tz, filters: { since: '1d' } });
    expect(reps.until).toBe(team.day);
    expect(reps.since).toBe(addDays(team.day, -1));
  });

  it('the Slack forecast headline names the team’s month', () => {
    const db = world();
    const f = computeReport(db, CRM, 'forecast', { now: NOW, timeZone: team.tz });
    const s = reportSummary('forecast', f, { filterText: '', freshness: { now: NOW, timeZone: team.tz, syncedAt: NOW.toISOString() }, requestedBy: 'U1' });
    expect(JSON.stringify(s.blocks)).toContain(`${team.label} forecast`);
  });

  it('digest: the day and "this month" agree with the reports', async () => {
    const db = world();
    const reports = reportProvider(db, CRM, () => team.tz);
    const d = await gatherDigest({ db, crm: CRM, timeZone: team.tz, reports, pipeline: pipelineHistory(db, CRM, reports), staleCutoff: () => new Date(0) }, NOW);
    expect(d.day).toBe(team.day);
    expect(d.kpis.forecastThisMonth).toEqual({ month: team.month, won: team.won, value: expect.any(Number) });
    expect(d.kpis.forecastThisMonth!.value).toBeCloseTo(team.won + computeReport(db, CRM, 'forecast', { now: NOW, timeZone: team.tz }).months[0]!.weighted, 6);
  });

  it('alerts: the pipeline drop compares today with the team’s previous days', async () => {
    const db = world();
    const reports = reportProvider(db, CRM, () => team.tz);
    const found = await detectAlerts({ db, crm: CRM, timeZone: team.tz, reports, pipeline: pipelineHistory(db, CRM, reports) }, NOW, readAlertSettings(db));
    const drop = found.findings.pipeline_drop[0]?.facts;
    expect(drop?.kind).toBe('pipeline_drop');
    const days = drop?.kind === 'pipeline_drop' ? drop.days.map((x) => x.day).sort() : [];
    expect([days[0], days.at(-1)]).toEqual(team.compared);
    expect(days).toHaveLength(7);
  });
});
