import { describe, expect, it } from 'vitest';
import { dealsAtRisk, forecastRange, openValue } from '../../src/metrics/home.js';
import type { HomeDeal } from '../../store/home-queries.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const d = (id: string, extra: Partial<HomeDeal> = {}): HomeDeal => ({
  id,
  name: id,
  amount: 1000,
  currency: 'USD',
  stage: 'Proposal',
  closeDate: '2026-12-10',
  stageEnteredAt: null,
  lastActivityAt: '2026-11-20T00:00:00.000Z',
  probability: 0.5,
  ownerId: 'o1',
  ...extra,
});

describe('home metrics', () => {
  it('flags past close date, no recent activity and stuck deals, most reasons first', () => {
    const r = dealsAtRisk([d('ok'), d('late', { closeDate: '2026-11-01' }), d('quiet', { lastActivityAt: '2026-10-01T00:00:00.000Z', closeDate: '2026-10-01' }), d('stuck')], NOW, {
      stuckIds: new Set(['stuck']),
      activitiesAvailable: true,
    });
    expect(r.map((x) => [x.deal.id, x.reasons])).toEqual([
      ['quiet', ['past_close', 'no_activity']],
      ['late', ['past_close']],
      ['stuck', ['stuck']],
    ]);
    // Without activity data, silence is not a risk.
    expect(dealsAtRisk([d('x', { lastActivityAt: null })], NOW, { stuckIds: new Set(), activitiesAvailable: false })).toEqual([]);
  });

  it('gives a per-currency 30-day range around the expected value, never mixing currencies', () => {
    const r = forecastRange(
      [d('a'), d('b', { amount: 3000, probability: 0.2 }), d('y', { currency: 'JPY', amount: 1_000_000, probability: 1 }), d('far', { closeDate: '2027-03-01' }), d('nop', { probability: null })],
      NOW,
    );
    const usd = r.find((x) => x.currency === 'USD')!;
    expect(usd.deals).toBe(3);
    expect(usd.unpriced).toBe(1);
    expect(usd.expected).toBeCloseTo(0.5 * 1000 + 0.2 * 3000);
    const sd = Math.sqrt(0.25 * 1e6 + 0.16 * 9e6);
    expect(usd.low).toBeCloseTo(Math.max(0, 1100 - 1.2816 * sd));
    expect(usd.high).toBeCloseTo(Math.min(4000, 1100 + 1.2816 * sd));
    // A certain deal has no spread.
    expect(r.find((x) => x.currency === 'JPY')).toMatchObject({ expected: 1_000_000, low: 1_000_000, high: 1_000_000 });
    expect(openValue([d('a'), d('y', { currency: 'JPY', amount: 5 })])).toEqual([
      { currency: 'USD', count: 1, value: 1000 },
      { currency: 'JPY', count: 1, value: 5 },
    ]);
  });
});
