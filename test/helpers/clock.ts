import type { Clock } from '../../src/sync/rate-limiter.js';

/** A clock whose sleep advances virtual time at once, recording every wait. */
export function virtualClock(startMs = Date.parse('2026-11-24T09:00:00Z')): Clock & { sleeps: number[]; elapsed: () => number } {
  let t = startMs;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += Math.max(0, ms);
    },
    sleeps,
    elapsed: () => t - startMs,
  };
}
