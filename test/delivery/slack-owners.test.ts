import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackDelivery } from '../../src/delivery/slack.js';
import { OwnerDirectory } from '../../src/delivery/slack-owners.js';
import { listOwners, upsertOwners } from '../../store/owners.js';
import { type FakeSlack, startFakeSlack } from '../fakes/slack.js';
import { tempDb } from '../helpers/db.js';

let fake: FakeSlack;
let slack: SlackDelivery;
const store = tempDb();
let clock = 0;
let dir: OwnerDirectory;

beforeAll(async () => {
  fake = await startFakeSlack();
  slack = new SlackDelivery({ token: fake.token, apiUrl: fake.apiUrl, retry: { retries: 0 }, postIntervalMs: 0 });
  upsertOwners(store.db, 'demo', [
    { id: 'o1', name: 'Maria Lopez', email: 'Maria.Lopez@acme.test', active: true },
    { id: 'o2', name: 'Maria Chen', email: 'maria.chen@acme.test', active: true },
    { id: 'o3', name: 'Tom Novak', email: 'tom@acme.test', active: true },
    { id: 'o4', name: 'Nobody Slack', email: 'ghost@acme.test', active: true },
  ]);
  fake.addUser({ id: 'ULOPEZ', name: 'maria', email: 'maria.lopez@acme.test' });
  fake.addUser({ id: 'UTOM', name: 'tom', email: 'tom@acme.test' });
  dir = new OwnerDirectory(store.db, 'demo', slack, () => clock);
});
afterAll(async () => {
  await fake.stop();
  store.cleanup();
});
beforeEach(() => fake.reset());

describe('OwnerDirectory', () => {
  it('owner:me and mentions: Slack user -> CRM owner by email, stored and then answered without Slack', async () => {
    expect(await dir.resolve({ kind: 'me' }, 'ULOPEZ')).toEqual({ id: 'o1', name: 'Maria Lopez' });
    expect(fake.calls('users.info')).toHaveLength(1);
    expect(listOwners(store.db, 'demo').find((o) => o.id === 'o1')?.slackUserId).toBe('ULOPEZ');
    fake.reset();
    expect(await dir.resolve({ kind: 'slack', userId: 'ULOPEZ', label: 'maria' }, 'UOTHER')).toEqual({ id: 'o1', name: 'Maria Lopez' });
    expect(fake.recorded).toHaveLength(0);
  });

  it('CRM owner -> Slack user with users.lookupByEmail; misses are cached for an hour', async () => {
    expect(await dir.slackUserForOwner('o3')).toBe('UTOM');
    expect(fake.calls('users.lookupByEmail')[0]!.params.email).toBe('tom@acme.test');
    expect(await dir.slackUserForOwner('o3')).toBe('UTOM'); // stored link, no call
    expect(fake.calls('users.lookupByEmail')).toHaveLength(1);
    expect(await dir.slackUserForOwner('o4')).toBeNull();
    expect(await dir.slackUserForOwner('o4')).toBeNull();
    expect(fake.calls('users.lookupByEmail')).toHaveLength(2);
    clock += 61 * 60 * 1000;
    expect(await dir.slackUserForOwner('o4')).toBeNull();
    expect(fake.calls('users.lookupByEmail')).toHaveLength(3);
  });

  it('names: unique match, ambiguity and no match each say what to type', async () => {
    expect(await dir.resolve({ kind: 'name', name: 'tom' }, 'U1')).toEqual({ id: 'o3', name: 'Tom Novak' });
    expect(await dir.resolve({ kind: 'name', name: 'maria lopez' }, 'U1')).toEqual({ id: 'o1', name: 'Maria Lopez' });
    await expect(dir.resolve({ kind: 'name', name: 'maria' }, 'U1')).rejects.toThrow('matches 2 owners: Maria Chen, Maria Lopez');
    await expect(dir.resolve({ kind: 'name', name: 'zed' }, 'U1')).rejects.toMatchObject({ message: 'No CRM owner is called "zed".', hint: expect.stringContaining('Tom Novak') });
  });

  it('a mention of someone not in the CRM falls back to a unique name match on the label, else explains', async () => {
    fake.addUser({ id: 'UCHEN', name: 'mchen', email: 'chen@private.test' });
    expect(await dir.resolve({ kind: 'slack', userId: 'UCHEN', label: 'Maria Chen' }, 'U1')).toEqual({ id: 'o2', name: 'Maria Chen' });
    await expect(dir.resolve({ kind: 'slack', userId: 'UCHEN', label: 'mchen' }, 'U1')).rejects.toThrow('has no CRM owner with the same email address');
  });
});
