import { describe, expect, it } from 'vitest';
import { parseTargetAmount, parseTargetsCsv } from '../../src/targets/csv.js';

const ctx = {
  fiscalStartMonth: 2,
  owners: [
    { id: 'u-1', name: '山田 太郎', email: 'yamada@example.com' },
    { id: 'u-2', name: 'محمد علي', email: null },
    { id: 'u-3', name: 'Dana', email: null },
    { id: 'u-4', name: 'Dana', email: null },
  ],
  pipelines: [{ id: 'enterprise', name: 'Enterprise' }],
  teams: [
    { id: 'crm:42', name: 'EMEA' },
    { id: 'slack:t1', name: '東京チーム' },
    { id: 'slack:t2', name: 'Dana' },
    { id: 'crm:9', name: 'Dana' },
  ],
};

describe('targets CSV', () => {
  it('reads fiscal periods, scopes by name, email or id, amounts with thousands separators', () => {
    const csv = [
      '\ufeffPeriod,Start,Scope,Name,Currency,Amount',
      'quarter,2026-11-01,team,,usd,"1,200,000"',
      'quarter,2026-11-01,rep,山田 太郎,USD,300000',
      'quarter,2026-11-01,rep,محمد علي,USD,250000.50',
      'month,2026-12-01,pipeline,enterprise,EUR,500 000',
      'year,2026-02-01,rep,u-3,USD,0',
      'quarter,2026-11-01,team,emea,EUR,400000',
      'quarter,2026-11-01,team,東京チーム,JPY,50000000',
      'month,2026-11-01,company,,USD,90000',
      'month,2026-11-01,team,crm:9,USD,1',
    ].join('\n');
    const r = parseTargetsCsv(csv, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.targets.map((x) => [x.periodKind, x.periodStart, x.periodEnd, x.scopeKind, x.scopeId, x.currency, x.amount])).toEqual([
      ['quarter', '2026-11-01', '2027-02-01', 'team', '', 'USD', 1_200_000],
      ['quarter', '2026-11-01', '2027-02-01', 'rep', 'u-1', 'USD', 300_000],
      ['quarter', '2026-11-01', '2027-02-01', 'rep', 'u-2', 'USD', 250_000.5],
      ['month', '2026-12-01', '2027-01-01', 'pipeline', 'enterprise', 'EUR', 500_000],
      ['year', '2026-02-01', '2027-02-01', 'rep', 'u-3', 'USD', 0],
      // A named team is stored by its id (CRM or Slack), never by its name.
      ['quarter', '2026-11-01', '2027-02-01', 'sales_team', 'crm:42', 'EUR', 400_000],
      ['quarter', '2026-11-01', '2027-02-01', 'sales_team', 'slack:t1', 'JPY', 50_000_000],
      ['month', '2026-11-01', '2026-12-01', 'team', '', 'USD', 90_000],
      ['month', '2026-11-01', '2026-12-01', 'sales_team', 'crm:9', 'USD', 1],
    ]);
  });

  it('lists every bad line with its number and returns no targets', () => {
    const csv = [
      'period,start,scope,name,currency,amount',
      'quarter,2026-10-01,team,,USD,1', // 2: not a fiscal quarter start with a February year
      'week,2026-11-01,team,,USD,1', // 3
      'quarter,2026-11-01,rep,Nobody,USD,1', // 4
      'quarter,2026-11-01,rep,Dana,USD,1', // 5: two owners called Dana
      'quarter,2026-11-01,team,,dollars,1', // 6
      'quarter,2026-11-01,team,,USD,-5', // 7
      'quarter,2026-11-01,team,,USD,"1.200.000,00"', // 8
      'quarter,2026-11-01,team,,USD,10', // 9: fine
      'quarter,2026-11-01,team,,USD,11', // 10: duplicate of 9
      'quarter,2026-11-01,pipeline,,USD,11', // 11: no name
      'quarter,2026-11-01,team,Nowhere,USD,11', // 12: no such team
      'quarter,2026-11-01,team,Dana,USD,11', // 13: two teams called Dana
      'quarter,2026-11-01,company,EMEA,USD,11', // 14: the company has no name
      'quarter,2026-11-01,company,,USD,12', // 15: the company again (line 9)
    ].join('\n');
    const r = parseTargetsCsv(csv, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    expect(r.problems[0]!.message).toContain('February, May, August or November');
    expect(r.problems[2]!.message).toContain('no deal owner matches "Nobody"');
    expect(r.problems[3]!.message).toContain('u-3, u-4');
    expect(r.problems[7]!.message).toContain('line 9');
    expect(r.problems[9]!.message).toBe('no team matches "Nowhere" (teams: EMEA, 東京チーム, Dana, Dana).');
    expect(r.problems[10]!.message).toContain('give the id instead (slack:t2, crm:9)');
    expect(r.problems[11]!.message).toContain('a company target has no name');
    expect(r.problems[12]!.message).toContain('line 9');
  });

  it('refuses a file without the needed columns', () => {
    const r = parseTargetsCsv('period,start,amount\nquarter,2026-11-01,5\n', ctx);
    expect(r).toEqual({ ok: false, problems: [{ line: 1, message: expect.stringContaining('missing columns scope, currency') }] });
  });

  it('amounts', () => {
    expect(parseTargetAmount('1,200,000')).toBe(1_200_000);
    expect(parseTargetAmount('1_200_000.25')).toBe(1_200_000.25);
    expect(parseTargetAmount('12,00')).toBeNull();
    expect(parseTargetAmount('12k')).toBeNull();
    expect(parseTargetAmount('')).toBeNull();
  });
});
