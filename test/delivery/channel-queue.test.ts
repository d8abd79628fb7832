import { describe, expect, it } from 'vitest';
import { ChannelQueue } from '../../src/delivery/channel-queue.js';
import { RateLimitedError, RecordingMessenger, type Messenger } from '../../src/delivery/messenger.js';

/** A virtual clock: sleep advances it instead of waiting. */
function virtualClock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps, get t() { return t; } };
}

describe('ChannelQueue', () => {
  it('keeps order and spaces messages one second apart per channel, channels independent', async () => {
    const clock = virtualClock();
    const sent: { channel: string; text: string; at: number }[] = [];
    const inner = new RecordingMessenger((c) => {
      if (c.kind === 'post') sent.push({ channel: c.channel, text: c.content.text, at: clock.now() });
    });
    const q = new ChannelQueue(inner, { now: clock.now, sleep: clock.sleep });
    await Promise.all([q.post('C1', { text: 'a' }), q.post('C1', { text: 'b' }), q.post('C2', { text: 'x' }), q.post('C1', { text: 'c' })]);
    expect(sent.filter((s) => s.channel === 'C1').map((s) => s.text)).toEqual(['a', 'b', 'c']);
    const c1 = sent.filter((s) => s.channel === 'C1').map((s) => s.at);
    expect(c1[1]! - c1[0]!).toBeGreaterThanOrEqual(1000);
    expect(c1[2]! - c1[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('waits the Retry-After of a rate-limited send and sends it again, losing nothing', async () => {
    const clock = virtualClock();
    const inner = new RecordingMessenger();
    let failures = 2;
    const flaky: Messenger = {
      post: (ch, c) => (failures-- > 0 ? Promise.reject(new RateLimitedError(3000)) : inner.post(ch, c)),
      reply: (ch, t, c) => inner.reply(ch, t, c),
      update: (ch, t, c) => inner.update(ch, t, c),
      upload: (ch, t, p) => inner.upload(ch, t, p),
    };
    const q = new ChannelQueue(flaky, { now: clock.now, sleep: clock.sleep, intervalMs: 0 });
    const texts = ['one', 'two', 'three'];
    await Promise.all(texts.map((text) => q.post('C1', { text })));
    expect(inner.calls.map((c) => (c.kind === 'post' ? c.content.text : ''))).toEqual(texts);
    expect(q.rateLimitedWaitMs).toBe(6000);
    expect(clock.sleeps.filter((s) => s === 3000)).toHaveLength(2);
  });

  it('gives up after the retry budget with the rate-limit error', async () => {
    const clock = virtualClock();
    const always: Messenger = {
      post: () => Promise.reject(new RateLimitedError(1000)),
      reply: () => Promise.reject(new Error('unused')),
      update: () => Promise.reject(new Error('unused')),
      upload: () => Promise.reject(new Error('unused')),
    };
    const q = new ChannelQueue(always, { now: clock.now, sleep: clock.sleep, maxRateLimitRetries: 3 });
    await expect(q.post('C1', { text: 'x' })).rejects.toBeInstanceOf(RateLimitedError);
    expect(q.rateLimitedWaitMs).toBe(3000);
  });
});
