/**
 * `npm run bench [-- name …]`: prints the numbers behind dealcast's speed and memory targets.
 * Each benchmark lives in its own module; targets are printed beside the measurements.
 */
type Bench = { title: string; run: () => Promise<void> };

const BENCHES: Record<string, Bench> = {
  sync: { title: 'Sync: demo deals upserted per second, peak RSS', run: async () => (await import('./sync.js')).benchSync() },
  charts: { title: 'Charts: spec + 2x PNG render per chart (median, p95), and vs headless Chromium', run: async () => (await import('./charts.js')).benchCharts() },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES[w]);
  if (unknown.length) {
    process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const [name, b] of Object.entries(BENCHES)) {
    if (wanted.length && !wanted.includes(name)) continue;
    process.stdout.write(`\n== ${name}: ${b.title}\n`);
    await b.run();
  }
}

await main();
