/**
 * A fake CRM in its own thread for the sync benchmark: its clock stamps arrivals on an event
 * loop that the client's SQLite writes cannot stall, as a real CRM's would be.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCrmModel, editDeal, moveDeal } from '../test/fakes/crm-model.js';
import { HUBSPOT_LIMITS, startHubspotFake } from '../test/fakes/hubspot.js';
import { PIPEDRIVE_LIMITS, startPipedriveFake } from '../test/fakes/pipedrive.js';
import { ATTIO_LIMITS, startAttioFake } from '../test/fakes/attio.js';
import type { WindowLimit } from '../test/fakes/fake-server.js';

interface Init {
  crm: 'hubspot' | 'pipedrive' | 'attio';
  deals: number;
  now: string;
  /** Window scale: the published windows times this (same request counts). */
  scale: number;
}
const init = workerData as Init;
const scaled = (limits: Record<string, WindowLimit>) => Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, { requests: v.requests, perMs: v.perMs * init.scale }]));

const model = createCrmModel({ now: new Date(init.now), deals: init.deals, seed: 2026, activitiesPerDeal: 1 });
const fake =
  init.crm === 'hubspot'
    ? await startHubspotFake(model, { pageSize: 500, rateLimits: scaled(HUBSPOT_LIMITS) })
    : init.crm === 'pipedrive'
      ? await startPipedriveFake(model, { pageSize: 500, rateLimits: scaled(PIPEDRIVE_LIMITS) })
      : await startAttioFake(model, { pageSize: 500, rateLimits: scaled(ATTIO_LIMITS) });

parentPort!.on('message', async (msg: { type: 'stats' } | { type: 'edit'; n: number; at: string } | { type: 'close' }) => {
  if (msg.type === 'stats') parentPort!.postMessage({ type: 'stats', requests: fake.log.length, throttled: fake.throttledCount() });
  if (msg.type === 'edit') {
    const at = new Date(msg.at);
    const open = model.deals.filter((d) => d.status === 'open' && d.archivedAt === null);
    for (let i = 0; i < msg.n && i < open.length; i++) {
      if (i % 2) editDeal(model, open[i]!.id, at, { amount: 1000 + i });
      else moveDeal(model, open[i]!.id, model.pipelines[0]!.stages[model.pipelines[0]!.stages.length - 1]!.id, at);
    }
    parentPort!.postMessage({ type: 'edited' });
  }
  if (msg.type === 'close') {
    await fake.close();
    parentPort!.postMessage({ type: 'closed' });
  }
});
parentPort!.postMessage({ type: 'ready', url: fake.url, deals: model.deals.length, activities: model.activities.length });
