import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/dashboard/csp.js';
import { DEALS_TABLE_SCRIPT } from '../../src/dashboard/deals-table-script.js';
import { kpiFigures, readFingerprint, renderDashboardPage, scopeSvgIds, withoutDealNames, type DashboardPageInput } from '../../src/dashboard/page.js';
import { PAGE_STYLE } from '../../src/dashboard/page-style.js';
import { sampleCharts, sampleReports } from './fixtures.js';

function input(over: Partial<DashboardPageInput> = {}): DashboardPageInput {
  return {
    generatedAt: '2026-11-24T08:00:00.000Z',
    dataSyncedAt: '2026-11-24T07:45:00.000Z',
    crm: 'demo',
    timeZone: 'UTC',
    reports: sampleReports(),
    charts: sampleCharts(),
    ...over,
  };
}

const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

describe('renderDashboardPage', () => {
  it('has every section, in order', () => {
    const { html } = renderDashboardPage(input());
    const ids = ['kpi-open-pipeline', 'kpi-weighted-forecast', 'kpi-win-rate', 'kpi-sales-velocity', 'pipeline', 'forecast', 'funnel', 'velocity', 'sources', 'reps', 'deals'];
    const positions = ids.map((id) => html.indexOf(`id="${id}"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const chart of ['pipeline', 'forecast', 'funnel', 'velocity', 'reps', 'sources']) expect(html).toContain(`<figure class="chart" id="chart-${chart}"><svg role="img"`);
  });

  it('shows the KPI figures straight from the reports (worked out by hand)', () => {
    const r = sampleReports();
    const k = kpiFigures(r);
    // Weighted 90,000.4 + 110,000 + 45,000 over the three forecast months; CRM 120,000 + 150,000 + 60,000.
    expect(k).toMatchObject({ open_pipeline: 1_140_500.5, weighted_forecast: 245_000.4, weighted_forecast_crm: 330_000, won_in_months: 55_000, win_rate: 0.3457, sales_velocity: 5_402.78 });
    const { html } = renderDashboardPage(input());
    expect(html).toMatch(/id="kpi-open-pipeline">.*data-value="1140500.5">\$1,140,501</);
    expect(html).toMatch(/id="kpi-weighted-forecast">.*data-value="245000.4">\$245,000</);
    expect(html).toContain('Open deals and deals not yet created, Nov 2026 – Jan 2027 · CRM probabilities: $330,000 · plus $55,000 already won: $300,000');
    expect(html).toMatch(/id="kpi-win-rate">.*data-value="0.3457">34.6%</);
    expect(html).toMatch(/id="kpi-sales-velocity">.*data-value="5402.78">\$5,403 <span class="unit">\/ day</);
    expect(html).toContain('82 open deals');
    expect(html).toContain('28 won, 53 lost, closed since Aug 27, 2026');
  });

  it('says "1 open deal" in the singular, in the KPI and the overdue line', () => {
    const r = sampleReports();
    r.pipeline.total.count = 1;
    r.forecast.overdue = { count: 1, value: 5_000 };
    const { html } = renderDashboardPage(input({ reports: r }));
    expect(html).toContain('1 open deal<');
    expect(html).toContain('1 open deal ($5,000) has a close date in the past and is in no month.');
  });

  it('writes the cumulative funnel as a table with share of the first stage and conversion to next', () => {
    const { html } = renderDashboardPage(input());
    const table = html.slice(html.indexOf('<table id="funnel-table">'), html.indexOf('</table>', html.indexOf('<table id="funnel-table">')));
    expect(table).toContain('<td>Proposal</td><td class="num">60</td><td class="num">30.0%</td><td class="num">50.0%</td>');
    expect(table).toContain('<td>Closed Won</td><td class="num">18</td><td class="num">9.0%</td><td class="num">—</td>');
    // The cohort's win rate, 18 won ÷ (18 + 32) closed, said apart from the headline's (deals closed since 27 Aug).
    expect(html).toContain('Win rate of these deals, among those closed so far: 36.0% (the headline win rate counts deals closed since Aug 27, 2026, whenever created).');
    expect(html).toMatch(/Win rate, closed deals/);
  });

  it('escapes report text: a deal name cannot inject markup', () => {
    const { html } = renderDashboardPage(input());
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('is self-contained: a hash-only CSP that forbids every load, and no external reference', () => {
    const { html } = renderDashboardPage(input());
    const csp = contentSecurityPolicy({ scripts: [DEALS_TABLE_SCRIPT], styles: [PAGE_STYLE] });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${sha(DEALS_TABLE_SCRIPT)}`);
    expect(csp).toContain(`style-src ${sha(PAGE_STYLE)}`);
    expect(csp).not.toContain('unsafe');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp.replace(/'/g, '&#39;')}">`);
    expect(html).toContain(`<script>${DEALS_TABLE_SCRIPT}</script>`);
    expect(html).toContain(`<style>${PAGE_STYLE}</style>`);
    // No loads: no src/href attributes pointing anywhere, no CSS url() outside SVG fragment refs.
    expect(html).not.toMatch(/\ssrc=/);
    expect(html).not.toMatch(/<link\b/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('gives each chart its own SVG ids so clip paths do not collide', () => {
    const { html } = renderDashboardPage(input());
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('<clipPath id="chart-forecast-1">');
    expect(html).toContain('clip-path="url(#chart-forecast-1)"');
    expect(scopeSvgIds('<svg><g clip-path="url(#other)"/></svg>', 'x')).toBe('<svg><g clip-path="url(#other)"/></svg>');
    // vega's process-wide counter does not leak into the page: the same chart renders the same.
    const a = '<svg><clipPath id="clip7"/><clipPath id="clip9"/><g clip-path="url(#clip9)"/><use href="#clip7"/></svg>';
    const b = '<svg><clipPath id="clip40"/><clipPath id="clip42"/><g clip-path="url(#clip42)"/><use href="#clip40"/></svg>';
    expect(scopeSvgIds(a, 'c')).toBe(scopeSvgIds(b, 'c'));
    expect(scopeSvgIds(a, 'c')).toBe('<svg><clipPath id="c-1"/><clipPath id="c-2"/><g clip-path="url(#c-2)"/><use href="#c-1"/></svg>');
  });

  it('lists every deal with sort keys and filter attributes; names can be replaced by ids', () => {
    const { html } = renderDashboardPage(input());
    expect(html.match(/<tr data-id=/g)).toHaveLength(5);
    expect(html).toContain(
      '<tr data-id="d2"><td class="name">Globex renewal</td><td class="num" data-sort="12000">$12,000</td><td>Negotiation</td><td>Contract</td><td>Ben Okafor</td><td>Renewals</td><td class="num" data-sort="30">30 d</td><td class="num" data-sort="3">3.0×</td><td data-sort="2026-11-30">Nov 30, 2026</td></tr>',
    );
    expect(html).toContain('<th scope="col" data-filter="owner"><button type="button" data-type="text">Owner</button></th>');
    expect(html).toContain('<option value="Renewals">Renewals</option>');
    // 82 open deals, 80 ranked by the deals report (5 listed), 2 in stages without history.
    expect(html).toContain('The 5 listed are the most overdue of 80. 2 more open deals are in stages with too little history to compare against, and not listed.');
    expect(html).toContain('<td class="num" data-sort="">—</td>'); // Umbrella's missing amount sorts last
    const r = sampleReports();
    const hidden = renderDashboardPage(input({ reports: { ...r, deals: withoutDealNames(r.deals) } })).html;
    for (const d of r.deals.deals) expect(hidden).not.toContain(d.name.split(' ')[0]);
    expect(hidden).toContain('<td class="name">Deal d1</td>');
  });

  it('shows freshness, and warns when the data is stale or missing', () => {
    const fresh = renderDashboardPage(input()).html;
    expect(fresh).toContain('Nov 24, 2026, 08:00 UTC');
    expect(fresh).toContain('Nov 24, 2026, 07:45 UTC (15 min before this page)');
    expect(fresh).not.toContain('class="warning"');
    const stale = renderDashboardPage(input({ dataSyncedAt: '2026-11-22T07:00:00.000Z' })).html;
    expect(stale).toContain('The data is more than 24 hours old');
    const never = renderDashboardPage(input({ dataSyncedAt: null })).html;
    expect(never).toContain('No CRM sync has succeeded yet');
    expect(renderDashboardPage(input({ timeZone: 'Europe/Berlin' })).html).toContain('Nov 24, 2026, 09:00 GMT+1');
  });

  it('fingerprints the content, not the timestamps', () => {
    const a = renderDashboardPage(input());
    const later = renderDashboardPage(input({ generatedAt: '2026-11-24T09:00:00.000Z', dataSyncedAt: '2026-11-24T08:45:00.000Z' }));
    expect(later.html).not.toBe(a.html);
    expect(later.fingerprint).toBe(a.fingerprint);
    expect(readFingerprint(a.html)).toBe(a.fingerprint);
    const r = sampleReports();
    r.pipeline.total.value += 1;
    expect(renderDashboardPage(input({ reports: r })).fingerprint).not.toBe(a.fingerprint);
    // A stale-data warning is content: it changes the fingerprint.
    expect(renderDashboardPage(input({ dataSyncedAt: '2026-11-20T00:00:00.000Z' })).fingerprint).not.toBe(a.fingerprint);
  });

  it('says so when activities are not available instead of showing zeros', () => {
    const r = sampleReports();
    r.reps.activities_available = false;
    const { html } = renderDashboardPage(input({ reports: r }));
    expect(html).toContain('activity data is not available');
    expect(html).toContain('<td>Ana Ruiz</td><td class="num">n/a</td>');
  });
});
