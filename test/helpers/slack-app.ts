/**
 * Starts the real Bolt app in HTTP mode on 127.0.0.1 (a free port) against the fake Slack,
 * with a temp database. Log lines are collected so tests can check what was (not) logged.
 */
import { createDealcastApp, type CreateAppOptions, type DealcastApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { FakeSlack } from '../fakes/slack.js';
import { tempDb } from './db.js';
import { TEST_SIGNING_SECRET } from './slack-requests.js';
import type { Db } from '../../store/db.js';

export interface TestApp {
  url: string;
  app: DealcastApp;
  db: Db;
  config: Config;
  logs: string[];
  stop(): Promise<void>;
}

export async function startTestApp(
  fake: FakeSlack,
  opts: { env?: Record<string, string>; now?: () => Date; reports?: (db: Db, path: string) => CreateAppOptions['reports'] } & Pick<CreateAppOptions, 'handlers' | 'syncJob'> = {},
): Promise<TestApp> {
  const { db, path, cleanup } = tempDb();
  const config = loadConfig({
    envFile: null,
    env: {
      CRM: 'demo',
      DEMO_DEALS: '400',
      DEALCAST_DB: path,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      DEALCAST_ADMINS: 'U0ADMIN',
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  const logs: string[] = [];
  const app = createDealcastApp({
    config,
    db,
    log: (l) => logs.push(l),
    now: opts.now,
    host: '127.0.0.1',
    port: 0,
    retry: { retries: 2, minTimeout: 0, maxTimeout: 0 },
    postIntervalMs: 0,
    handlers: opts.handlers,
    syncJob: opts.syncJob,
    ...(opts.reports ? { reports: opts.reports(db, path) } : {}),
  });
  const info = await app.start();
  return {
    url: `http://127.0.0.1:${info.port}`,
    app,
    db,
    config,
    logs,
    async stop() {
      await app.stop();
      cleanup();
    },
  };
}
