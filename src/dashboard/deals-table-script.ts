/**
 * The dashboard's only script: filtering and sorting the deals table in the browser. Plain
 * ES2017 JavaScript, no framework, no network. The rows are rendered in HTML (so the table prints
 * and reads without JavaScript); the script hides rows that do not match and reorders them.
 *
 * Contract with page.ts: table#deals-table with one <tbody>; each row carries data-stage,
 * data-owner, data-pipeline and data-search (lower-case text to match); each cell data-sort
 * (a number for numeric columns, text otherwise, '' when empty). Header cells hold a
 * <button data-col data-type="number|text">. Controls: #deals-filters (shown by the script),
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

  function apply() {
    var s = stage ? stage.value : '', o = owner ? owner.value : '', p = pipeline ? pipeline.value : '';
    var terms = (text ? text.value : '').toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (tr) {
      var search = tr.getAttribute('data-search') || '';
      var ok = (!s || tr.getAttribute('data-stage') === s) &&
        (!o || tr.getAttribute('data-owner') === o) &&
        (!p || tr.getAttribute('data-pipeline') === p) &&
        terms.every(function (t) { return search.indexOf(t) !== -1; });
      tr.hidden = !ok;
      if (ok) shown++;
    });
    if (count) count.textContent = shown === rows.length ? 'Showing all ' + rows.length + ' deals' : 'Showing ' + shown + ' of ' + rows.length + ' deals';
    if (empty) empty.hidden = shown !== 0;
  }

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var current = { col: -1, dir: 1 };
  function sortBy(col, dir) {
    var th = headers[col];
    var button = th && th.querySelector('button');
    var numeric = button && button.getAttribute('data-type') === 'number';
    var key = function (tr) {
      var v = tr.cells[col] ? tr.cells[col].getAttribute('data-sort') : '';
      if (v === null || v === '') return null;
      return numeric ? Number(v) : v.toLowerCase();
    };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null && y === null) return 0;
      if (x === null) return 1; // empty values last, whichever the direction
      if (y === null) return -1;
      if (numeric) return (x - y) * dir;
      return x.localeCompare(y) * dir;
    });
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
      // Numbers start largest first (the question is usually "which are biggest"), text A→Z.
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
