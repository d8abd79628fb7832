/**
 * `dealcast import-csv [FILE] [--history FILE] [--mapping FILE] [--map field=Header …]
 *  [--date-order dmy|mdy|ymd] [--full [--confirm-deletions]] [--now ISO] [--rejects FILE]`
 *
 * Imports a deals export (and optionally a stage-history file) through the CSV connector and
 * the sync engine, then says what happened: deals imported new, deals updated in place, rows
 * rejected with their row numbers and reasons. Flags win over CSV_* settings.
 *
 * Bad input loses nothing: a rejected row's deal keeps its last imported data (a full import
 * does not mark it deleted); a file with no good row is refused whole (exit 2); a full import
 * whose deletions the engine held back (most live deals missing) exits 1 and says how to confirm.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseRatesFile } from '../metrics/money.js';
import type { CurrencyInfo } from '../sync/connector.js';
import { computeReport } from '../reports/compute.js';
import { qualityHighlights } from './report-format.js';
import { plural } from '../views/numbers.js';
import { currencyCoverage } from '../../store/report-queries.js';
import { loadCurrencySettings } from '../../store/currency-rates.js';
import { createCsvConnector, csvOptionsFromConfig } from '../connectors/csv.js';
import { DEAL_FIELDS, HISTORY_FIELDS, type CsvMapping, type DealField, type HistoryField } from '../connectors/csv-headers.js';
import { UsageError } from '../errors.js';
import { runSync } from '../sync/engine.js';
import { countDeals } from '../../store/deals.js';
import { cliConfig, escapeControl, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';

/** Reads `--map field=Header` (deal fields) and `--map history.field=Header` (history file fields). */
export function parseMapFlags(values: string[]): CsvMapping {
  const mapping: CsvMapping = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const field = eq > 0 ? v.slice(0, eq).trim() : '';
    const header = eq > 0 ? v.slice(eq + 1).trim() : '';
    if (!field || !header) throw new UsageError(`--map "${v}" is not field=Header.`, 'For example: --map stage="Sales Phase" --map amount="Net Value".');
    if (field.startsWith('history.')) {
      const f = field.slice('history.'.length) as HistoryField;
      if (!HISTORY_FIELDS.includes(f)) throw new UsageError(`--map ${field}: the history file has no field "${f}".`, `History fields: ${HISTORY_FIELDS.join(', ')}.`);
      mapping.history = { ...mapping.history, [f]: header };
    } else {
      if (!DEAL_FIELDS.includes(field as DealField)) throw new UsageError(`--map ${field}: there is no deal field "${field}".`, `Deal fields: ${DEAL_FIELDS.join(', ')}.`);
      mapping.columns = { ...mapping.columns, [field]: header };
    }
  }
  return mapping;
}

