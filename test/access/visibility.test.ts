/**
 * Teams in effect: the CRM's merged with those set in Slack (Slack wins by name), and membership
 * apart from visibility, so someone below a role in the hierarchy is not in the teams above it.
 */
import { describe, expect, it } from 'vitest';
import { mergeTeams, scopeOf } from '../../src/access/visibility.js';

const crm = [
  { name: 'VP Sales', memberIds: ['vp'], ownerIds: ['vp', 'm1', 'r1', 'r2'] },
  { name: 'Rep East', memberIds: ['r1', 'r2'], ownerIds: ['r1', 'r2'] },
  { name: '東京チーム', memberIds: ['t1', 't2'], ownerIds: ['t1', 't2'] },
];

describe('teams in effect', () => {
  it('a team set in Slack replaces the CRM team of the same name, whatever its case; the others stay', () => {
    const teams = mergeTeams([{ name: 'rep east', ownerIds: ['r1', 'x9'] }], crm);
    expect(teams.map((t) => [t.name, t.source, t.ownerIds])).toEqual([
      ['rep east', 'slack', ['r1', 'x9']],
      ['VP Sales', 'crm', ['vp', 'm1', 'r1', 'r2']],
      ['東京チーム', 'crm', ['t1', 't2']],
    ]);
    // A Slack team with no owners hides the CRM's.
    expect(mergeTeams([{ name: '東京チーム', ownerIds: [] }], crm).filter((t) => t.ownerIds.length).map((t) => t.name)).toEqual(['VP Sales', 'Rep East']);
  });

  it("a rep below a role sees their own role's deals, not the deals of the roles above; the head of the hierarchy sees everyone below", () => {
    const setting = { scope: 'team' as const, teams: mergeTeams([], crm) };
    expect(scopeOf(setting, { admin: false, ownerId: 'r1' })).toMatchObject({ ownerIds: ['r1', 'r2'], label: 'team Rep East' });
    expect(scopeOf(setting, { admin: false, ownerId: 'vp' })).toMatchObject({ ownerIds: ['vp', 'm1', 'r1', 'r2'], label: 'team VP Sales' });
    expect(scopeOf(setting, { admin: false, ownerId: 'm1' })).toMatchObject({ ownerIds: ['m1'], label: 'your own deals (you are in no team)' });
    expect(scopeOf(setting, { admin: true, ownerId: 'r1' }).ownerIds).toBeNull();
    expect(scopeOf({ ...setting, scope: 'own' }, { admin: false, ownerId: 'vp' }).ownerIds).toEqual(['vp']);
  });
});
