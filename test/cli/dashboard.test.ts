/**
 * `dealcast dashboard` end to end on the demo CRM: the file's figures equal what
 * `dealcast report <name> --json` prints for the same --now, in the HTML and in a real headless
 * Chromium (plain and encrypted); the scheduled job rewrites only on change; bad input is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { createDemoConnector } from '../../src/connectors/demo.js';
import { buildDashboardFile } from '../../src/dashboard/build.js';
import { decryptPage } from '../../src/dashboard/encryption.js';
import { readUnlockPayload } from '../../src/dashboard/unlock-page.js';
import { writeDashboardIfChanged } from '../../src/jobs/dashboard.js';
import { runSync } from '../../src/sync/engine.js';
import { openDb } from '../../store/db.js';
import { HAS_CHROMIUM, launchChromium, SKIP_MESSAGE, watchPage } from '../dashboard/chromium.js';
import { tempDb } from '../helpers/db.js';

const NOW = '2026-11-24T08:00:00Z';
const PASSWORD = 'tiger lily 42';
let t: ReturnType<typeof tempDb>;

beforeAll(async () => {
  t = tempDb();
  await runSync(t.db, createDemoConnector({ deals: 400, now: new Date(NOW) }), { now: new Date(NOW) });
  t.db.close();
});
afterAll(() => t.cleanup());

const env = () => ({ CRM: 'demo', DEALCAST_DB: t.path, DASH_PW: PASSWORD, DEALCAST_TIMEZONE: 'UTC' });

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: env() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function reportJson(name: string): Promise<any> {
  const r = await cli('report', name, '--json', '--now', NOW);
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

/** The headline figures as the page defines them, worked out from the report JSON. */
async function expectedKpis() {
  const pipeline = await reportJson('pipeline');
  const forecast = await reportJson('forecast');
  const velocity = await reportJson('velocity');
  // Σ weighted + Σ new_deals, added in that order as the page does (a different order of float additions can differ in the last bit).
  const forecastSum = forecast.months.reduce((s: number, m: any) => s + m.weighted, 0) + forecast.months.reduce((s: number, m: any) => s + (m.new_deals ?? 0), 0);
  return {
    'open-pipeline': pipeline.total.value as number,
    'weighted-forecast': forecastSum as number,
    'win-rate': velocity.current.win_rate as number,
    'sales-velocity': velocity.current.velocity as number,
  };
}

const usd = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(n);
const kpiText = (id: string, v: number) => (id === 'win-rate' ? `${(v * 100).toFixed(1)}%` : id === 'sales-velocity' ? `${usd(v)} / day` : usd(v));

