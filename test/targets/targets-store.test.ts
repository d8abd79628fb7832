import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/db.js';
import { effectiveTargets, saveTargets, type TargetInput } from '../../store/targets.js';

let t: ReturnType<typeof tempDb> | undefined;
afterEach(() => t?.cleanup());

const q4: Omit<TargetInput, 'amount' | 'scopeKind' | 'scopeId'> = { periodKind: 'quarter', periodStart: '2026-11-01', periodEnd: '2027-02-01', currency: 'USD' };
const audit = (db: import('../../store/db.js').Db) =>
  (db.prepare('SELECT user_id, what, old, new FROM settings_audit ORDER BY id').all() as { user_id: string; what: string; old: string | null; new: string }[]).map((r) => ({
    ...r,
    old: r.old === null ? null : JSON.parse(r.old),
    new: JSON.parse(r.new),
  }));

describe('targets store', () => {
  it('a Slack-edited target wins over the CRM one, a later CRM sync does not undo it, and each change by a person is audited', () => {
    t = tempDb();
    const db = t.db;
    const now = new Date('2026-12-01T10:00:00Z');
    saveTargets(db, 'hubspot', [{ ...q4, scopeKind: 'rep', scopeId: '42', amount: 300_000 }], { source: 'hubspot', userId: null, now });
    expect(effectiveTargets(db, 'hubspot', 'quarter', '2026-11-01').map((x) => [x.source, x.amount])).toEqual([['hubspot', 300_000]]);
    expect(audit(db)).toEqual([]);

    const r = saveTargets(db, 'hubspot', [{ ...q4, scopeKind: 'rep', scopeId: '42', amount: 350_000 }], { source: 'slack', userId: 'U123', now });
    expect(r).toEqual({ added: 1, changed: 0, unchanged: 0 });
    // The CRM changes its own number later: still the Slack one in effect.
    saveTargets(db, 'hubspot', [{ ...q4, scopeKind: 'rep', scopeId: '42', amount: 280_000 }], { source: 'hubspot', userId: null, now });
    expect(effectiveTargets(db, 'hubspot', 'quarter', '2026-11-01').map((x) => [x.source, x.amount])).toEqual([['slack', 350_000]]);
    expect(audit(db)).toEqual([
      {
        user_id: 'U123',
        what: 'target:hubspot:quarter:2026-11-01:rep:42',
        old: { amount: 300_000, currency: 'USD', source: 'hubspot' },
        new: { amount: 350_000, currency: 'USD', source: 'slack' },
      },
    ]);
    // Saving the same value again changes nothing and writes no audit row.
    expect(saveTargets(db, 'hubspot', [{ ...q4, scopeKind: 'rep', scopeId: '42', amount: 350_000 }], { source: 'slack', userId: 'U123', now })).toEqual({
      added: 0,
      changed: 0,
      unchanged: 1,
    });
    expect(audit(db)).toHaveLength(1);
  });

  it('CSV wins over the CRM, Slack over CSV; targets are per CRM and per period; team first, then pipelines, then reps', () => {
    t = tempDb();
    const db = t.db;
    const now = new Date('2026-12-01T10:00:00Z');
    saveTargets(db, 'demo', [{ ...q4, scopeKind: 'team', scopeId: '', amount: 1_000_000 }], { source: 'demo', userId: null, now });
    saveTargets(
      db,
      'demo',
      [
        { ...q4, scopeKind: 'team', scopeId: '', amount: 1_200_000 },
        { ...q4, scopeKind: 'rep', scopeId: 'u-1', amount: 200_000 },
        { ...q4, scopeKind: 'pipeline', scopeId: 'enterprise', currency: 'EUR', amount: 500_000 },
      ],
      { source: 'csv', userId: 'csv-import', now },
    );
    saveTargets(db, 'demo', [{ ...q4, scopeKind: 'rep', scopeId: 'u-1', amount: 250_000 }], { source: 'slack', userId: 'U9', now });
    saveTargets(db, 'demo', [{ ...q4, periodStart: '2026-08-01', periodEnd: '2026-11-01', scopeKind: 'team', scopeId: '', amount: 9 }], { source: 'csv', userId: 'x', now });
    saveTargets(db, 'hubspot', [{ ...q4, scopeKind: 'team', scopeId: '', amount: 7 }], { source: 'hubspot', userId: null, now });
    expect(effectiveTargets(db, 'demo', 'quarter', '2026-11-01').map((x) => [x.scopeKind, x.scopeId, x.source, x.currency, x.amount])).toEqual([
      ['team', '', 'csv', 'USD', 1_200_000],
      ['pipeline', 'enterprise', 'csv', 'EUR', 500_000],
      ['rep', 'u-1', 'slack', 'USD', 250_000],
    ]);
  });

  it('saves all or nothing: a bad row rolls back the rows before it', () => {
    t = tempDb();
    const db = t.db;
    const now = new Date('2026-12-01T10:00:00Z');
    expect(() =>
      saveTargets(
        db,
        'demo',
        [
          { ...q4, scopeKind: 'team', scopeId: '', amount: 1 },
          { ...q4, scopeKind: 'rep', scopeId: 'x', amount: -5 },
        ],
        { source: 'csv', userId: 'csv-import', now },
      ),
    ).toThrow();
    expect(effectiveTargets(db, 'demo', 'quarter', '2026-11-01')).toEqual([]);
    expect(audit(db)).toEqual([]);
  });
});
