/**
 * The pure half of reading a CRM's targets: goal dates against the team's fiscal calendar,
 * times rounded to the day a period starts, Pipedrive's goal intervals, and the reasons a goal
 * is left out.
 */
import { describe, expect, it } from 'vitest';
import { crmGoalsToTargets, nearestMidnight, periodOfDates } from '../../src/targets/crm-goals.js';
import { pdGoalTargets } from '../../src/connectors/pipedrive.js';
import { toCrmGoal } from '../../src/connectors/hubspot.js';
import { quotaToGoal } from '../../src/connectors/salesforce.js';
import type { CrmGoal } from '../../src/sync/connector.js';

describe('periodOfDates', () => {
  it('knows months, fiscal quarters and fiscal years, with a fiscal year starting in February', () => {
    expect(periodOfDates('2026-02-01', '2026-05-01', 2)).toEqual({ ok: true, kind: 'quarter' });
    expect(periodOfDates('2026-02-01', '2027-02-01', 2)).toEqual({ ok: true, kind: 'year' });
    expect(periodOfDates('2026-03-01', '2026-04-01', 2)).toEqual({ ok: true, kind: 'month' });
    // A calendar quarter is no fiscal quarter when the year starts in February.
    const q = periodOfDates('2026-01-01', '2026-04-01', 2);
    expect(q.ok).toBe(false);
    expect(!q.ok && q.reason).toBe(
      "it runs from 2026-01-01 to 2026-03-31, which is not a month, a fiscal quarter or a fiscal year of the team's calendar (the fiscal year starts in February); dealcast keeps targets for those periods only",
    );
    expect(periodOfDates('2026-01-15', '2026-02-15', 1).ok).toBe(false);
    expect(periodOfDates('2026-02-01', '2026-02-01', 1).ok).toBe(false);
  });
});

describe('nearestMidnight', () => {
  it('reads period bounds written at midnight of any zone within 12 hours of UTC, or the millisecond before', () => {
    expect(nearestMidnight('2025-01-01T00:00:00Z')).toBe('2025-01-01');
    expect(nearestMidnight('2025-01-31T23:59:59.999Z')).toBe('2025-02-01');
    expect(nearestMidnight('2024-12-31T15:00:00Z')).toBe('2025-01-01'); // midnight in Tokyo
    expect(nearestMidnight('2025-02-01T04:59:59.999Z')).toBe('2025-02-01'); // end of January in New York
    expect(nearestMidnight('not a time')).toBeNull();
  });
});

describe('crmGoalsToTargets', () => {
  const ctx = { fiscalStartMonth: 1, baseCurrency: 'SEK', ownerIds: new Set(['u1', 'u2']), pipelineIds: new Set(['p1']), teamIds: new Set(['t7']) };
  const goal = (over: Partial<CrmGoal>): CrmGoal => ({ id: 'g', name: 'n', start: '2026-10-01', end: '2027-01-01', scope: { kind: 'team' }, currency: 'USD', amount: 100, ...over });

  it('keeps the first goal of a period and scope, assumes the company currency, and says why the rest are left out', () => {
    const r = crmGoalsToTargets(
      [
        goal({ id: 'a', scope: { kind: 'rep', ownerId: 'u1' }, currency: null, amount: 5000 }),
        goal({ id: 'b', scope: { kind: 'rep', ownerId: 'u1' }, amount: 7000 }),
        goal({ id: 'c', scope: { kind: 'rep', ownerId: 'ghost' } }),
        goal({ id: 'd', scope: { kind: 'pipeline', pipelineId: 'p9' } }),
        goal({ id: 'e', amount: Number.NaN }),
        goal({ id: 'f', scope: { kind: 'pipeline', pipelineId: 'p1' }, start: '2026-12-01', end: '2027-01-01', currency: 'jpy', amount: 1_000_000 }),
        goal({ id: 'g', scope: { kind: 'sales_team', teamId: 't7' }, amount: 40_000 }),
        goal({ id: 'h', scope: { kind: 'sales_team', teamId: 't404' } }),
      ],
      ctx,
    );
    expect(r.targets).toEqual([
      { periodKind: 'quarter', periodStart: '2026-10-01', periodEnd: '2027-01-01', scopeKind: 'rep', scopeId: 'u1', currency: 'SEK', amount: 5000 },
      { periodKind: 'month', periodStart: '2026-12-01', periodEnd: '2027-01-01', scopeKind: 'pipeline', scopeId: 'p1', currency: 'JPY', amount: 1_000_000 },
      // A team's goal names the team by the CRM's id, so a team renamed in the CRM keeps it.
      { periodKind: 'quarter', periodStart: '2026-10-01', periodEnd: '2027-01-01', scopeKind: 'sales_team', scopeId: 'crm:t7', currency: 'USD', amount: 40_000 },
    ]);
    expect(r.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['b', 'goal a (n) already sets the target of the same period and rep; the first one is kept'],
      ['c', 'it is assigned to user ghost, who is not among the CRM’s deal owners'],
      ['d', 'it is for pipeline p9, which the CRM does not list'],
      ['e', 'its target (NaN) is not an amount zero or above'],
      ['h', 'it is assigned to team t404, which is not among the CRM’s teams dealcast could read'],
    ]);
    expect(crmGoalsToTargets([goal({ currency: null })], { ...ctx, baseCurrency: null }).skipped[0]!.reason).toMatch(/no currency/);
  });
});

