/**
 * The dashboard's stylesheet: system fonts only (nothing to load), a card grid that falls to one
 * column on a phone, tables that scroll sideways inside their card rather than the page, and a
 * print layout without the filter controls.
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light;
  --ink: #1d2330; --muted: #5b6475; --line: #e2e5eb; --bg: #f5f6f8; --card: #fff;
  --accent: #2b59c3; --warn-bg: #fff4e0; --warn-ink: #7a4b00;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 var(--font); }
main { max-width: 1280px; margin: 0 auto; padding: 16px; }
header.page { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: baseline; justify-content: space-between; margin-bottom: 12px; }
header.page h1 { font-size: 22px; margin: 0; }
header.page .scope { color: var(--muted); margin: 2px 0 0; }
.stamps { margin: 0; color: var(--muted); font-size: 13px; display: grid; grid-template-columns: auto auto; gap: 0 8px; }
.stamps dt { font-weight: 600; }
.stamps dd { margin: 0; }
.warning { background: var(--warn-bg); color: var(--warn-ink); border: 1px solid #f0c36d; border-radius: 8px; padding: 8px 12px; margin: 0 0 12px; }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; margin: 0 0 16px; padding: 0; list-style: none; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.kpi h2 { font-size: 13px; font-weight: 600; color: var(--muted); margin: 0 0 4px; text-transform: uppercase; letter-spacing: .03em; }
.kpi .value { font-size: 26px; font-weight: 700; margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: normal; }
.kpi .unit { white-space: nowrap; }
.kpi .unit { font-size: 15px; font-weight: 600; color: var(--muted); }
.kpi .note { font-size: 12.5px; color: var(--muted); margin: 4px 0 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 16px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px; min-width: 0; }
section.card.wide { grid-column: 1 / -1; }
section.card > h2 { font-size: 17px; margin: 0 0 4px; }
section.card > p.lede { color: var(--muted); margin: 0 0 10px; font-size: 13.5px; }
figure.chart { margin: 0; }
.split { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 16px 24px; align-items: start; }
.split > * { min-width: 0; }
figure.chart svg { display: block; width: 100%; max-width: 720px; height: auto; margin: 0 auto; }
/* The charts were laid out with Inter's metrics; where Inter is not installed, fall back to faces
   no wider than it (Roboto, Helvetica, Arial and its metric twin Liberation Sans) so no label
   outgrows the space measured for it. Not system-ui: on Linux that is often the wider DejaVu. */
figure.chart svg text { font-family: Inter, Roboto, "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; }
.chart-card .note { color: var(--muted); font-size: 12.5px; margin: 6px 0 0; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
details { margin-top: 8px; }
details summary { cursor: pointer; color: var(--accent); font-size: 13.5px; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); background: #fafbfc; }
td.num, th.num { text-align: right; }
tfoot td { font-weight: 600; border-top: 2px solid var(--line); }
td.name { white-space: normal; min-width: 12em; max-width: 28em; overflow-wrap: anywhere; }
/* The deal name stays in view while the other columns scroll sideways (phones). */
#deals-table td.name, #deals-table th:first-child { position: sticky; left: 0; z-index: 1; background: var(--card); box-shadow: 1px 0 0 var(--line); }
#deals-table th:first-child { background: #fafbfc; }
th button { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
th button::after { content: "\\2195"; opacity: .35; font-size: 11px; }
th[aria-sort="ascending"] button::after { content: "\\25B2"; opacity: 1; }
th[aria-sort="descending"] button::after { content: "\\25BC"; opacity: 1; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin: 6px 0 8px; }
.filters label { display: flex; flex-direction: column; font-size: 12.5px; color: var(--muted); gap: 2px; min-width: 0; }
.filters select, .filters input, .filters button { font: inherit; font-size: 14px; height: 36px; padding: 0 8px; border: 1px solid #c9ced8; border-radius: 6px; background: #fff; color: var(--ink); max-width: 100%; }
.filters .text { flex: 1 1 14em; }
.filters .text input { width: 100%; }
.filters button { cursor: pointer; }
.count { font-size: 13px; color: var(--muted); margin: 0; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12.5px; margin: 18px 0 8px; }
@media (max-width: 1000px) {
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 760px) {
  main { padding: 10px; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .kpi { padding: 10px; }
  section.card { padding: 10px; }
  /* The chart SVGs carry their own padding; let them use the card's. */
  figure.chart { margin: 0 -6px; }
  .kpi .value { font-size: clamp(16px, 5vw, 21px); }
  header.page h1 { font-size: 19px; }
  .filters label { flex: 1 1 40%; }
  .filters select { width: 100%; }
  .kpi .note { font-size: 12px; }
  th, td { padding: 6px 6px; }
  td.name { min-width: 9em; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  .filters, details summary { display: none; }
  section.card, .kpi { break-inside: avoid; border-color: #bbb; }
  .grid { display: block; }
  section.card { margin-bottom: 12px; }
  .table-wrap { overflow: visible; }
  .kpis { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; }
  .kpi { padding: 8px 10px; }
  .kpi .value { font-size: 15pt; }
  th, td { white-space: normal; padding: 4px 5px; }
  #deals-table td.name, #deals-table th:first-child { position: static; box-shadow: none; }
  th button::after { content: none; }
}
`;

/** The unlock page's stylesheet. */
export const UNLOCK_STYLE = `
:root { color-scheme: light; --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: #f5f6f8; color: #1d2330; font: 15px/1.45 var(--font); padding: 16px; }
main { background: #fff; border: 1px solid #e2e5eb; border-radius: 12px; padding: 24px; width: 100%; max-width: 420px; }
h1 { font-size: 20px; margin: 0 0 6px; }
p { margin: 0 0 14px; color: #5b6475; }
form { display: flex; flex-direction: column; gap: 8px; }
label { font-weight: 600; font-size: 14px; }
.row { display: flex; gap: 8px; }
input { flex: 1; min-width: 0; font: inherit; font-size: 16px; padding: 9px 10px; border: 1px solid #c9ced8; border-radius: 6px; }
button { font: inherit; font-weight: 600; padding: 9px 16px; border: 0; border-radius: 6px; background: #2b59c3; color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: progress; }
#unlock-status { min-height: 1.45em; margin: 12px 0 0; font-weight: 600; color: #1d2330; }
#unlock-status.error { color: #b3261e; }
.fine { font-size: 12.5px; margin: 14px 0 0; }
`;
