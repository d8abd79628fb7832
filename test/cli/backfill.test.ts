import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/backfill.js';
import { createConnector } from '../../src/connectors/index.js';
import { loadConfig } from '../../src/config.js';
import { runSync } from '../../src/sync/engine.js';
import { getDeal } from '../../store/deals.js';
import { openDb } from '../../store/db.js';
import { createCrmModel } from '../fakes/crm-model.js';
import { tempDb } from '../helpers/db.js';
import { virtualClock } from '../helpers/clock.js';
import { CONTRACT_CASES } from '../connectors/contract-cases.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe.each(CONTRACT_CASES)('dealcast backfill: $crm', (c) => {
  it('fills missing stage-entry dates from the CRM history, only where empty, and is safe to rerun', async () => {
    const model = createCrmModel({ now: NOW, deals: 40, seed: 3 });
    const fake = await c.start(model, {});
    const t = tempDb();
    cleanups.push(() => fake.close(), t.cleanup);
    const env = { ...c.env(fake.url), DEALCAST_DB: t.path };
    const bundle = createConnector(loadConfig({ env, envFile: null }), { now: NOW, clock: virtualClock() });
    await runSync(t.db, bundle.connector, { now: NOW, full: true, http: bundle.http });
    await bundle.close?.();

    const crmId = c.dealId ?? ((id: string) => id);
    const movedModel = model.deals.filter((d) => d.history.length > 1 && d.archivedAt === null).slice(0, 6);
    const moved = movedModel.map((d) => crmId(d.id));
    const wanted = new Map(moved.map((id) => [id, getDeal(t.db, c.crm, id)!.stageEnteredAt]));
    // As if these deals came in without history (an import, a sync before history was read)…
    const ids = moved.map(() => '?').join(',');
    t.db.prepare(`DELETE FROM deal_stage_history WHERE crm = ? AND deal_id IN (${ids})`).run(c.crm, ...moved);
    t.db.prepare(`UPDATE deals SET stage_entered_at = NULL WHERE crm = ? AND id IN (${moved.slice(1).map(() => '?').join(',')})`).run(c.crm, ...moved.slice(1));
    // …except one whose date someone already knows: backfill must not overwrite it.
    t.db.prepare('UPDATE deals SET stage_entered_at = ? WHERE crm = ? AND id = ?').run('2020-01-01T00:00:00.000Z', c.crm, moved[0]);
    t.db.close();

    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s), env };
    expect(await run([], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^6 of 6 deals gained stage-entry dates/);

    const db = openDb(t.path);
    cleanups.push(() => void db.close());
    for (const id of moved.slice(1)) expect(getDeal(db, c.crm, id)!.stageEnteredAt).toBe(wanted.get(id));
    expect(getDeal(db, c.crm, moved[0]!)!.stageEnteredAt).toBe('2020-01-01T00:00:00.000Z');
    const restored = db.prepare(`SELECT COUNT(*) FROM deal_stage_history WHERE crm = ? AND source = 'backfill'`).pluck().get(c.crm) as number;
    expect(restored).toBe(c.expected(model).stage_history.filter((h) => moved.includes(h.dealId)).length);

    out.length = 0;
    expect(await run([], io)).toBe(0);
    expect(out.at(-1)).toBe('Every deal already has a stage-entry date: nothing to backfill.');
  });
});
