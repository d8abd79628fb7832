/**
 * Team membership read from each CRM that keeps it, through a full sync against the fake CRMs
 * in their wire formats: HubSpot teams on the owners list, Pipedrive's Teams API, Salesforce's
 * role hierarchy. A team renamed or removed in the CRM is renamed or gone after the next sync,
 * each change audited; an account that may not read teams syncs fine without them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runSync } from '../../src/sync/engine.js';
import { createConnector } from '../../src/connectors/index.js';
import { rolesToTeams } from '../../src/connectors/salesforce.js';
import { listCrmTeams } from '../../store/crm-teams.js';
import { createCrmModel, type CrmModel } from '../fakes/crm-model.js';
import { HUBSPOT_TOKEN, startHubspotFake } from '../fakes/hubspot.js';
import { PIPEDRIVE_TOKEN, startPipedriveFake } from '../fakes/pipedrive.js';
import { roleId, SALESFORCE_TOKEN, startSalesforceFake, userId } from '../fakes/salesforce.js';
import { virtualClock } from '../helpers/clock.js';
import { tempDb } from '../helpers/db.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** Four owners named in four scripts, in two teams. */
function model(): CrmModel {
  const m = createCrmModel({ now: NOW, deals: 30 });
  const names: [string, string][] = [
    ['太郎', '山田'],
    ['محمد', 'العلي'],
    ['שרה', 'כהן'],
    ['민준', '김 🚀'],
  ];
  m.owners.forEach((o, i) => {
    [o.firstName, o.lastName] = names[i]!;
    o.active = true;
  });
  m.teams = [
    { id: '71', name: '東京チーム', memberIds: ['501', '502'], managerId: '501' },
    { id: '72', name: 'فريق الشرق', memberIds: ['503', '504'], managerId: '503' },
  ];
  return m;
}

type Crm = 'hubspot' | 'pipedrive' | 'salesforce';

async function setup(crm: Crm, m: CrmModel) {
  const { db, cleanup } = tempDb();
  closers.push(cleanup);
  let env: Record<string, string>;
  if (crm === 'hubspot') {
    const fake = await startHubspotFake(m);
    closers.push(() => fake.close());
    env = { CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: fake.url };
  } else if (crm === 'pipedrive') {
    const fake = await startPipedriveFake(m);
    closers.push(() => fake.close());
    env = { CRM: 'pipedrive', PIPEDRIVE_API_TOKEN: PIPEDRIVE_TOKEN, PIPEDRIVE_BASE_URL: fake.url };
  } else {
    const fake = await startSalesforceFake(m);
    closers.push(() => fake.close());
    env = { CRM: 'salesforce', SALESFORCE_INSTANCE_URL: fake.url, SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN };
  }
  const config = loadConfig({ env, envFile: null });
  const bundle = createConnector(config, { now: NOW, clock: virtualClock() });
  closers.push(() => bundle.close?.());
  const logs: string[] = [];
  let at = NOW.getTime();
  const sync = () => runSync(db, bundle.connector, { http: bundle.http, now: new Date((at += 3_600_000)), afterSync: bundle.afterSync, log: (l) => logs.push(l) });
  return { db, sync, logs };
}

/** The CRM's owner id of a model owner. */
const ownerIdOf = (crm: Crm, id: string) => (crm === 'salesforce' ? userId(id) : id);
const teamIdOf = (crm: Crm, id: string) => (crm === 'salesforce' ? roleId(id) : id);