const csvField = (s: string | number) => (/[",\n\r]/.test(String(s)) ? `"${String(s).replace(/"/g, '""')}"` : String(s));

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      history: { type: 'string' },
      mapping: { type: 'string' },
      map: { type: 'string', multiple: true },
      'date-order': { type: 'string' },
      full: { type: 'boolean' },
      'confirm-deletions': { type: 'boolean' },
      now: { type: 'string' },
      rejects: { type: 'string' },
      rates: { type: 'string' },
    },
    'import-csv',
    true,
  );
  if (values['confirm-deletions'] && !values.full) throw new UsageError('--confirm-deletions goes with --full.', 'Only a full import marks deals missing from the file deleted.');
  if (positionals.length > 1) throw new UsageError('import-csv takes one deals file.', 'Usage: dealcast import-csv deals.csv [--history history.csv] [--mapping mapping.json]');
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io, {
    CRM: 'csv',
    CSV_PATH: positionals[0],
    CSV_HISTORY_PATH: values.history,
    CSV_MAPPING_PATH: values.mapping,
    CSV_DATE_ORDER: values['date-order'],
  });
  const mapping = parseMapFlags(values.map ?? []);
  let money: CurrencyInfo | undefined;
  if (values.rates) {
    const path = values.rates;
    try {
      money = { ...parseRatesFile(readFileSync(path, 'utf8')), source: `rates file ${basename(path)}` };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(
        e.code === 'ENOENT' ? `--rates: there is no file ${path}.` : `--rates ${path}: ${e.message}.`,
        'A rates file is CSV with a "currency,rate" header: one unit of each currency in the base currency, the base itself at 1 (e.g. "USD,1" then "EUR,1.08"); an optional "date" column dates a rate.',
      );
    }
  }
  const db = openStore(config);
  // Dates without a zone in the file are wall times of the team's zone (the admin's setting wins).
  const timeZone = teamTimeZone(db, config);
  const now = nowIn(timeZone);
  const connector = createCsvConnector({ ...csvOptionsFromConfig(config), timeZone, mapping });
  // The engine saves the rates with the import, and the reports convert with them.
  if (money) {
    const rates = money;
    connector.currencies = async () => rates;
  }
  try {
    const before = countDeals(db, 'csv').total;
    io.stdout(`Importing ${config.CSV_PATH}${config.CSV_HISTORY_PATH ? ` with stage history ${config.CSV_HISTORY_PATH}` : ''} into ${config.DEALCAST_DB}…`);
    // The connector logs its own report (columns, rejected rows); keep the engine's progress quiet.
    // The report quotes cells (rejected values): a cell with a line break must not forge a log line.
    const writeRejects = () => {
      const report = connector.lastReport;
      if (!values.rejects || !report) return;
      const all = [...report.deals.rejected, ...(report.history?.rejected ?? [])];
      writeFileSync(values.rejects, `${['file,row,reason', ...all.map((p) => [p.file, p.row, p.reason].map(csvField).join(','))].join('\n')}\n`);
      io.stdout(`Wrote ${all.length} rejected row${all.length === 1 ? '' : 's'} to ${values.rejects}.`);
    };
    let result: Awaited<ReturnType<typeof runSync>>;
    try {
      result = await runSync(db, connector, {
        full: values.full,
        confirmDeletions: values['confirm-deletions'],
        now: values.now ? now : undefined,
        log: (line) => io.stdout(escapeControl(line)),
      });
    } catch (err) {
      // A file refused whole still gets its rejects listed: they say what to fix.
      writeRejects();
      throw err;
    }
    const report = connector.lastReport!;
    const created = countDeals(db, 'csv').total - before;
    const accepted = report.deals.accepted;
    const rejected = report.deals.rejected.length;
    io.stdout(
      `Imported ${created} new deal${created === 1 ? '' : 's'}, updated ${accepted - created} in place, rejected ${rejected} row${rejected === 1 ? '' : 's'}` +
        `${report.history ? `; stage history: ${plural(report.history.accepted, 'row', 'rows')} accepted, ${report.history.rejected.length} rejected` : ''}` +
        `${result.deleted ? `; ${plural(result.deleted, 'deal', 'deals')} missing from this file marked deleted` : ''}` +
        `${result.keptUnread ? `; ${result.keptUnread} deal${result.keptUnread === 1 ? '' : 's'} whose rows were rejected keep their last imported data` : ''}.`,
    );
    const held = result.deletionsHeld;
    // The engine has logged which deletions it held back and why; say what to do about it.
    if (held) {
      io.stdout(
        held.kind === 'unidentified-rows'
          ? 'To mark deals missing from the file deleted, fix the rejected rows and import again with --full.'
          : 'If the file really is the complete export, import it again with --full --confirm-deletions to mark them deleted.',
      );
    }
    for (const line of moneySummary(db)) io.stdout(line);
    const quality = qualityHighlights(computeReport(db, 'csv', 'quality', { timeZone, now }));
    if (quality) io.stdout(quality);
    writeRejects();
    return held ? 1 : 0;
  } finally {
    db.close();
  }
}


/** What the import summary says about money: the currencies seen, and those without a rate. */
function moneySummary(db: import('../../store/db.js').Db): string[] {
  const coverage = currencyCoverage(db, 'csv');
  if (coverage.length <= 1 && coverage.every((c) => c.converted === c.deals)) return [];
  const settings = loadCurrencySettings(db, 'csv');
  const out = [`Amounts in ${plural(coverage.length, 'currency', 'currencies')}: ${coverage.map((c) => `${c.currency} ${c.deals}`).join(', ')}${settings.source ? ` (rates: ${settings.source})` : ''}.`];
  const missing = coverage.filter((c) => c.converted < c.deals);
  if (missing.length) {
    out.push(
      `No exchange rate for ${missing.map((c) => `${c.currency} (${plural(c.deals - c.converted, 'deal', 'deals')})`).join(', ')}: those deals are left out of money totals. ` +
        'Import again with --rates FILE (a "currency,rate" CSV) to include them.',
    );
  }
  return out;
}