describe('Pipedrive goals', () => {
  const pd = (over: Record<string, unknown> = {}) =>
    ({
      id: 'g1',
      title: 'Revenue',
      type: { name: 'deals_won', params: { pipeline_id: null } },
      assignee: { id: 7, type: 'person' },
      interval: 'quarterly',
      duration: { start: '2026-01-01', end: '2026-12-31' },
      expected_outcome: { target: 50_000, tracking_metric: 'sum', currency_id: 2 },
      ...over,
    }) as Parameters<typeof pdGoalTargets>[0];
  const cur = new Map([[2, 'EUR']]);

  it('give one target per interval of the duration, the target being per interval', () => {
    const r = pdGoalTargets(pd(), '2026-06-01', cur);
    expect(r.goals.map((g) => [g.start, g.end, g.amount, g.currency, g.scope])).toEqual([
      ['2026-01-01', '2026-04-01', 50_000, 'EUR', { kind: 'rep', ownerId: '7' }],
      ['2026-04-01', '2026-07-01', 50_000, 'EUR', { kind: 'rep', ownerId: '7' }],
      ['2026-07-01', '2026-10-01', 50_000, 'EUR', { kind: 'rep', ownerId: '7' }],
      ['2026-10-01', '2027-01-01', 50_000, 'EUR', { kind: 'rep', ownerId: '7' }],
    ]);
  });

  it('open-ended: up to the interval after the one holding today; a cut-short interval keeps its real end', () => {
    const open = pdGoalTargets(pd({ interval: 'monthly', duration: { start: '2026-10-01', end: null } }), '2026-11-15', cur);
    expect(open.goals.map((g) => g.start)).toEqual(['2026-10-01', '2026-11-01', '2026-12-01']);
    const short = pdGoalTargets(pd({ interval: 'monthly', duration: { start: '2026-10-01', end: '2026-11-14' } }), '2026-11-15', cur);
    expect(short.goals.map((g) => [g.start, g.end])).toEqual([
      ['2026-10-01', '2026-11-01'],
      ['2026-11-01', '2026-11-15'],
    ]);
  });

  it('a goal assigned to a team is that team\'s target, by the team id', () => {
    const r = pdGoalTargets(pd({ assignee: { id: 3, type: 'team' } }), '2026-06-01', cur);
    expect(r.skipped).toEqual([]);
    expect(r.goals.map((g) => g.scope)).toEqual(r.goals.map(() => ({ kind: 'sales_team', teamId: '3' })));
    expect(r.goals.map((g) => g.start)).toEqual(['2026-01-01', '2026-04-01', '2026-07-01', '2026-10-01']);
  });

  it('left out: deal counts, activities, weekly goals, reps and teams limited to pipelines', () => {
    const why = (over: Record<string, unknown>) => pdGoalTargets(pd(over), '2026-06-01', cur).skipped[0]?.reason;
    expect(why({ expected_outcome: { target: 12, tracking_metric: 'quantity' } })).toMatch(/deals_won by quantity, not revenue/);
    expect(why({ type: { name: 'activities_completed', params: {} }, expected_outcome: { target: 40, tracking_metric: 'quantity' } })).toMatch(/activities_completed/);
    expect(why({ interval: 'weekly' })).toMatch(/weekly/);
    expect(why({ assignee: { id: 3, type: 'team' }, type: { name: 'deals_won', params: { pipeline_id: [4] } } })).toMatch(/only pipeline 4, and a team's target/);
    expect(why({ type: { name: 'deals_won', params: { pipeline_id: [4] } } })).toMatch(/only pipeline 4/);
    expect(pdGoalTargets(pd({ assignee: { id: 1, type: 'company' }, type: { name: 'deals_won', params: { pipeline_id: [4] } } }), '2026-06-01', cur).goals[0]!.scope).toEqual({
      kind: 'pipeline',
      pipelineId: '4',
    });
  });
});

describe('HubSpot goal targets and Salesforce quotas', () => {
  const hs = (props: Record<string, string | null>) => ({
    id: '9',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    properties: { hs_goal_name: 'Q', hs_kpi_unit_type: 'currency', hs_target_amount: '5000.00', hs_start_datetime: '2026-01-01T00:00:00Z', hs_end_datetime: '2026-03-31T23:59:59.999Z', ...props },
  });

  it('HubSpot: an owner, a user mapped to its owner, the company, a team, one pipeline; a non-revenue KPI left out', () => {
    expect(toCrmGoal(hs({ hubspot_owner_id: '55' }), new Map())).toMatchObject({ start: '2026-01-01', end: '2026-04-01', scope: { kind: 'rep', ownerId: '55' }, amount: 5000, currency: null });
    expect(toCrmGoal(hs({ hs_assignee_user_id: '385' }), new Map([['385', '55']]))).toMatchObject({ scope: { kind: 'rep', ownerId: '55' } });
    expect(toCrmGoal(hs({ hs_pipeline_ids: 'default' }), new Map())).toMatchObject({ scope: { kind: 'pipeline', pipelineId: 'default' } });
    expect(toCrmGoal(hs({}), new Map())).toMatchObject({ scope: { kind: 'team' } });
    // HubSpot's goals guide: a team goal is assigned by hs_assignee_team_id (or hubspot_team_id).
    expect(toCrmGoal(hs({ hs_assignee_team_id: '12' }), new Map())).toMatchObject({ scope: { kind: 'sales_team', teamId: '12' } });
    expect(toCrmGoal(hs({ hubspot_team_id: '13' }), new Map())).toMatchObject({ scope: { kind: 'sales_team', teamId: '13' } });
    expect(toCrmGoal(hs({ hs_assignee_team_id: '12', hs_pipeline_ids: 'default' }), new Map())).toMatchObject({ reason: expect.stringMatching(/a team's target in dealcast counts every pipeline/) });
    expect(toCrmGoal(hs({ hs_kpi_unit_type: 'count', hs_goal_type: 'calls' }), new Map())).toMatchObject({ reason: expect.stringMatching(/counts count, not revenue/) });
    expect(toCrmGoal(hs({ hs_assignee_user_id: '1' }), new Map())).toMatchObject({ reason: expect.stringMatching(/not a deal owner/) });
  });

  it('Salesforce: the quota period from Period (EndDate is its last day); quantity and product-family quotas left out', () => {
    const periods = new Map([['026P', { Id: '026P', Type: 'Quarter', StartDate: '2026-02-01', EndDate: '2026-04-30' }]]);
    const q = { Id: '0J9', QuotaOwnerId: '005A', QuotaAmount: 250_000, IsAmount: true, StartDate: '2026-02-01', PeriodId: '026P', CurrencyIsoCode: 'EUR' };
    expect(quotaToGoal(q, periods, 'Opportunity Revenue')).toEqual({ id: '0J9', name: 'Opportunity Revenue quota', start: '2026-02-01', end: '2026-05-01', scope: { kind: 'rep', ownerId: '005A' }, currency: 'EUR', amount: 250_000 });
    expect(quotaToGoal({ ...q, IsQuantity: true, IsAmount: false, QuotaAmount: null, QuotaQuantity: 12 }, periods, 'X')).toMatchObject({ reason: expect.stringMatching(/quantity quota/) });
    expect(quotaToGoal({ ...q, ProductFamily: 'Hardware' }, periods, 'X')).toMatchObject({ reason: expect.stringMatching(/product family Hardware/) });
    expect(quotaToGoal({ ...q, PeriodId: '026Z' }, periods, 'X')).toMatchObject({ reason: expect.stringMatching(/026Z could not be read/) });
  });
});