describe.each(['hubspot', 'pipedrive', 'salesforce'] as const)('teams from %s', (crm) => {
  it('are read at each sync; a team renamed or removed in the CRM is renamed or gone after the next one', async () => {
    const m = model();
    const { db, sync, logs } = await setup(crm, m);
    await sync();
    const o = (id: string) => ownerIdOf(crm, id);
    expect(listCrmTeams(db, crm)).toEqual([
      { id: teamIdOf(crm, '71'), name: '東京チーム', memberIds: [o('501'), o('502')].sort(), ownerIds: [o('501'), o('502')].sort() },
      { id: teamIdOf(crm, '72'), name: 'فريق الشرق', memberIds: [o('503'), o('504')].sort(), ownerIds: [o('503'), o('504')].sort() },
    ].sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(logs.some((l) => l.includes('2 team(s) (added '))).toBe(true);
    const audits = () => db.prepare(`SELECT user_id AS who, what FROM settings_audit ORDER BY id`).all();
    expect(audits()).toEqual([{ who: `crm:${crm}`, what: 'visibility.crm_teams' }]);

    // Nothing changed: no new audit row.
    await sync();
    expect(audits()).toHaveLength(1);

    // Renamed, and the other team removed (its people moved into the renamed one).
    m.teams = [{ id: '71', name: 'Tokyo & 서울', memberIds: ['501', '502', '503'], managerId: '501' }];
    await sync();
    expect(listCrmTeams(db, crm)).toEqual([{ id: teamIdOf(crm, '71'), name: 'Tokyo & 서울', memberIds: [o('501'), o('502'), o('503')].sort(), ownerIds: [o('501'), o('502'), o('503')].sort() }]);
    expect(logs.some((l) => l.includes('removed فريق الشرق') && l.includes('renamed 東京チーム → Tokyo & 서울'))).toBe(true);
    expect(audits()).toHaveLength(2);
    const last = db.prepare(`SELECT old, new FROM settings_audit ORDER BY id DESC LIMIT 1`).get() as { old: string; new: string };
    expect(JSON.parse(last.old).map((t: { name: string }) => t.name).sort()).toEqual(['فريق الشرق', '東京チーム'].sort());
    expect(JSON.parse(last.new).map((t: { name: string }) => t.name)).toEqual(['Tokyo & 서울']);
  }, 30_000);
});

describe('when the CRM account may not read teams', () => {
  it.each(['pipedrive', 'salesforce'] as const)('%s: the sync succeeds, says why, and teams read before are dropped', async (crm) => {
    const m = model();
    const { db, sync, logs } = await setup(crm, m);
    await sync();
    expect(listCrmTeams(db, crm)).toHaveLength(2);
    m.teamsRefused = true;
    await sync();
    expect(db.prepare('SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1').pluck().get()).toBe('ok');
    expect(listCrmTeams(db, crm)).toEqual([]);
    expect(logs.find((l) => l.startsWith('Team membership is not read from'))).toMatch(crm === 'pipedrive' ? /HTTP 403 .*not on this plan/ : /HTTP 400.*View Roles and Role Hierarchy/);
  }, 30_000);

  it('a CRM that keeps no teams (HubSpot owners without teams) has none', async () => {
    const m = model();
    m.teams = undefined;
    const { db, sync } = await setup('hubspot', m);
    await sync();
    expect(listCrmTeams(db, 'hubspot')).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM settings_audit').pluck().get()).toBe(0);
  }, 30_000);
});

describe('Salesforce roles as teams', () => {
  it('a role sees the deals of its members and of everyone in the roles below it; members are the role holders only', () => {
    const roles = [
      { Id: 'R1', Name: 'VP Sales', ParentRoleId: null },
      { Id: 'R2', Name: 'Manager East', ParentRoleId: 'R1' },
      { Id: 'R3', Name: 'Rep East', ParentRoleId: 'R2' },
      { Id: 'R4', Name: 'Rep West', ParentRoleId: 'R1' },
      { Id: 'R5', Name: 'Empty role', ParentRoleId: 'R1' },
    ];
    const users = [
      { Id: 'U1', UserRoleId: 'R1' },
      { Id: 'U2', UserRoleId: 'R2' },
      { Id: 'U3', UserRoleId: 'R3' },
      { Id: 'U4', UserRoleId: 'R3' },
      { Id: 'U5', UserRoleId: 'R4' },
      { Id: 'U6', UserRoleId: null },
    ];
    const teams = rolesToTeams(roles, users);
    const byName = Object.fromEntries(teams.map((t) => [t.name, { members: t.memberIds, sees: [...t.ownerIds].sort() }]));
    expect(byName).toEqual({
      'VP Sales': { members: ['U1'], sees: ['U1', 'U2', 'U3', 'U4', 'U5'] },
      'Manager East': { members: ['U2'], sees: ['U2', 'U3', 'U4'] },
      'Rep East': { members: ['U3', 'U4'], sees: ['U3', 'U4'] },
      'Rep West': { members: ['U5'], sees: ['U5'] },
    });
  });

  it('over the wire, a parent role sees its child role', async () => {
    const m = model();
    m.teams = [
      { id: '80', name: 'Head of sales', memberIds: ['501'] },
      { id: '81', name: 'Rep', memberIds: ['502', '503'], parentId: '80' },
    ];
    const { db, sync } = await setup('salesforce', m);
    await sync();
    const head = listCrmTeams(db, 'salesforce').find((t) => t.name === 'Head of sales')!;
    expect(head).toEqual({ id: roleId('80'), name: 'Head of sales', memberIds: [userId('501')], ownerIds: [userId('501'), userId('502'), userId('503')] });
  }, 30_000);
});
