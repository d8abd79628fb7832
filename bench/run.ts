/**
 * `npm run bench [-- name …]`: prints the numbers behind dealcast's speed and memory targets.
 * Each benchmark lives in its own module; targets are printed beside the measurements.
 */
type Bench = { title: string; run: () => Promise<void> };

const BENCHES: Record<string, Bench> = {
  sync: { title: 'Sync: demo deals upserted per second, peak RSS', run: async () => (await import('./sync.js')).benchSync() },
  'crm-sync': {
    title: 'CRM sync: 20,000 deals from the HubSpot, Pipedrive and Attio fakes at their published rate limits',
    run: async () => (await import('./crm-sync.js')).benchCrmSync(),
  },
  charts: { title: 'Charts: spec + 2x PNG render per chart (median, p95), and vs headless Chromium', run: async () => (await import('./charts.js')).benchCharts() },
  forecast: {
    title: 'Forecast accuracy: honest backtest on the demo (seed 42) at 1,500 and 6,000 deals',
    run: async () => (await import('./forecast-accuracy.js')).benchForecastAccuracy(),
  },
  reports: { title: 'Reports: compute (and render) time per report at 100k and 1M demo deals', run: async () => (await import('./reports.js')).benchReports() },
  'sync-ack': {
    title: 'Slash-command acknowledgement while the app syncs 100k deals (max < 1 s)',
    run: async () => (await import('./sync-ack.js')).benchSyncAck(),
  },
  slack: { title: 'Slack: ack p50/p99/max under 30 concurrent heavy commands (HTTP, Socket Mode) at 100k and 1M deals, duplicates, reconnect after an outage', run: async () => (await import('./slack.js')).benchSlack() },
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
