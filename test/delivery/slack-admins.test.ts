import { describe, expect, it } from 'vitest';
import { AdminCheck } from '../../src/delivery/slack-admins.js';
import type { SlackUser } from '../../src/delivery/slack.js';

const user = (id: string, isAdmin: boolean): SlackUser => ({ id, name: id, realName: null, email: null, isAdmin, isOwner: false, isBot: false, deleted: false, tz: null });

describe('AdminCheck', () => {
  it('asks Slack once per user for five minutes, then again; DEALCAST_ADMINS never asks', async () => {
    let t = 0;
    const asked: string[] = [];
    let admin = true;
    const check = new AdminCheck({ DEALCAST_ADMINS: ['U0ENV'] }, { userInfo: async (id: string) => (asked.push(id), user(id, admin)) }, { now: () => t });
    expect(check.cached('U1')).toBeUndefined();
    expect(await check.isAdmin('U1')).toBe(true);
    expect(check.cached('U1')).toBe(true);
    t += 4 * 60 * 1000;
    expect(await check.isAdmin('U1')).toBe(true);
    expect(asked).toEqual(['U1']);
    // Demoted in Slack: seen once the five minutes are up.
    admin = false;
    t += 60 * 1000;
    expect(check.cached('U1')).toBeUndefined();
    expect(await check.isAdmin('U1')).toBe(false);
    expect(asked).toEqual(['U1', 'U1']);
    expect(await check.isAdmin('U0ENV')).toBe(true);
    expect(check.cached('U0ENV')).toBe(true);
    expect(asked).toEqual(['U1', 'U1']);
  });
});
