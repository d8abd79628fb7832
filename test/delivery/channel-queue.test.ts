import { describe, expect, it } from 'vitest';
import { ChannelQueue, RateLimitScopes, channelScope } from '../../src/delivery/channel-queue.js';
import { RateLimitedError } from '../../src/delivery/messenger.js';
import { virtualClock } from '../helpers/clock.js';

describe('ChannelQueue', () => {
  it('keeps order and spaces messages one second apart per channel, channels independent', async () => {
    const clock = virtualClock(0);
    const sent: { channel: string; text: string; at: number }[] = [];
    const q = new ChannelQueue({ clock });
    const post = (channel: string, text: string) => q.run(channel, async () => void sent.push({ channel, text, at: clock.now() }));
    await Promise.all([post('C1', 'a'), post('C1', 'b'), post('C2', 'x'), post('C1', 'c')]);
    const c1 = sent.filter((s) => s.channel === 'C1');
    expect(c1.map((s) => s.text)).toEqual(['a', 'b', 'c']);
    expect(c1[1]!.at - c1[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(c1[2]!.at - c1[1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('waits the Retry-After of a rate-limited send and sends it again, losing nothing', async () => {
    const clock = virtualClock(0);
    const sent: string[] = [];
    let failures = 2;
    const q = new ChannelQueue({ clock, intervalMs: 0 });
    const send = (text: string) => q.run('C1', async () => (failures-- > 0 ? Promise.reject(new RateLimitedError(3000)) : void sent.push(text)));
    const texts = ['one', 'two', 'three'];
    await Promise.all(texts.map(send));
    expect(sent).toEqual(texts);
    expect(q.rateLimitedWaitMs).toBe(6000);
    expect(clock.sleeps.filter((s) => s === 3000)).toHaveLength(2);
  });

  it('a 429 in one channel delays that channel only', async () => {
    const clock = virtualClock(0);
    const at: Record<string, number> = {};
    let limited = true;
    const q = new ChannelQueue({ clock, intervalMs: 0 });
    const slow = q.run('CSLOW', async () => {
      if (limited) {
        limited = false;
        // Another channel's send runs while this one is refused.
        await q.run('CFAST', async () => void (at.CFAST = clock.now()));
        throw new RateLimitedError(30_000);
      }
      at.CSLOW = clock.now();
    });
    await slow;
    expect(at.CFAST).toBe(0);
    expect(at.CSLOW).toBe(30_000);
    expect(q.limits.remainingMs(channelScope('CFAST'))).toBe(0);
  });

  it('gives up after the retry budget with the rate-limit error', async () => {
    const clock = virtualClock(0);
    const q = new ChannelQueue({ clock, maxRateLimitRetries: 3 });
    await expect(q.run('C1', () => Promise.reject(new RateLimitedError(1000)))).rejects.toBeInstanceOf(RateLimitedError);
    expect(q.rateLimitedWaitMs).toBe(3000);
  });
});

describe('RateLimitScopes', () => {
  it('blocks one scope for its Retry-After and frees it when the time has passed', async () => {
    const clock = virtualClock(0);
    const s = new RateLimitScopes(clock);
    s.block('users.info', 5000);
    expect(s.remainingMs('users.info')).toBe(5000);
    expect(s.remainingMs('views.open')).toBe(0);
    await s.waitFor('users.info');
    expect(clock.now()).toBe(5000);
    expect(s.blocked()).toEqual({});
  });
});
