/**
 * The dashboard in a real headless Chromium, opened from disk over file:// as a user would:
 * every section shows, the KPI figures equal the report objects, the deals table filters and
 * sorts, nothing is requested, no CSP violation is logged; the encrypted page opens with the right
 * password (same figures), says so on a wrong one, and refuses a file with one ciphertext byte
 * changed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDashboard } from '../../src/dashboard/dashboard-file.js';
import { kpiFigures, type DashboardReports } from '../../src/dashboard/page.js';
import { readUnlockPayload, UNLOCK_MESSAGES } from '../../src/dashboard/unlock-page.js';
import { HAS_CHROMIUM, launchChromium, SKIP_MESSAGE, watchPage } from './chromium.js';
import { sampleCharts, sampleReports } from './fixtures.js';

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

const PASSWORD = 'correct horse battery staple';
const usd = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(n);

describe.skipIf(!HAS_CHROMIUM)('dashboard in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let plainUrl: string;
  let lockedUrl: string;
  let tamperedUrl: string;
  const reports: DashboardReports = sampleReports();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dealcast-browser-'));
    const input = { generatedAt: '2026-11-24T08:00:00.000Z', dataSyncedAt: '2026-11-24T07:45:00.000Z', crm: 'demo', timeZone: 'UTC', reports, charts: sampleCharts() };
    const plain = await packDashboard(input);
    const locked = await packDashboard(input, { password: PASSWORD });
    writeFileSync(join(dir, 'plain.html'), plain.bytes);
    writeFileSync(join(dir, 'locked.html'), locked.bytes);
    // One byte of ciphertext changed, everything else intact.
    const html = locked.bytes.toString('utf8');
    const payload = readUnlockPayload(html)!;
    const body = Buffer.from(payload.ciphertext, 'base64');
    body[Math.floor(body.length / 2)]! ^= 0x20;
    writeFileSync(join(dir, 'tampered.html'), html.replace(payload.ciphertext, body.toString('base64')));
    plainUrl = pathToFileURL(join(dir, 'plain.html')).href;
    lockedUrl = pathToFileURL(join(dir, 'locked.html')).href;
    tamperedUrl = pathToFileURL(join(dir, 'tampered.html')).href;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectDashboard(page: Page) {
    for (const id of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources', 'deals']) await expect(page.locator(`section#${id}`).isVisible()).resolves.toBe(true);
    for (const id of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources']) {
      const box = await page.locator(`#chart-${id} svg`).boundingBox();
      expect(box && box.width > 200 && box.height > 50, `chart ${id} is drawn`).toBe(true);
    }
    const k = kpiFigures(reports);
    const kpi = async (id: string) => ({
      value: Number(await page.locator(`#kpi-${id} .value`).getAttribute('data-value')),
      text: (await page.locator(`#kpi-${id} .value`).innerText()).replace(/\s+/g, ' '),
    });
    expect(await kpi('open-pipeline')).toEqual({ value: reports.pipeline.total.value, text: usd(reports.pipeline.total.value) });
    expect(await kpi('weighted-forecast')).toEqual({ value: k.weighted_forecast, text: usd(k.weighted_forecast) });
    expect(await kpi('win-rate')).toEqual({ value: reports.velocity.current.win_rate, text: `${(reports.velocity.current.win_rate! * 100).toFixed(1)}%` });
    expect(await kpi('sales-velocity')).toEqual({ value: reports.velocity.current.velocity, text: `${usd(reports.velocity.current.velocity)} / day` });
    expect(await page.locator('#generated-at').innerText()).toBe('Nov 24, 2026, 08:00 UTC');
  }

  const visibleDealIds = (page: Page) => page.locator('#deals-table tbody tr:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));

  it('plain page: every section, KPIs equal to the reports, filtering and sorting work, nothing loaded', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch = watchPage(page);
    await page.goto(plainUrl);
    await expectDashboard(page);

    expect(await visibleDealIds(page)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    await page.selectOption('#filter-owner', 'Ana Ruiz');
    expect(await visibleDealIds(page)).toEqual(['d1', 'd3']);
    await page.selectOption('#filter-stage', 'Lead');
    expect(await visibleDealIds(page)).toEqual(['d3']);
    await page.click('#filter-reset');
    await page.selectOption('#filter-pipeline', 'Renewals');
    expect(await visibleDealIds(page)).toEqual(['d2']);
    await page.click('#filter-reset');
    await page.fill('#filter-text', 'proposal sent');
    expect(await visibleDealIds(page)).toEqual(['d1', 'd5']);
    expect(await page.locator('#deals-count').innerText()).toBe('Showing 2 of 5 deals');
    await page.fill('#filter-text', 'no such deal');
    expect(await page.locator('#deals-empty').isVisible()).toBe(true);
    await page.fill('#filter-text', '');
    expect(await page.locator('#deals-count').innerText()).toBe('Showing all 5 deals');

    await page.click('#deals-table th >> text=Amount');
    expect(await visibleDealIds(page)).toEqual(['d5', 'd3', 'd1', 'd2', 'd4']); // largest first, missing amount last
    await page.click('#deals-table th >> text=Amount');
    expect(await visibleDealIds(page)).toEqual(['d2', 'd1', 'd3', 'd5', 'd4']);
    expect(await page.locator('#deals-table th:nth-child(2)').getAttribute('aria-sort')).toBe('ascending');
    await page.click('#deals-table th >> text=Owner');
    expect(await visibleDealIds(page)).toEqual(['d1', 'd3', 'd2', 'd5', 'd4']);
    // Filters still match the right rows after a sort reordered them.
    await page.fill('#filter-text', 'globex');
    expect(await visibleDealIds(page)).toEqual(['d2']);
    await page.fill('#filter-text', '');

    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([plainUrl]);
    await page.close();
  });

  it('sorts names by locale collation, amounts by their converted value with the currency shown, dates as dates', async () => {
    const intl = sampleReports();
    const row = (id: string, name: string, amount: number | null, original: [number, string] | null, close: string | null, owner: string) => ({
      id,
      name,
      amount,
      amount_original: original ? original[0] : amount,
      currency_original: original ? original[1] : 'USD',
      stage: 'Proposal',
      crm_stage: 'Proposal sent',
      owner,
      pipeline: 'New business',
      days_in_stage: 20,
      stage_avg_days: 10,
      stuck_ratio: 2,
      close_date: close,
    });
    intl.deals = {
      ...intl.deals,
      total: 6,
      deals: [
        row('i1', '山田商事', 8_000, [1_000_000, 'JPY'], '2027-01-05', '山田 太郎'),
        row('i2', 'محمد للتجارة', 2_200, [2_000, 'EUR'], '2026-12-01', 'محمد علي'),
        row('i3', 'Ąna Nowak sp. z o.o.', 900, null, '2026-12-20', 'Ąna Nowak'),
        row('i4', 'émile & fils', null, [5_000, 'CHF'], null, 'émile Durand'),
        row('i5', 'Zeta 10', 10_000, null, '2026-11-30', 'Anna Berg'),
        row('i6', 'Zeta 9', 9, null, '2026-12-02', 'Bo Ek'),
      ],
    };
    const file = join(dir, 'intl.html');
    const input = { generatedAt: '2026-11-24T08:00:00.000Z', dataSyncedAt: '2026-11-24T07:45:00.000Z', crm: 'demo', timeZone: 'UTC', reports: intl, charts: sampleCharts() };
    writeFileSync(file, (await packDashboard(input)).bytes);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const watch = watchPage(page);
    await page.goto(pathToFileURL(file).href);
    const amountText = (id: string) => page.locator(`#deals-table tr[data-id="${id}"] td:nth-child(2)`).innerText();
    expect(await amountText('i1')).toBe(`${usd(8_000)} (¥1,000,000)`);
    expect(await amountText('i4')).toMatch(/^CHF\s?5,000\.00 \(no rate\)$|^CHF\s?5,000 \(no rate\)$/);

    // Amount: converted values as numbers (10,000 above 9 above nothing), largest first; the deal
    // with no rate last either way.
    await page.click('#deals-table th >> text=Amount');
    expect(await visibleDealIds(page)).toEqual(['i5', 'i1', 'i2', 'i3', 'i6', 'i4']);
    await page.click('#deals-table th >> text=Amount');
    expect(await visibleDealIds(page)).toEqual(['i6', 'i3', 'i2', 'i1', 'i5', 'i4']);
    // Close date: soonest first, the undated last.
    await page.click('#deals-table th >> text=Close date');
    expect(await visibleDealIds(page)).toEqual(['i5', 'i2', 'i6', 'i3', 'i1', 'i4']);
    // Names: Ą with A, é with e, "Zeta 9" before "Zeta 10", then Arabic, then Han (CLDR order).
    await page.click('#deals-table th >> text=Deal');
    expect(await visibleDealIds(page)).toEqual(['i3', 'i4', 'i6', 'i5', 'i2', 'i1']);
    await page.click('#deals-table th >> text=Deal');
    expect(await visibleDealIds(page)).toEqual(['i1', 'i2', 'i5', 'i6', 'i4', 'i3']);
    await page.click('#deals-table th >> text=Owner');
    expect(await visibleDealIds(page)).toEqual(['i3', 'i5', 'i6', 'i4', 'i2', 'i1']);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it('without JavaScript the table still reads, and no dead filter controls show', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(plainUrl);
    expect(await page.locator('#deals-table tbody tr:visible').count()).toBe(5);
    expect(await page.locator('#deals-filters').isVisible()).toBe(false);
    await context.close();
  });

  it('phone width: one column, no sideways scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const watch = watchPage(page);
    await page.goto(plainUrl);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    const kpiBoxes = await page.locator('.kpi').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    expect(new Set(kpiBoxes.map(Math.round)).size).toBe(2); // a 2 × 2 grid
    const kpiOverflow = await page.locator('.kpi').evaluateAll((els) => els.map((e) => e.scrollWidth - e.clientWidth));
    expect(kpiOverflow.every((d) => d <= 0)).toBe(true); // figures fit their cards
    const chart = await page.locator('#chart-pipeline svg').boundingBox();
    expect(chart!.width).toBeLessThanOrEqual(390);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it('encrypted page: wrong password says so; the right one shows the same dashboard, working', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch = watchPage(page);
    await page.goto(lockedUrl);
    expect(await page.locator('body').innerText()).not.toContain('Globex');
    await page.fill('#unlock-password', 'wrong password');
    await page.click('#unlock-button');
    await page.waitForSelector('#unlock-status[data-reason="wrong_password"]', { timeout: 20_000 });
    expect(await page.locator('#unlock-status').innerText()).toBe(UNLOCK_MESSAGES.wrongPassword);

    await page.fill('#unlock-password', PASSWORD);
    await page.click('#unlock-button');
    await page.waitForSelector('#kpi-open-pipeline', { timeout: 20_000 });
    await expectDashboard(page);
    await page.selectOption('#filter-owner', 'Ben Okafor');
    expect(await visibleDealIds(page)).toEqual(['d2', 'd5']);
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([lockedUrl]);
    await page.close();
  });

  it('encrypted page with one byte of ciphertext changed refuses to open', async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await page.goto(tamperedUrl);
    await page.fill('#unlock-password', PASSWORD);
    await page.click('#unlock-button');
    await page.waitForSelector('#unlock-status[data-reason="tampered"]', { timeout: 20_000 });
    expect(await page.locator('#unlock-status').innerText()).toBe(UNLOCK_MESSAGES.tampered);
    expect(await page.locator('#kpi-open-pipeline').count()).toBe(0);
    expect(readFileSync(new URL(tamperedUrl), 'utf8')).not.toContain('Globex');
    expect(watch.errors).toEqual([]);
    await page.close();
  });
});
