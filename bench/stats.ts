/** Small timing helpers shared by the benchmarks. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
export function percentile(sortedMs: number[], p: number): number {
  if (!sortedMs.length) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, i)]!;
}

export async function timeIt(n: number, fn: () => Promise<unknown> | unknown): Promise<{ median: number; p95: number; p99: number; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), samples };
}

export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** Peak resident set size of this process so far, in MB. */
export const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * Watches the event loop while a benchmark runs: the delay histogram (perf_hooks) and the
 * longest stalls with when they began (ms after start), so a figure says what blocked acks.
 */
export function watchEventLoop(): { stop(): { maxMs: number; p99Ms: number; stalls: { atMs: number; ms: number }[] } } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const stalls: { atMs: number; ms: number }[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const t = performance.now();
    const late = t - last - 20;
    if (late > 100) stalls.push({ atMs: Math.round(last - t0), ms: Math.round(late) });
    last = t;
  }, 20);
  return {
    stop() {
      clearInterval(tick);
      h.disable();
      stalls.sort((a, b) => b.ms - a.ms);
      return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, stalls: stalls.slice(0, 5) };
    },
  };
}

export function fmtLoop(w: ReturnType<ReturnType<typeof watchEventLoop>['stop']>): string {
  const top = w.stalls.map((s) => `${fmtMs(s.ms)} at +${(s.atMs / 1000).toFixed(1)} s`).join(', ');
  return `event-loop delay p99 ${fmtMs(w.p99Ms)}  max ${fmtMs(w.maxMs)}${top ? `; longest stalls: ${top}` : ''}`;
}
