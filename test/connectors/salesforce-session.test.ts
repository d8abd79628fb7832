/**
 * Salesforce through the real HTTP door: the client-credentials session (one renewal on
 * INVALID_SESSION_ID), and limits that arrive as 403 REQUEST_LIMIT_EXCEEDED (the daily
 * allocation stops the sync at once; the concurrency limit backs off and carries on).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createConnector } from '../../src/connectors/index.js';
import { CrmAuthError, CrmRateLimitError, describeError } from '../../src/errors.js';
import { runSync } from '../../src/sync/engine.js';
import { lastRun } from '../../store/sync-runs.js';
import { createCrmModel } from '../fakes/crm-model.js';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_TOKEN, startSalesforceFake } from '../fakes/salesforce.js';
import { virtualClock } from '../helpers/clock.js';
import { dumpData, tempDb } from '../helpers/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(env: (url: string) => Record<string, string>, pageSize = 10) {
  const model = createCrmModel({ now: NOW, deals: 40, seed: 3 });
  const fake = await startSalesforceFake(model, { pageSize });
  const clock = virtualClock();
  const bundle = createConnector(loadConfig({ env: { CRM: 'salesforce', SALESFORCE_INSTANCE_URL: fake.url, ...env(fake.url) }, envFile: null }), { now: NOW, clock });
  const t = tempDb();
  cleanups.push(() => bundle.close?.(), () => fake.close(), t.cleanup);
  const sync = (full = true) => runSync(t.db, bundle.connector, { now: NOW, full, http: bundle.http, afterSync: bundle.afterSync });
  return { model, fake, clock, db: t.db, sync };
}

const clientCredentials = () => ({ SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET });
const tokenRequests = (log: { path: string }[]) => log.filter((r) => r.path === '/services/oauth2/token').length;

describe('Salesforce session', () => {
  it('fetches a token with the client credentials, and renews it once when the session expires mid-sync', async () => {
    const { fake, sync } = await setup(clientCredentials);
    fake.knobs.beforePage = (route, page) => {
      if (route === 'query Opportunity' && page === 2) fake.expireSession();
    };
    const result = await sync();
    expect(result.counts.deals).toBe(40);
    expect(fake.tokensIssued()).toBe(2);
    const expired = fake.log.filter((r) => r.status === 401);
    expect(expired).toHaveLength(1);
    // The refused request was sent again with the new token and succeeded.
    const i = fake.log.indexOf(expired[0]!);
    expect(fake.log[i + 1]!.path).toBe('/services/oauth2/token');
    expect(fake.log[i + 2]).toMatchObject({ path: expired[0]!.path, status: 200 });
  });

  it('renews only once per request: a second INVALID_SESSION_ID fails with what to set', async () => {
    const { fake, db, sync } = await setup(clientCredentials);
    fake.fail({ status: 401, times: 2, match: /describe$/ });
    const err = await sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect(describeError(err)).toMatch(/SALESFORCE_CLIENT_ID/);
    expect(fake.tokensIssued()).toBe(2);
    expect(fake.log.filter((r) => r.status === 401)).toHaveLength(2);
    expect(lastRun(db, 'salesforce')).toMatchObject({ status: 'failed' });
  });

  it('does not renew for a 401 a new token cannot fix', async () => {
    const { fake, sync } = await setup(clientCredentials);
    fake.fail({ status: 401, times: 1, match: /describe$/, body: [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }] });
    await expect(sync()).rejects.toBeInstanceOf(CrmAuthError);
    expect(fake.tokensIssued()).toBe(1);
  });

  it('with a bare access token, an expired session fails at once and asks for a new token', async () => {
    const { fake, sync } = await setup(() => ({ SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN }));
    fake.expireSession();
    const err = await sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect(describeError(err)).toMatch(/INVALID_SESSION_ID/);
    expect(describeError(err)).toMatch(/SALESFORCE_ACCESS_TOKEN/);
    expect(tokenRequests(fake.log)).toBe(0);
    expect(fake.log).toHaveLength(1);
  });

  it('says so when the token endpoint refuses the client credentials', async () => {
    const { fake, sync } = await setup(() => ({ SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET: 'wrong-secret' }));
    const err = await sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect(describeError(err)).toMatch(/refused the client credentials \(invalid_client: invalid client credentials\)/);
    expect(describeError(err)).not.toContain('wrong-secret');
    expect(fake.log.every((r) => r.path === '/services/oauth2/token')).toBe(true);
  });
});

describe('Salesforce limits (403 REQUEST_LIMIT_EXCEEDED, never 429)', () => {
  it('stops at once when the daily allocation is used up, keeping the data already stored', async () => {
    const { fake, db, sync } = await setup(() => ({ SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN }));
    await sync();
    const before = dumpData(db);
    fake.fail({ status: 403, times: 1, match: /describe$/, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] });
    const sent = fake.log.length;
    const err = await sync(false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitError);
    expect(describeError(err)).toMatch(/daily API request allocation is used up \(TotalRequests Limit exceeded\)\./);
    expect(describeError(err)).toMatch(/next sync continues/);
    // Not retried: the 403 was the last request.
    expect(fake.log.slice(sent).filter((r) => r.status === 403)).toHaveLength(1);
    expect(fake.log.at(-1)?.status).toBe(403);
    expect(dumpData(db)).toEqual(before);
    expect(lastRun(db, 'salesforce')?.error).toMatch(/daily API request allocation/);
  });

  it('backs off and carries on when too many requests run at once', async () => {
    const { fake, clock, sync } = await setup(() => ({ SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN }));
    fake.fail({ status: 403, times: 2, match: /describe$/, body: [{ message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] });
    const result = await sync();
    expect(result.counts.deals).toBe(40);
    expect(clock.sleeps.filter((ms) => ms === 15_000)).toHaveLength(2);
  });

  it('a 403 for missing permissions fails at once as an auth error', async () => {
    const { fake, sync } = await setup(() => ({ SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN }));
    fake.fail({ status: 403, times: 1, match: /describe$/, body: [{ message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' }] });
    const err = await sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmAuthError);
    expect(describeError(err)).toMatch(/API Enabled/);
  });
});
