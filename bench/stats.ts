/** Small timing helpers shared by the benchmarks. */
import { readFileSync } from 'node:fs';
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
 * CPU time the main thread has used so far, in ms, or null where it cannot be read. Linux only
 * (/proc/self/task/<main thread>/stat, utime + stime in USER_HZ = 100 ticks a second, so 10 ms
 * resolution): Node 20 has no per-thread CPU clock of its own.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis start at field 3 (state); utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

export interface Stall {
  /** When it began, ms after the watch started. */
  atMs: number;
  /** How late the event loop was. */
  ms: number;
  /**
   * How much of it the main thread spent on the CPU (null where unknown). Near `ms`: something
   * held the loop that long (a blocking span). Far below it: the thread was waiting for a core
   * (the machine is busy), not blocked by our code.
   */
  cpuMs: number | null;
}

/**
 * Watches the event loop while a benchmark runs: the delay histogram (perf_hooks) and the
 * longest stalls with when they began (ms after start) and the main thread's CPU time in each,
 * so a figure says what blocked acks, and whether it was our code or a loaded machine.
 */
export function watchEventLoop(): { stop(): { maxMs: number; p99Ms: number; stalls: Stall[]; maxCpuStall: Stall | null } } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const stalls: Stall[] = [];
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  const tick = setInterval(() => {
    const t = performance.now();
    const cpu = mainThreadCpuMs();
    const late = t - last - 20;
    if (late > 100) stalls.push({ atMs: Math.round(last - t0), ms: Math.round(late), cpuMs: cpu === null || lastCpu === null ? null : cpu - lastCpu });
    last = t;
    lastCpu = cpu;
  }, 20);
  return {
    stop() {
      clearInterval(tick);
      h.disable();
      const maxCpuStall = stalls.reduce<Stall | null>((m, s) => (s.cpuMs !== null && (m === null || s.cpuMs > (m.cpuMs ?? 0)) ? s : m), null);
      stalls.sort((a, b) => b.ms - a.ms);
      return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, stalls: stalls.slice(0, 5), maxCpuStall };
    },
  };
}

const fmtStall = (s: Stall) => `${fmtMs(s.ms)} at +${(s.atMs / 1000).toFixed(1)} s${s.cpuMs === null ? '' : ` (${fmtMs(s.cpuMs)} on CPU)`}`;

export function fmtLoop(w: ReturnType<ReturnType<typeof watchEventLoop>['stop']>): string {
  const top = w.stalls.map(fmtStall).join(', ');
  const cpu = w.maxCpuStall ? `; most CPU in one stall: ${fmtStall(w.maxCpuStall)}` : '';
  return `event-loop delay p99 ${fmtMs(w.p99Ms)}  max ${fmtMs(w.maxMs)}${top ? `; longest stalls: ${top}` : ''}${cpu}`;
}