function kpisInHtml(html: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of html.matchAll(/<li class="kpi" id="kpi-([a-z-]+)"><h2>[^<]*<\/h2><p class="value" data-value="([^"]*)">/g)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('dealcast dashboard', () => {
  it('writes one page whose figures and deals equal dealcast report --json', async () => {
    const out = join(t.dir, 'dashboard.html');
    const r = await cli('dashboard', '--out', out, '--now', NOW);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^Wrote .*dashboard\.html \(\d+ KB\)\./);
    const html = readFileSync(out, 'utf8');
    expect(kpisInHtml(html)).toEqual(await expectedKpis());

    const funnel = await reportJson('funnel');
    for (const s of funnel.stages) expect(html).toContain(`<td>${s.stage}</td><td class="num">${s.reached.toLocaleString('en-US')}</td>`);
    const reps = await reportJson('reps');
    for (const rep of reps.reps) expect(html).toContain(`<td>${rep.owner}</td>`);
    for (const id of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources']) expect(html).toMatch(new RegExp(`<figure class="chart" id="chart-${id}"><svg role="img"`));
    const rows = [...html.matchAll(/<tr data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(10);
    // Every listed deal is an open deal of the deals report (asked for with threshold 0: all of them).
    const stuck = await reportJson('deals');
    for (const d of stuck.deals) expect(rows).toContain(d.id);
  });

  it('--no-deal-names replaces names with ids; the password is never taken from the command line', async () => {
    const out = join(t.dir, 'anon.html');
    expect((await cli('dashboard', '--out', out, '--now', NOW, '--no-deal-names')).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const named = readFileSync(join(t.dir, 'dashboard.html'), 'utf8');
    const names = [...named.matchAll(/<td class="name">([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(html).not.toContain(n);
    expect(html).toMatch(/<td class="name">Deal [^<]+<\/td>/);

    const onCommandLine = await cli('dashboard', '--out', out, '--password', 'secret123');
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.err).toMatch(/never taken on the command line/);
    const missing = await cli('dashboard', '--out', out, '--password-env', 'NOT_SET_ANYWHERE');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/NOT_SET_ANYWHERE \(from --password-env\) is not set/);
    const encrypted = await cli('dashboard', '--out', join(t.dir, 'locked.html'), '--now', NOW, '--password-env', 'DASH_PW');
    expect(encrypted.code).toBe(0);
    expect(encrypted.out + encrypted.err).not.toContain(PASSWORD);
    const locked = readFileSync(join(t.dir, 'locked.html'), 'utf8');
    for (const n of names.slice(0, 20)) expect(locked).not.toContain(n);
  });

  it('the scheduled job rewrites DASHBOARD_PATH only when the content changed', async () => {
    const path = join(t.dir, 'scheduled', 'dashboard.html');
    const config = loadConfig({ env: { ...env(), DASHBOARD_PATH: path }, envFile: null });
    const db = openDb(t.path);
    try {
      const lines: string[] = [];
      const first = await writeDashboardIfChanged({ db, config, log: (l) => lines.push(l) }, new Date(NOW));
      expect(first).toMatchObject({ written: true, reason: 'new' });
      const bytes = readFileSync(path);
      const again = await writeDashboardIfChanged({ db, config, log: (l) => lines.push(l) }, new Date(NOW));
      expect(again).toMatchObject({ written: false, reason: 'unchanged', fingerprint: first.fingerprint });
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(lines[1]).toMatch(/unchanged, not rewritten/);
      // A day later the figures (days in stage, windows) move: rewritten.
      const later = await writeDashboardIfChanged({ db, config }, new Date(Date.parse(NOW) + 86_400_000));
      expect(later).toMatchObject({ written: true, reason: 'changed' });
      expect(statSync(path).size).toBeGreaterThan(10_000);
    } finally {
      db.close();
    }
  });
});

describe('buildDashboardFile (what /dealcast dashboard uploads)', () => {
  it('returns the file in memory, encrypted when DASHBOARD_PASSWORD is set, ids only when DASHBOARD_DEAL_NAMES=false', async () => {
    const db = openDb(t.path);
    try {
      const config = loadConfig({ env: { ...env(), DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_DEAL_NAMES: 'false' }, envFile: null });
      const file = await buildDashboardFile(db, config, { now: new Date(NOW) });
      expect(file.filename).toBe('dealcast-dashboard-2026-11-24.html');
      expect(file.encrypted).toBe(true);
      const html = await decryptPage(readUnlockPayload(file.bytes.toString('utf8'))!, PASSWORD);
      expect(kpisInHtml(html)).toEqual(await expectedKpis());
      expect(html).not.toMatch(/<td class="name">(?!Deal )/);
      const again = await buildDashboardFile(db, config, { now: new Date(NOW), password: undefined, dealNames: true });
      expect(again.encrypted).toBe(true); // password undefined = use DASHBOARD_PASSWORD
    } finally {
      db.close();
    }
  });
});

describe.skipIf(!HAS_CHROMIUM)('dealcast dashboard in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function expectKpis(page: Page, expected: Record<string, number>) {
    for (const [id, v] of Object.entries(expected)) {
      const el = page.locator(`#kpi-${id} .value`);
      expect([id, Number(await el.getAttribute('data-value')), (await el.innerText()).replace(/\s+/g, ' ')]).toEqual([id, v, kpiText(id, v)]);
    }
    for (const id of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources', 'deals']) expect(await page.locator(`section#${id}`).isVisible()).toBe(true);
  }

  it('plain and encrypted pages show the same figures as dealcast report --json', async () => {
    const expected = await expectedKpis();
    const plain = join(t.dir, 'browser-plain.html');
    const locked = join(t.dir, 'browser-locked.html');
    expect((await cli('dashboard', '--out', plain, '--now', NOW)).code).toBe(0);
    expect((await cli('dashboard', '--out', locked, '--now', NOW, '--password-env', 'DASH_PW')).code).toBe(0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch = watchPage(page);
    await page.goto(pathToFileURL(plain).href);
    await expectKpis(page, expected);
    const total = await page.locator('#deals-table tbody tr').count();
    const owner = await page.locator('#filter-owner option').nth(1).getAttribute('value');
    await page.selectOption('#filter-owner', owner!);
    const shown = await page.locator('#deals-table tbody tr:visible').evaluateAll((rows) => rows.map((r) => r.querySelector('td:nth-child(5)')?.textContent));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(total);
    expect(new Set(shown)).toEqual(new Set([owner]));

    await page.goto(pathToFileURL(locked).href);
    await page.fill('#unlock-password', PASSWORD);
    await page.click('#unlock-button');
    await page.waitForSelector('#kpi-open-pipeline', { timeout: 20_000 });
    await expectKpis(page, expected);
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(plain).href, pathToFileURL(locked).href]);
    await page.close();
  });
});

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);
