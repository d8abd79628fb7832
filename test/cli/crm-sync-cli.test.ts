import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { createCrmModel } from '../fakes/crm-model.js';
import { tempDb } from '../helpers/db.js';
import { CONTRACT_CASES } from '../connectors/contract-cases.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe.each(CONTRACT_CASES)('dealcast sync + status with CRM=$crm', (c) => {
  it('syncs from the CRM, and status reports a field the CRM stopped sending', async () => {
    const model = createCrmModel({ now: NOW, deals: 30, seed: 5 });
    const fake = await c.start(model, {});
    const t = tempDb();
    t.db.close();
    cleanups.push(() => fake.close(), t.cleanup);
    const out: string[] = [];
    const env = { ...c.env(fake.url), DEALCAST_DB: t.path, PIPEDRIVE_REQUESTS_PER_2S: '1000', HUBSPOT_REQUESTS_PER_10S: '1000' };
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s), env };
    expect(await main(['sync', '--now', NOW.toISOString()], io), out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/Done in .* \(full\): \d+ pipelines?, \d+ stages, 4 owners, 30 deals/);

    for (const d of model.deals) d.ownerId = null;
    out.length = 0;
    expect(await main(['sync', '--full', '--now', new Date(NOW.getTime() + 3_600_000).toISOString()], io)).toBe(0);
    out.length = 0;
    expect(await main(['status'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/deals\.ownerId came back blank on all 30 rows/);
    out.length = 0;
    expect(await main(['status', '--json'], io)).toBe(0);
    expect(JSON.parse(out.join('\n')).schema_drift).toHaveLength(1);
  });

  it('a wrong token fails the sync with one sentence saying what to set', async () => {
    const fake = await c.start(createCrmModel({ now: NOW, deals: 5 }), {});
    const t = tempDb();
    t.db.close();
    cleanups.push(() => fake.close(), t.cleanup);
    const out: string[] = [];
    const env = { ...c.env(fake.url), [c.tokenVar]: 'wrong-token', DEALCAST_DB: t.path };
    expect(await main(['sync'], { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env })).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/refused GET .* with HTTP 401/);
    expect(text).toContain(c.tokenVar);
    expect(text).not.toContain('wrong-token');
  });
});
