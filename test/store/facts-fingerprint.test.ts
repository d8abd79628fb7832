/**
 * The facts fingerprint that keeps a backtest (and the deal histories) between reports: it must
 * change whenever a refresh rewrites facts, and stay put otherwise, without scanning every fact.
 */
import { describe, expect, it } from 'vitest';
import { openDb } from '../../store/db.js';
import { refreshDerived } from '../../store/deal-facts.js';
import { factsFingerprint } from '../../store/report-queries.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { runSync } from '../../src/sync/engine.js';

const now = new Date('2026-11-24T08:00:00Z');

describe('factsFingerprint', () => {
  it('moves with every refresh that rewrites facts, and only then', async () => {
    const db = openDb(':memory:');
    await runSync(db, createDemoConnector({ seed: 3, deals: 200, now }), { now });
    refreshDerived(db, 'demo');
    const a = factsFingerprint(db, 'demo');
    // Nothing changed: same fingerprint.
    expect(refreshDerived(db, 'demo').mode).toBe('none');
    expect(factsFingerprint(db, 'demo')).toBe(a);
    // One amount changes: the refresh rewrites that deal's facts and the fingerprint moves.
    db.prepare("UPDATE deals SET amount = COALESCE(amount, 0) + 1 WHERE crm = 'demo' AND rowid = (SELECT MIN(rowid) FROM deals WHERE crm = 'demo')").run();
    refreshDerived(db, 'demo');
    const b = factsFingerprint(db, 'demo');
    expect(b).not.toBe(a);
    // A full rebuild of the same facts moves it too (a new generation), never back to an old one.
    refreshDerived(db, 'demo', { full: true });
    expect(factsFingerprint(db, 'demo')).not.toBe(b);
    expect(factsFingerprint(db, 'demo')).not.toBe(a);
    db.close();
  });
});
