// Writes the Block Kit dealcast sends for the App Home and a deal event, built by the real view
// builders from the demo database (run `npm run demo` first), into docs/examples/. Each file is
// the payload as sent; paste its `blocks` into Slack's Block Kit Builder to see it.
//
//   npm run build && node scripts/surface-examples.mjs [DB] [NOW_ISO]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const { openDb } = await dist('store/db.js');
const { openDealsOf } = await dist('store/home-queries.js');
const { listOwners } = await dist('store/owners.js');
const { dealsAtRisk, forecastRange, openValue } = await dist('src/metrics/home.js');
const { homeView } = await dist('src/views/home.js');
const { dealEventMessage } = await dist('src/views/deal-events.js');

const dbPath = process.argv[2] ?? './data/dealcast.db';
const db = openDb(dbPath);
const now = new Date(process.argv[3] ?? db.prepare(`SELECT MAX(started_at) FROM sync_runs WHERE crm = 'demo'`).pluck().get());
const out = join(root, 'docs', 'examples');
mkdirSync(out, { recursive: true });

// The App Home of the rep with the most open deals, put in an example team with the next one
// (the demo CRM keeps no teams; a CRM team or one set in Slack shows the same way).
const owners = listOwners(db, 'demo')
  .map((o) => ({ ...o, open: openDealsOf(db, 'demo', [o.id]) }))
  .sort((a, b) => b.open.length - a.open.length);
const [me, mate] = owners;
const mine = me.open;
const home = homeView({
  userId: 'U0EXAMPLE',
  ownerName: me.name,
  open: openValue(mine),
  // The app also marks deals stuck in their stage (from the deals report); left out here.
  atRisk: dealsAtRisk(mine, now, { stuckIds: new Set(), activitiesAvailable: true }),
  forecast: forecastRange(mine, now),
  team: { label: 'Example team (two demo reps)', open: openValue(openDealsOf(db, 'demo', [me.id, mate.id])) },
  subscriptions: [],
  events: [],
  admin: null,
  scopeLabel: "your team's deals",
  timeZone: 'UTC',
});
writeFileSync(join(out, 'app-home.json'), `${JSON.stringify(home, null, 2)}\n`);

// A deal won: the latest won deal, with its cycle time.
const won = db
  .prepare(`SELECT d.name, d.amount, d.currency, d.created_at AS createdAt, d.closed_at AS closedAt, o.name AS owner FROM deals d LEFT JOIN owners o ON o.crm = d.crm AND o.id = d.owner_id WHERE d.crm = 'demo' AND d.status = 'won' AND d.closed_at <= ? ORDER BY d.closed_at DESC LIMIT 1`)
  .get(now.toISOString());
const cycleDays = Math.round((Date.parse(won.closedAt) - Date.parse(won.createdAt)) / 86_400_000);
const event = dealEventMessage({ kind: 'won', detail: { dealName: won.name, amount: won.amount, currency: won.currency, cycleDays }, ownerName: won.owner, ownerSlackId: null });
writeFileSync(join(out, 'deal-won.json'), `${JSON.stringify(event, null, 2)}\n`);
db.close();
console.log(`Wrote ${join(out, 'app-home.json')} and ${join(out, 'deal-won.json')} from ${dbPath} as of ${now.toISOString()}.`);
