/**
 * The dashboard's only script: filtering and sorting the deals table in the browser. Plain
 * ES2017 JavaScript, no framework, no network. The rows are rendered in HTML (so the table prints
 * and reads without JavaScript); the script hides rows that do not match and reorders them.
 *
 * Contract with page.ts: table#deals-table with one <tbody>; each row carries data-id; a cell's
 * optional data-sort is its sort key (a number for numeric columns, an ISO date, '' = empty and
 * sorted last), else its text is. Header cells hold a <button data-type="number|date|text">:
 * numbers compare as numbers, ISO dates as dates, text with the viewer's locale collation
 * (Intl.Collator: accents next to their letter, digits by value, any script); the
 * stage, owner and pipeline headers carry data-filter naming the <select> that matches their
 * column's text. Text search matches the row's text and id. Controls: #deals-filters (shown by the script),
 * #filter-stage, #filter-owner, #filter-pipeline (<select>), #filter-text, #filter-reset,
 * #deals-count and #deals-empty.
 *
 * Kept as a string (not TypeScript) because it runs in the browser, whose DOM types this Node
 * project does not compile against; the browser tests exercise it.
 */
export const DEALS_TABLE_SCRIPT = `(function () {
  'use strict';
  var table = document.getElementById('deals-table');
  if (!table || !table.tBodies.length) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var byId = function (id) { return document.getElementById(id); };
  var stage = byId('filter-stage'), owner = byId('filter-owner'), pipeline = byId('filter-pipeline');
  var text = byId('filter-text'), reset = byId('filter-reset'), count = byId('deals-count'), empty = byId('deals-empty');
  var filters = byId('deals-filters');
  if (filters) filters.hidden = false;

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var columnOf = {};
  headers.forEach(function (th, i) { var f = th.getAttribute('data-filter'); if (f) columnOf[f] = i; });
  var cellText = function (tr, key) { var i = columnOf[key]; return i === undefined || !tr.cells[i] ? '' : tr.cells[i].textContent; };
  // Rows are reordered by sorting, so the search text is keyed by row, not by position.
  var searchText = new WeakMap();
  rows.forEach(function (tr) { searchText.set(tr, (tr.textContent + ' ' + (tr.getAttribute('data-id') || '')).toLowerCase()); });

  function apply() {
    var s = stage ? stage.value : '', o = owner ? owner.value : '', p = pipeline ? pipeline.value : '';
    var terms = (text ? text.value : '').toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (tr) {
      var search = searchText.get(tr);
      var ok = (!s || cellText(tr, 'stage') === s) &&
        (!o || cellText(tr, 'owner') === o) &&
        (!p || cellText(tr, 'pipeline') === p) &&
        terms.every(function (t) { return search.indexOf(t) !== -1; });
      tr.hidden = !ok;
      if (ok) shown++;
    });
    if (count) count.textContent = shown === rows.length ? (rows.length === 1 ? 'Showing 1 deal' : 'Showing all ' + rows.length + ' deals') : 'Showing ' + shown + ' of ' + rows.length + ' deals';
    if (empty) empty.hidden = shown !== 0;
  }

  // The viewer's own locale: 山田, محمد, Ąna and émile each sort where a reader of that language expects.
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  var current = { col: -1, dir: 1 };
  function sortBy(col, dir) {
    var th = headers[col];
    var button = th && th.querySelector('button');
    var type = (button && button.getAttribute('data-type')) || 'text';
    var key = function (tr) {
      var cell = tr.cells[col];
      if (!cell) return null;
      var v = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent;
      if (v === null || v === '') return null;
      if (type === 'number') { var n = Number(v); return isFinite(n) ? n : null; }
      if (type === 'date') { var t = Date.parse(v); return isFinite(t) ? t : null; }
      return v;
    };
    // Keys once per sort, not once per comparison; ties keep the order they had (stable sort).
    var keyed = rows.map(function (tr, i) { return { tr: tr, k: key(tr), i: i }; });
    keyed.sort(function (a, b) {
      var x = a.k, y = b.k;
      if (x === null && y === null) return a.i - b.i;
      if (x === null) return 1; // empty values last, whichever the direction
      if (y === null) return -1;
      var c = type === 'text' ? collator.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
      return c * dir || a.i - b.i;
    });
    rows = keyed.map(function (e) { return e.tr; });
    var frag = document.createDocumentFragment();
    rows.forEach(function (tr) { frag.appendChild(tr); });
    tbody.appendChild(frag);
    current = { col: col, dir: dir };
    headers.forEach(function (h, i) {
      if (i === col) h.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      else h.removeAttribute('aria-sort');
    });
  }
  headers.forEach(function (th, i) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      // Numbers start largest first (the question is usually "which are biggest"), dates soonest first, text A→Z.
      var first = button.getAttribute('data-type') === 'number' ? -1 : 1;
      sortBy(i, current.col === i ? -current.dir : first);
    });
    if (th.getAttribute('aria-sort')) current = { col: i, dir: th.getAttribute('aria-sort') === 'ascending' ? 1 : -1 };
  });

  [stage, owner, pipeline].forEach(function (el) { if (el) el.addEventListener('change', apply); });
  if (text) text.addEventListener('input', apply);
  if (reset) reset.addEventListener('click', function () {
    [stage, owner, pipeline, text].forEach(function (el) { if (el) el.value = ''; });
    apply();
  });
  apply();
})();
`;
