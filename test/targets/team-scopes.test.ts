/**
 * How a team target names its team so that a rename keeps it: CRM teams by the CRM's id, teams
 * set in Slack by the id dealcast gives them and carries across edits of the modal.
 */
import { describe, expect, it } from 'vitest';
import { carryTeamIds, slackTeamId } from '../../src/access/visibility.js';
import { resolveTargetTeam, targetTeamChoices } from '../../src/targets/team-scopes.js';

describe('carryTeamIds', () => {
  it('keeps the id of a team saved under the same name (any case), and of a renamed team with the same owners', () => {
    const before = [
      { id: 't1', name: '東京チーム', ownerIds: ['o1', 'o2'] },
      { id: 't2', name: 'Gulf', ownerIds: ['o3'] },
      { id: 't3', name: 'Old', ownerIds: ['o9'] },
    ];
    const after = carryTeamIds(before, [
      { name: 'GULF', ownerIds: ['o3', 'o4'] }, // same name, new member: t2
      { name: '東京営業部', ownerIds: ['o2', 'o1'] }, // renamed, same people: t1
      { name: 'New', ownerIds: ['o5'] }, // new: the next free id
    ]);
    expect(after).toEqual([
      { id: 't2', name: 'GULF', ownerIds: ['o3', 'o4'] },
      { id: 't1', name: '東京営業部', ownerIds: ['o2', 'o1'] },
      { id: 't4', name: 'New', ownerIds: ['o5'] },
    ]);
  });

  it('gives a team saved before ids existed the id derived from its name, kept from then on', () => {
    const legacy = { name: 'فريق الخليج', ownerIds: ['o3'] };
    const [first] = carryTeamIds([legacy], [legacy]);
    expect(first!.id).toBe(slackTeamId(legacy));
    const [renamed] = carryTeamIds([first!], [{ name: 'Gulf', ownerIds: ['o3'] }]);
    expect(renamed!.id).toBe(slackTeamId(legacy));
    expect(carryTeamIds([], [{ name: 'A', ownerIds: [] }])).toEqual([{ id: 't1', name: 'A', ownerIds: [] }]);
  });
});

describe('team targets: choices and resolution', () => {
  const crm = [
    { id: '42', name: 'EMEA', memberIds: ['o1'], ownerIds: ['o1', 'o7'] },
    { id: '43', name: 'APAC', memberIds: ['o2'], ownerIds: ['o2'] },
  ];
  const slack = [{ id: 't1', name: 'emea', ownerIds: ['o1', 'o3'] }];

  it('offers the Slack teams and the CRM teams no Slack team replaces, by id', () => {
    expect(targetTeamChoices(slack, crm).map((t) => [t.scopeId, t.name, t.memberIds])).toEqual([
      ['crm:43', 'APAC', ['o2']],
      ['slack:t1', 'emea', ['o1', 'o3']],
    ]);
  });

  it("resolves a stored id to the team as it is now: a CRM team's members (not the roles below it), or the Slack team that replaces it", () => {
    expect(resolveTargetTeam('crm:43', slack, crm)).toEqual({ scopeId: 'crm:43', name: 'APAC', memberIds: ['o2'], source: 'crm' });
    expect(resolveTargetTeam('crm:42', [], crm)).toMatchObject({ name: 'EMEA', memberIds: ['o1'] });
    expect(resolveTargetTeam('crm:42', slack, crm)).toEqual({ scopeId: 'crm:42', name: 'emea', memberIds: ['o1', 'o3'], source: 'slack' });
    expect(resolveTargetTeam('crm:99', slack, crm)).toBeNull();
    expect(resolveTargetTeam('slack:t9', slack, crm)).toBeNull();
  });
});
