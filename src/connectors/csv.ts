/**
 * CSV connector (CRM=csv): the path for teams without API access. Reads a deals export from
 * HubSpot, Salesforce or Pipedrive (headers recognised on sight, see csv-headers.ts) or any
 * other CRM through an explicit column mapping, plus an optional stage-history file, and
 * offers them as the usual streams: pipelines, stages, owners, deals and stage history. There
 * are no activities in a deals export.
 *
 * Every data row is either imported or reported with its row number and reason (the header
 * is row 1, as in a spreadsheet). The report is logged through the sync's `log` and kept on
 * `connector.lastReport`. Deal ids come from the export's id column, so re-importing the same
 * or a newer export updates deals in place. Contact emails and phone numbers are never read.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { autoMapStage, canonicalDepth, inferClosedFlags } from '../model/canonical-stages.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import {
  STYLE_LABELS,
  detectStyle,
  readMappingFile,
  resolveDealColumns,
  resolveHistoryColumns,
  stageEnteredColumnsOf,
  styleDefaults,
  type CsvMapping,
  type DealField,
  type ExportStyle,
  type HistoryField,
} from './csv-headers.js';
import {
  dateOrderVotes,
  detectDecimalMark,
  parseAmountCell,
  parseDateCell,
  parseFlagCell,
  parseStatusCell,
  type DateOrder,
  type DecimalMark,
  type ParsedDate,
} from './csv-values.js';
import type { DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../model/rows.js';
import type { Connector, FieldTypeChange, Page, ReadContext, Stream } from '../sync/connector.js';

export interface CsvConnectorOptions {
  /** The deals export. */
  path: string;
  /** Optional stage history: one row per (deal id, stage, date entered). */
  historyPath?: string | null;
  /** Explicit column mapping; merged over `mappingPath` (flags win over the file). */
  mapping?: CsvMapping;
  mappingPath?: string | null;
  /** How numbers-only dates are read when the file itself does not tell. Default 'auto'. */
  dateOrder?: DateOrder | 'auto';
  /** IANA zone for date-times written without an offset (CRM exports use the user's zone). */
  timeZone?: string;
}

export interface CsvRowProblem {
  file: string;
  /** Spreadsheet row number: the header is row 1, the first deal row 2. */
  row: number;
  reason: string;
}

export interface CsvFileReport {
  file: string;
  encoding: string;
  delimiter: string;
  /** Data rows read (not counting the header, blank lines or a report footer). */
  rowsRead: number;
  accepted: number;
  rejected: CsvRowProblem[];
  /** Field → the column it was read from. */
  columns: Record<string, string>;
  /** Columns with contact emails or phone numbers: never read. */
  droppedContactColumns: string[];
  /** Columns dealcast has no use for (not imported). */
  unusedColumns: string[];
}

export interface CsvImportReport {
  style: ExportStyle;
  styleLabel: string;
  dateOrder: DateOrder;
  decimalMark: DecimalMark;
  deals: CsvFileReport;
  history: CsvFileReport | null;
  /** Columns read as "date the deal entered stage X" (HubSpot's Date entered …, Maven's engage_date). */
  stageEnteredColumns: { header: string; stage: string }[];
  /** True when the file has no id column and deal ids were derived from name + created date. */
  derivedIds: boolean;
  /** Things worth knowing that did not stop a row (stale flags, guessed dates, footers). */
  warnings: string[];
  /** Ids of the deals offered to the sync, in file order. */
  dealIds: string[];
  /**
   * Ids named by rejected rows (the id column, or the id derived from name and created date):
   * those deals keep their last imported data, and a full import does not mark them deleted.
   */
  rejectedDealIds: string[];
  /** Rejected rows that do not say which deal they are (a malformed line, an empty id): a full import then deletes nothing. */
  unidentifiedRejects: number;
}

export interface CsvImport {
  pipelines: PipelineRow[];
  stages: StageRow[];
  owners: OwnerRow[];
  deals: DealRow[];
  stageHistory: StageHistoryRow[];
  report: CsvImportReport;
  /** Deal fields whose column no longer holds values of their type (an amount column of text): read blank, kept by the sync. */
  typeChanged: FieldTypeChange[];
}

/**
 * Fewest filled cells an amount column needs before "none of them is an amount" means the
 * column changed type (a new export with a text column under that header) rather than a few
 * mistyped rows, which are rejected one by one with their reasons.
 */
export const RETYPED_COLUMN_MIN_CELLS = 3;

export interface CsvConnector extends Connector {
  /** The report of the last read (null before the first sync). */
  readonly lastReport: CsvImportReport | null;
}

const DEFAULT_PIPELINE_ID = 'csv-default';

interface Table {
  file: string;
  encoding: string;
  delimiter: string;
  headers: string[];
  /** [row number, cells]. */
  rows: [number, string[]][];
  problems: CsvRowProblem[];
  footerLines: number;
  blankRows: number;
}

function decode(buf: Buffer): { text: string; encoding: string } {
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'UTF-16LE' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'UTF-16BE' };
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bom ? buf.subarray(3) : buf);
    return { text, encoding: bom ? 'UTF-8 with BOM' : 'UTF-8' };
  } catch {
    // Excel and Salesforce reports often save Windows-1252; every byte is a character there.
    return { text: new TextDecoder('windows-1252').decode(buf), encoding: 'Windows-1252' };
  }
}

/** The delimiter the header line uses most outside quotes: ',' or ';' (Excel in comma-decimal locales) or tab. */
function sniffDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch] = (counts[ch] ?? 0) + 1;
  }
  const [best, n] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0] ?? [',', 0];
  return n > 0 ? best : ',';
}

/** Lines a Salesforce report export appends after the data ("Copyright (c) …", "Generated By: …"). */
const FOOTER_RE = /^(copyright|confidential information|generated by|grand totals?\b|total\b|powered by)/i;

function readTable(path: string, what: string): Table {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `The ${what} ${path} could not be read (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}).`,
      what === 'deals file' ? 'Set CSV_PATH to the path of a deals export (see docs/crm-csv.md).' : 'Set CSV_HISTORY_PATH to a stage-history export, or unset it.',
    );
  }
  const file = basename(path);
  const { text, encoding } = decode(buf);
  const delimiter = sniffDelimiter(text);
  const problems: CsvRowProblem[] = [];
  const records = parse(text, {
    bom: true,
    delimiter,
    // A stray quote inside a field ('Acme "Pro" plan' unquoted) is kept as written rather than
    // derailing the rest of the file; a quote that is opened and never closed is still an error.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      if (err) {
        const e = err as Error & { records?: number; lines?: number };
        if (problems.some((p) => p.row === (e.records ?? 0) + 1)) return undefined;
        problems.push({ file, row: (e.records ?? 0) + 1, reason: `the CSV is malformed here (${e.message}); this row and any it swallowed were not read` });
      }
      return undefined;
    },
  }) as unknown as { record: string[]; info: { records: number } }[];
  if (records.length === 0) {
    throw new UsageError(`The ${what} ${path} is empty.`, 'Export the deals again with a header row, then retry.');
  }
  const headers = records[0]!.record.map((h) => h.replace(/^\ufeff/, '').trim());
  const rows: [number, string[]][] = [];
  let footerLines = 0;
  let blankRows = 0;
  const data = records.slice(1);
  // A report footer: from a "Copyright …"/"Generated By …" line on, nothing but one-cell lines.
  const oneCell = (r: string[]) => r.filter((c) => c.trim() !== '').length <= 1 && r.length < headers.length;
  let footerAt = data.findIndex(({ record }) => oneCell(record) && FOOTER_RE.test(record.join('').trim()));
  if (footerAt >= 0 && !data.slice(footerAt).every(({ record }) => oneCell(record))) footerAt = -1;
  for (const [i, { record, info }] of data.entries()) {
    if (record.every((c) => c.trim() === '')) {
      blankRows++;
      continue;
    }
    if (footerAt >= 0 && i >= footerAt) {
      footerLines++;
      continue;
    }
    rows.push([info.records, record]);
  }
  return { file, encoding, delimiter, headers, rows, problems, footerLines, blankRows };
}

function mergeMapping(...ms: (CsvMapping | undefined)[]): CsvMapping {
  const out: CsvMapping = {};
  for (const m of ms) {
    if (!m) continue;
    const { columns, history, stageEnteredColumns, ...rest } = m;
    Object.assign(out, rest);
    if (columns) out.columns = { ...out.columns, ...columns };
    if (history) out.history = { ...out.history, ...history };
    if (stageEnteredColumns) out.stageEnteredColumns = { ...out.stageEnteredColumns, ...stageEnteredColumns };
  }
  return out;
}

const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');
const keyOf = (s: string) => collapse(s).toLowerCase();
const ownerIdFromName = (name: string) => `name:${keyOf(name)}`;
const pipelineIdFromName = (name: string) => `pipeline:${keyOf(name)}`;
const stageIdOf = (pipelineId: string, stage: string) => `${pipelineId}/${keyOf(stage)}`;

function normalizeCurrency(raw: string): string | null {
  const v = raw.trim();
  if (v === '') return null;
  if (/^[A-Za-z]{3}$/.test(v)) return v.toUpperCase();
  try {
    return parseAmountCell(`${v}1`, '.')?.currency ?? v;
  } catch {
    return v;
  }
}

interface StageInfo {
  id: string;
  pipelineId: string;
  name: string;
  firstSeen: number;
  closedVotes: number;
  openVotes: number;
  wonVotes: number;
  notWonVotes: number;
  sortOrder: number | null;
}

interface RowDraft {
  row: number;
  id: string;
  name: string;
  pipelineId: string;
  stage: StageInfo;
  ownerId: string | null;
  amount: number | null;
  currency: string | null;
  source: string | null;
  forecastCategory: string | null;
  created: ParsedDate | null;
  closeDate: ParsedDate | null;
  closedAt: ParsedDate | null;
  wonAt: ParsedDate | null;
  lostAt: ParsedDate | null;
  modifiedAt: ParsedDate | null;
  status: 'open' | 'won' | 'lost' | null;
  deleted: boolean;
  entered: { stage: StageInfo; at: ParsedDate }[];
}

const DATE_FIELDS: DealField[] = ['createdAt', 'closeDate', 'closedAt', 'wonAt', 'lostAt', 'modifiedAt'];

/**
 * Reads the deals export (and the history file, if any) into stream rows and a report.
 * Throws UsageError for problems with the whole file (unreadable, no stage column, dates
 * whose order nothing tells); problems with single rows go into the report.
 */
export function readCsvImport(opts: CsvConnectorOptions): CsvImport {
  const deals = readTable(opts.path, 'deals file');
  const style = detectStyle(deals.headers);
  const fileMapping = opts.mappingPath ? readMappingFile(opts.mappingPath) : undefined;
  const defaults = styleDefaults(style);
  const mapping = mergeMapping(defaults, fileMapping, opts.mapping);
  const timeZone = opts.timeZone ?? 'UTC';
  const warnings: string[] = [];

  const { columns, droppedContactColumns } = resolveDealColumns(deals.headers, mapping.columns ?? {});
  if (!columns.stage) {
    throw new UsageError(
      `The deals file ${deals.file} has no stage column that dealcast recognises.`,
      `Its columns are: ${deals.headers.join(', ')}. Name the stage column in a mapping file (CSV_MAPPING_PATH, {"columns": {"stage": "…"}}) or with --map stage="…" (see docs/crm-csv.md).`,
    );
  }
  if (!columns.id && !columns.name) {
    throw new UsageError(
      `The deals file ${deals.file} has neither an id column nor a deal name column that dealcast recognises.`,
      `Its columns are: ${deals.headers.join(', ')}. Map one in a mapping file ({"columns": {"id": "…"}}) or with --map id="…".`,
    );
  }
  // Style-supplied stage-entered columns only count when the file has them.
  const enteredExplicit = Object.fromEntries(
    Object.entries(mapping.stageEnteredColumns ?? {}).filter(([, h]) => deals.headers.some((x) => keyOf(x) === keyOf(h))),
  );
  const enteredColumns = stageEnteredColumnsOf(deals.headers, enteredExplicit).map((c) => ({
    ...c,
    index: deals.headers.findIndex((x) => keyOf(x) === keyOf(c.header)),
  }));
  const col = Object.fromEntries(Object.entries(columns).map(([f, h]) => [f, deals.headers.indexOf(h)])) as Partial<Record<DealField, number>>;
  const cell = (cells: string[], f: DealField): string => (col[f] === undefined ? '' : (cells[col[f]] ?? '').trim());

  const history = opts.historyPath ? readTable(opts.historyPath, 'stage-history file') : null;
  const historyCols = history ? resolveHistoryColumns(history.headers, mapping.history ?? {}) : null;
  if (history && historyCols && (!historyCols.columns.dealId || !historyCols.columns.stage || !historyCols.columns.enteredAt)) {
    throw new UsageError(
      `The stage-history file ${history.file} needs a deal id, a stage and a date column; dealcast recognised ${
        Object.keys(historyCols.columns).join(', ') || 'none of them'
      }.`,
      `Its columns are: ${history.headers.join(', ')}. Map them in the mapping file: {"history": {"dealId": "…", "stage": "…", "enteredAt": "…"}}.`,
    );
  }
  const hcol = historyCols
    ? (Object.fromEntries(Object.entries(historyCols.columns).map(([f, h]) => [f, history!.headers.indexOf(h)])) as Partial<Record<HistoryField, number>>)
    : {};
  const hcell = (cells: string[], f: HistoryField): string => (hcol[f] === undefined ? '' : (cells[hcol[f]] ?? '').trim());

  // --- Date order: the file decides when any date disambiguates; else the setting.
  const dateValues: string[] = [];
  for (const [, cells] of deals.rows) {
    for (const f of DATE_FIELDS) if (col[f] !== undefined) dateValues.push(cell(cells, f));
    for (const c of enteredColumns) dateValues.push(cells[c.index] ?? '');
  }
  if (history) for (const [, cells] of history.rows) dateValues.push(hcell(cells, 'enteredAt'));
  const dateOrder = chooseDateOrder(dateValues, mapping.dateOrder ?? opts.dateOrder ?? 'auto', deals.file, warnings);

  const decimalMark: DecimalMark = mapping.decimalMark ?? (col.amount === undefined ? null : detectDecimalMark(deals.rows.map(([, c]) => cell(c, 'amount')))) ?? '.';
  const typeChanged: FieldTypeChange[] = [];
  if (col.amount !== undefined) {
    const filled = deals.rows.map(([, c]) => cell(c, 'amount')).filter((v) => v !== '');
    const readable = (v: string) => {
      try {
        return parseAmountCell(v, decimalMark) !== null;
      } catch {
        return false;
      }
    };
    if (filled.length >= RETYPED_COLUMN_MIN_CELLS && !filled.some(readable)) {
      typeChanged.push({ field: 'amount', crmField: columns.amount ?? 'amount', found: 'a column of text, not amounts', dependents: ['currency'] });
      warnings.push(
        `None of the ${filled.length} filled cells of column ${columns.amount} is an amount: read as a column whose type changed, so amounts and their currencies keep their last imported values (see dealcast status).`,
      );
    }
  }
  const amountRetyped = typeChanged.length > 0;

  // --- Pipelines, stages, owners as the rows name them.
  const pipelines = new Map<string, PipelineRow>();
  const pipelineOf = (name: string): string => {
    const id = name === '' ? DEFAULT_PIPELINE_ID : pipelineIdFromName(name);
    if (!pipelines.has(id)) pipelines.set(id, { id, name: name === '' ? (mapping.defaultPipeline ?? 'Sales pipeline') : collapse(name), position: pipelines.size });
    return id;
  };
  const stages = new Map<string, StageInfo>();
  const stageOf = (pipelineId: string, name: string): StageInfo => {
    const id = stageIdOf(pipelineId, name);
    let s = stages.get(id);
    if (!s) {
      s = { id, pipelineId, name: collapse(name), firstSeen: stages.size, closedVotes: 0, openVotes: 0, wonVotes: 0, notWonVotes: 0, sortOrder: null };
      stages.set(id, s);
    }
    return s;
  };
  const owners = new Map<string, OwnerRow>();

  // --- Deals.
  const dealsRejected: CsvRowProblem[] = [...deals.problems];
  // Which deal a rejected row is, when it says: that deal is still in the CRM, only unreadable now.
  const rejectedIds = new Set<string>();
  let unidentifiedRejects = deals.problems.length;
  const derivedId = (name: string, created: ParsedDate | null, pipeline: string) =>
    `csv-${createHash('sha1').update(`${keyOf(name)}|${created?.date ?? ''}|${keyOf(pipeline)}`).digest('hex').slice(0, 16)}`;
  const noteRejectedId = (cells: string[]) => {
    const readable = (f: DealField) => col[f] === undefined || col[f]! < cells.length;
    let id: string | null = null;
    if (columns.id) id = readable('id') ? cell(cells, 'id') || null : null;
    else if (readable('name') && readable('pipeline') && readable('createdAt')) {
      try {
        id = derivedId(cell(cells, 'name'), col.createdAt === undefined ? null : parseDateCell(cell(cells, 'createdAt'), dateOrder, timeZone), cell(cells, 'pipeline'));
      } catch {
        id = null; // the created date is what is unreadable: the derived id cannot be known
      }
    }
    if (id === null) unidentifiedRejects++;
    else rejectedIds.add(id);
  };
  const drafts: RowDraft[] = [];
  const seenIds = new Map<string, number>();
  const label = (f: DealField) => `${columns[f]}`;
  const latest = { instant: null as string | null };
  const noteDate = (d: ParsedDate | null) => {
    if (d && (latest.instant === null || d.instant > latest.instant)) latest.instant = d.instant;
  };

  for (const [row, cells] of deals.rows) {
    const reasons: string[] = [];
    const extra = cells.slice(deals.headers.length).filter((c) => c.trim() !== '');
    if (cells.length < deals.headers.length || extra.length > 0) {
      reasons.push(`it has ${cells.length} ${cells.length === 1 ? 'field' : 'fields'} where the header has ${deals.headers.length}`);
      dealsRejected.push({ file: deals.file, row, reason: reasons.join('; ') });
      noteRejectedId(cells);
      continue;
    }
    const date = (f: DealField): ParsedDate | null => {
      if (col[f] === undefined) return null;
      try {
        const d = parseDateCell(cell(cells, f), dateOrder, timeZone);
        // An expected close date may lie in the future: it says nothing about when the export was taken.
        if (f !== 'closeDate') noteDate(d);
        return d;
      } catch (err) {
        reasons.push(`${label(f)} ${(err as Error).message}`);
        return null;
      }
    };
    const flag = (f: DealField): boolean | null => {
      if (col[f] === undefined) return null;
      try {
        return parseFlagCell(cell(cells, f));
      } catch (err) {
        reasons.push(`${label(f)} ${(err as Error).message}`);
        return null;
      }
    };
    const stageName = cell(cells, 'stage');
    if (stageName === '') reasons.push(`${label('stage')} is empty`);
    let amount: number | null = null;
    let amountCurrency: string | null = null;
    if (col.amount !== undefined && !amountRetyped) {
      try {
        const a = parseAmountCell(cell(cells, 'amount'), decimalMark);
        amount = a?.value ?? null;
        amountCurrency = a?.currency ?? null;
      } catch (err) {
        reasons.push(`${label('amount')} ${(err as Error).message}`);
      }
    }
    let status: RowDraft['status'] = null;
    let deleted = false;
    if (col.status !== undefined) {
      try {
        const s = parseStatusCell(cell(cells, 'status'));
        if (s === 'deleted') deleted = true;
        else status = s;
      } catch (err) {
        reasons.push(`${label('status')} ${(err as Error).message}`);
      }
    }
    const created = date('createdAt');
    const closeDate = date('closeDate');
    const closedAt = date('closedAt');
    const wonAt = date('wonAt');
    const lostAt = date('lostAt');
    const modifiedAt = date('modifiedAt');
    const isClosed = flag('isClosed');
    const isWon = flag('isWon');
    const entered: { header: string; stage: string; pipeline: string | null; at: ParsedDate }[] = [];
    for (const c of enteredColumns) {
      try {
        const at = parseDateCell(cells[c.index] ?? '', dateOrder, timeZone);
        noteDate(at);
        if (at) entered.push({ ...c, at });
      } catch (err) {
        reasons.push(`${c.header} ${(err as Error).message}`);
      }
    }

    let id = cell(cells, 'id');
    if (columns.id && id === '') reasons.push(`${label('id')} is empty`);
    if (reasons.length) {
      dealsRejected.push({ file: deals.file, row, reason: reasons.join('; ') });
      noteRejectedId(cells);
      continue;
    }

    const nameRaw = cell(cells, 'name');
    const pipelineName = cell(cells, 'pipeline');
    // No id column: a deterministic id from the fields least likely to change.
    if (!columns.id) id = derivedId(nameRaw, created, pipelineName);
    const firstRow = seenIds.get(id);
    if (firstRow !== undefined) {
      if (columns.id) {
        dealsRejected.push({ file: deals.file, row, reason: `${label('id')} ${id} appears again (first on row ${firstRow}); the first row was imported` });
        continue;
      }
      let n = 2;
      while (seenIds.has(`${id}~${n}`)) n++;
      warnings.push(`Rows ${firstRow} and ${row} have the same deal name and created date; row ${row} was imported as a separate deal (${id}~${n}).`);
      id = `${id}~${n}`;
    }
    seenIds.set(id, row);

    const pipelineId = pipelineOf(pipelineName);
    const stage = stageOf(pipelineId, stageName);
    if (isClosed !== null) isClosed ? stage.closedVotes++ : stage.openVotes++;
    if (isWon !== null) isWon ? stage.wonVotes++ : stage.notWonVotes++;

    const ownerName = cell(cells, 'owner');
    const ownerRawId = cell(cells, 'ownerId');
    let ownerId: string | null = null;
    if (ownerRawId || ownerName) {
      ownerId = ownerRawId || ownerIdFromName(ownerName);
      if (!owners.has(ownerId)) {
        owners.set(ownerId, { id: ownerId, name: ownerName ? collapse(ownerName) : ownerRawId, email: cell(cells, 'ownerEmail') || null, active: true });
      }
    }

    const currency = normalizeCurrency(cell(cells, 'currency')) ?? amountCurrency ?? mapping.currency ?? null;
    const name = nameRaw || (style === 'maven' ? mavenName(cells, deals.headers) : '') || id;

    drafts.push({
      row,
      id,
      name,
      pipelineId,
      stage,
      ownerId,
      amount,
      currency,
      source: cell(cells, 'source') || null,
      forecastCategory: cell(cells, 'forecastCategory') || null,
      created,
      closeDate,
      closedAt,
      wonAt,
      lostAt,
      modifiedAt,
      status,
      deleted,
      entered: entered
        .filter((e) => e.pipeline === null || keyOf(e.pipeline) === keyOf(pipelines.get(pipelineId)!.name))
        .map((e) => ({ stage: stageOf(pipelineId, e.stage), at: e.at })),
    });
  }

  // --- Stage history file: rows for deals in the deals file.
  const historyRejected: CsvRowProblem[] = history ? [...history.problems] : [];
  const historyRows: { dealId: string; stage: StageInfo; at: ParsedDate }[] = [];
  if (history) {
    const dealPipeline = new Map(drafts.map((d) => [d.id, d.pipelineId]));
    const rejectedDeals = new Set(dealsRejected.map((p) => p.row));
    for (const [row, cells] of history.rows) {
      const dealId = hcell(cells, 'dealId');
      const stageName = hcell(cells, 'stage');
      const reasons: string[] = [];
      if (dealId === '') reasons.push(`${historyCols!.columns.dealId} is empty`);
      if (stageName === '') reasons.push(`${historyCols!.columns.stage} is empty`);
      let at: ParsedDate | null = null;
      try {
        at = parseDateCell(hcell(cells, 'enteredAt'), dateOrder, timeZone);
        if (!at) reasons.push(`${historyCols!.columns.enteredAt} is empty`);
      } catch (err) {
        reasons.push(`${historyCols!.columns.enteredAt} ${(err as Error).message}`);
      }
      const pipelineId = dealPipeline.get(dealId);
      if (!reasons.length && pipelineId === undefined) {
        reasons.push(`deal ${dealId} is not in ${deals.file}${rejectedDeals.size ? ' (or its row there was rejected)' : ''}`);
      }
      if (reasons.length) {
        historyRejected.push({ file: history.file, row, reason: reasons.join('; ') });
        continue;
      }
      const stage = stageOf(pipelineId!, stageName);
      const order = Number(hcell(cells, 'sortOrder'));
      if (hcell(cells, 'sortOrder') !== '' && Number.isFinite(order)) stage.sortOrder = stage.sortOrder === null ? order : Math.min(stage.sortOrder, order);
      historyRows.push({ dealId, stage, at: at! });
    }
  }

  // --- Stage flags and order.
  const wonNames = new Set((mapping.wonStages ?? []).map(keyOf));
  const lostNames = new Set((mapping.lostStages ?? []).map(keyOf));
  const flagsOf = new Map<string, { isClosed: boolean; isWon: boolean }>();
  for (const s of stages.values()) {
    const byName = inferClosedFlags(s.name);
    let flags = byName;
    if (wonNames.has(keyOf(s.name))) flags = { isClosed: true, isWon: true };
    else if (lostNames.has(keyOf(s.name))) flags = { isClosed: true, isWon: false };
    else if (s.closedVotes + s.openVotes > 0) {
      const closedAgree = s.closedVotes === 0 || s.openVotes === 0;
      const wonAgree = s.wonVotes === 0 || s.notWonVotes === 0;
      const fromColumns = { isClosed: s.closedVotes > 0, isWon: s.closedVotes > 0 && s.wonVotes > 0 };
      if (closedAgree && wonAgree && (fromColumns.isClosed || !byName.isClosed)) {
        flags = fromColumns;
      } else if (closedAgree && wonAgree) {
        // Salesforce derives IsClosed/IsWon from the stage, so an open "Closed Lost" means the
        // flags are stale (seen in real exports); the name says more than they do.
        warnings.push(
          `Stage "${s.name}": the ${columns.isClosed} column says open for all ${s.openVotes} of its deals, but the name says closed; took ${
            byName.isWon ? 'closed won' : 'closed lost'
          } from the name.`,
        );
      } else {
        warnings.push(
          `Stage "${s.name}": the ${columns.isClosed}/${columns.isWon ?? 'won'} columns disagree across its deals (closed ${s.closedVotes}, open ${s.openVotes}, won ${s.wonVotes}); took ${
            byName.isClosed ? (byName.isWon ? 'closed won' : 'closed lost') : 'open'
          } from the stage's name.`,
        );
      }
    }
    flagsOf.set(s.id, flags);
  }
  const explicitOrder = (mapping.stageOrder ?? []).map(keyOf);
  const stageRows: StageRow[] = [];
  for (const pipelineId of pipelines.keys()) {
    const list = [...stages.values()].filter((s) => s.pipelineId === pipelineId);
    const rank = (s: StageInfo) => {
      const f = flagsOf.get(s.id)!;
      const explicit = explicitOrder.indexOf(keyOf(s.name));
      const depth = f.isClosed ? 0 : canonicalDepth(autoMapStage({ name: s.name, position: 0, isClosed: false, isWon: false }, []));
      return [explicit < 0 ? Infinity : explicit, s.sortOrder ?? Infinity, f.isClosed ? (f.isWon ? 1 : 2) : 0, depth, s.firstSeen];
    };
    list.sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]! ? -1 : 1;
      return 0;
    });
    list.forEach((s, position) => {
      const f = flagsOf.get(s.id)!;
      stageRows.push({ id: s.id, pipelineId, name: s.name, position, probability: null, isClosed: f.isClosed, isWon: f.isWon });
    });
  }

  // --- Deal rows.
  // The newest date the file knows happened: any date but an open deal's expected close date.
  let fallbackCreated = latest.instant;
  for (const d of drafts) {
    const closed = d.status ? d.status !== 'open' : flagsOf.get(d.stage.id)?.isClosed === true;
    const c = closed ? d.closeDate?.instant : undefined;
    if (c && (fallbackCreated === null || c > fallbackCreated)) fallbackCreated = c;
  }
  let guessedCreated = 0;
  let closedWithoutDate = 0;
  const dealRows: DealRow[] = [];
  const historyOut = new Map<string, StageHistoryRow>();
  const addHistory = (dealId: string, stageId: string, enteredAt: string) => {
    historyOut.set(`${dealId}\u0000${stageId}\u0000${enteredAt}`, { dealId, stageId, enteredAt });
  };
  // Salesforce writes a history row for any change (amount, close date, stage); a deal entered
  // a stage only where the stage differs from its previous row. Keep the first of each run.
  const entries: typeof historyRows = [];
  const historyByDeal = new Map<string, typeof historyRows>();
  for (const h of historyRows) {
    const list = historyByDeal.get(h.dealId);
    if (list) list.push(h);
    else historyByDeal.set(h.dealId, [h]);
  }
  let repeats = 0;
  for (const rows of historyByDeal.values()) {
    rows.sort((a, b) => (a.at.instant < b.at.instant ? -1 : a.at.instant > b.at.instant ? 1 : 0));
    rows.forEach((h, i) => {
      if (rows[i - 1]?.stage.id === h.stage.id) repeats++;
      else entries.push(h);
    });
  }
  if (repeats) {
    warnings.push(`${repeats} stage-history row${repeats === 1 ? ' repeats' : 's repeat'} the deal's previous stage (a change to something else, such as the amount); kept the first of each run.`);
  }
  for (const h of entries) addHistory(h.dealId, h.stage.id, h.at.instant);
  const historyByDealStage = new Map<string, string>();
  for (const h of entries) {
    const k = `${h.dealId}\u0000${h.stage.id}`;
    if (!historyByDealStage.has(k) || h.at.instant > historyByDealStage.get(k)!) historyByDealStage.set(k, h.at.instant);
  }

  for (const d of drafts) {
    const flags = flagsOf.get(d.stage.id)!;
    const status = d.status ?? (flags.isClosed ? (flags.isWon ? 'won' : 'lost') : 'open');
    let closedAt: string | null = null;
    const enteredStage = d.entered.filter((e) => e.stage.id === d.stage.id).map((e) => e.at.instant).sort().at(-1);
    if (status !== 'open') {
      closedAt =
        (status === 'won' ? d.wonAt : d.lostAt)?.instant ??
        d.closedAt?.instant ??
        d.wonAt?.instant ??
        d.lostAt?.instant ??
        (flags.isClosed ? enteredStage : undefined) ??
        d.closeDate?.instant ??
        null;
      if (!closedAt) closedWithoutDate++;
    }
    // No created column: the earliest date the deal is known to have (a stage entered, its close),
    // never an expected close date (it may lie ahead).
    const known = [d.created, ...d.entered.map((e) => e.at), d.closedAt, d.wonAt, d.lostAt]
      .filter((x): x is ParsedDate => x !== null)
      .map((x) => x.instant);
    if (closedAt) known.push(closedAt);
    let createdAt = d.created?.instant ?? (known.length ? known.sort()[0] : null);
    let createdUnknown = false;
    if (!createdAt) {
      // No date at all: a placeholder (the newest date the file has), marked unknown so cohort
      // reports leave the deal out and count it.
      guessedCreated++;
      createdUnknown = true;
      createdAt = fallbackCreated ?? new Date(0).toISOString();
    }
    if (!history) {
      for (const e of d.entered) addHistory(d.id, e.stage.id, e.at.instant);
      // A deal in a closed stage entered it when it closed, if no column said otherwise.
      if (flags.isClosed && closedAt && d.entered.length > 0 && !enteredStage) addHistory(d.id, d.stage.id, closedAt);
    }
    const enteredCurrent = historyByDealStage.get(`${d.id}\u0000${d.stage.id}`) ?? enteredStage ?? (flags.isClosed ? closedAt : null);
    dealRows.push({
      id: d.id,
      name: d.name,
      amount: d.amount,
      currency: d.currency,
      pipelineId: d.pipelineId,
      stageId: d.stage.id,
      ownerId: d.ownerId,
      source: d.source,
      createdAt,
      ...(createdUnknown ? { createdUnknown: true } : {}),
      closeDate: d.closeDate?.date ?? null,
      closedAt,
      status,
      stageEnteredAt: enteredCurrent ?? null,
      modifiedAt: d.modifiedAt?.instant ?? null,
      ...(d.deleted ? { deleted: true } : {}),
      ...(d.forecastCategory ? { forecastCategory: d.forecastCategory } : {}),
    });
  }
  if (guessedCreated) {
    warnings.push(
      `${guessedCreated} deal${guessedCreated === 1 ? ' has' : 's have'} no date at all; their created date is unknown: they count in the pipeline, and reports by creation cohort (funnel, sources) leave them out and say how many.`,
    );
  }
  if (closedWithoutDate) warnings.push(`${closedWithoutDate} closed deal${closedWithoutDate === 1 ? ' has' : 's have'} no close date; reports that need one skip them.`);
  if (deals.footerLines) warnings.push(`Ignored ${deals.footerLines} report footer line${deals.footerLines === 1 ? '' : 's'} at the end of ${deals.file}.`);

  const used = new Set([...Object.values(columns), ...enteredColumns.map((c) => c.header)]);
  const report: CsvImportReport = {
    style,
    styleLabel: STYLE_LABELS[style],
    dateOrder,
    decimalMark,
    deals: {
      file: deals.file,
      encoding: deals.encoding,
      delimiter: deals.delimiter,
      rowsRead: deals.rows.length + deals.problems.length,
      accepted: dealRows.length,
      rejected: dealsRejected.sort((a, b) => a.row - b.row),
      columns: { ...columns },
      droppedContactColumns,
      unusedColumns: deals.headers.filter((h) => !used.has(h) && !droppedContactColumns.includes(h)),
    },
    history:
      history && historyCols
        ? {
            file: history.file,
            encoding: history.encoding,
            delimiter: history.delimiter,
            rowsRead: history.rows.length + history.problems.length,
            accepted: historyRows.length,
            rejected: historyRejected.sort((a, b) => a.row - b.row),
            columns: { ...historyCols.columns },
            droppedContactColumns: historyCols.droppedContactColumns,
            unusedColumns: history.headers.filter((h) => !Object.values(historyCols.columns).includes(h) && !historyCols.droppedContactColumns.includes(h)),
          }
        : null,
    stageEnteredColumns: enteredColumns.map((c) => ({ header: c.header, stage: c.stage })),
    derivedIds: !columns.id,
    warnings,
    dealIds: dealRows.map((d) => d.id),
    // A repeated id's first row was imported: that deal is read, not unread.
    rejectedDealIds: [...rejectedIds].filter((id) => !seenIds.has(id)),
    unidentifiedRejects,
  };
  if (!columns.id) {
    warnings.unshift(
      `${deals.file} has no id column: deal ids are derived from deal name, created date and pipeline. Renaming a deal in the CRM makes it a new deal here; export with the record id column to avoid that.`,
    );
  }

  return {
    pipelines: [...pipelines.values()],
    stages: stageRows,
    owners: [...owners.values()],
    deals: dealRows,
    stageHistory: [...historyOut.values()],
    report,
    typeChanged,
  };
}

function mavenName(cells: string[], headers: string[]): string {
  const at = (h: string) => (cells[headers.indexOf(h)] ?? '').trim();
  return [at('account'), at('product')].filter(Boolean).join(' – ');
}

function chooseDateOrder(values: string[], setting: DateOrder | 'auto', file: string, warnings: string[]): DateOrder {
  const { dmy, mdy, firstAmbiguous: ambiguous } = dateOrderVotes(values);
  const fromFile: DateOrder | null = dmy > mdy ? 'dmy' : mdy > dmy ? 'mdy' : null;
  if (dmy > 0 && mdy > 0) {
    warnings.push(`Dates in ${file} mix day/month and month/day order (${dmy} vs ${mdy} dates); read them as ${fromFile ?? setting} and rejected rows that do not fit.`);
  }
  if (fromFile) {
    if (setting !== 'auto' && setting !== fromFile) {
      warnings.push(`CSV_DATE_ORDER is ${setting}, but dates in ${file} can only be ${fromFile === 'dmy' ? 'day/month/year' : 'month/day/year'}; used that.`);
    }
    return fromFile;
  }
  if (setting !== 'auto') return setting;
  if (dmy > 0) {
    throw new UsageError(
      `Dates in ${file} are as often day/month/year as month/day/year (${dmy} dates each way).`,
      'Set CSV_DATE_ORDER=dmy or CSV_DATE_ORDER=mdy to say which; rows in the other order are then reported as bad rows.',
    );
  }
  if (ambiguous === null) return 'ymd';
  throw new UsageError(
    `Dates in ${file} such as ${ambiguous} could be day/month/year or month/day/year, and no date in the file tells which.`,
    'Set CSV_DATE_ORDER=dmy (day/month/year) or CSV_DATE_ORDER=mdy (month/day/year), or "dateOrder" in the mapping file.',
  );
}

/** One line per fact, for the sync log and the CLI. */
export function describeCsvReport(r: CsvImportReport, maxProblems = 20): string[] {
  const lines: string[] = [];
  const d = r.deals;
  lines.push(`Read ${d.file} as a ${r.styleLabel} (${d.encoding}, delimiter ${JSON.stringify(d.delimiter)}, dates ${r.dateOrder}, decimal mark "${r.decimalMark}").`);
  lines.push(`Columns used: ${Object.entries(d.columns).map(([f, h]) => `${f} ← ${h}`).join(', ')}.`);
  if (r.stageEnteredColumns.length) lines.push(`Stage dates: ${r.stageEnteredColumns.map((c) => `entered ${c.stage} ← ${c.header}`).join(', ')}.`);
  if (d.droppedContactColumns.length) lines.push(`Not imported (contact details, never stored): ${d.droppedContactColumns.join(', ')}.`);
  const n = (x: number, one: string, many: string) => `${x} ${x === 1 ? one : many}`;
  lines.push(`${d.file}: ${n(d.rowsRead, 'row', 'rows')} read, ${n(d.accepted, 'deal', 'deals')} accepted, ${d.rejected.length} rejected.`);
  const problems = [...d.rejected, ...(r.history?.rejected ?? [])];
  for (const p of problems.slice(0, maxProblems)) lines.push(`  ${p.file} row ${p.row}: ${p.reason}`);
  if (problems.length > maxProblems) lines.push(`  … and ${problems.length - maxProblems} more rejected rows (dealcast import-csv --rejects FILE lists them all).`);
  if (r.history) lines.push(`${r.history.file}: ${n(r.history.rowsRead, 'row', 'rows')} read, ${n(r.history.accepted, 'stage change', 'stage changes')} accepted, ${r.history.rejected.length} rejected.`);
  for (const w of r.warnings) lines.push(`Note: ${w}`);
  return lines;
}

/**
 * A deals file in which no row could be imported is refused as a whole, before anything is
 * written: a changed date format or a wrong `--map` rejects every row, and importing "nothing"
 * would leave a full import to mark every deal deleted.
 */
function refuseWithoutGoodRows(r: CsvImportReport): void {
  const d = r.deals;
  if (d.accepted > 0) return;
  if (d.rowsRead === 0) {
    throw new UsageError(`${d.file} has a header but no deal rows; nothing was imported and no deal was changed.`, 'Export the deals again (check the view or filter it was exported from), then retry.');
  }
  const first = d.rejected[0];
  throw new UsageError(
    `None of the ${d.rowsRead} rows of ${d.file} could be imported, so nothing was imported and no deal was changed${first ? ` (row ${first.row}: ${first.reason})` : ''}.`,
    'When every row fails the same way, the date format, the decimal mark or a column mapping is usually what changed: check --map / --date-order (or the mapping file) against the rejected rows above; --rejects FILE lists every row with its reason.',
  );
}

/** The connector's options from the configuration (CSV_PATH, CSV_HISTORY_PATH, CSV_MAPPING_PATH, CSV_DATE_ORDER). */
export function csvOptionsFromConfig(config: Config): CsvConnectorOptions {
  if (!config.CSV_PATH) throw new UsageError('CSV_PATH is not set.', 'Set CSV_PATH to the path of a deals export (see docs/crm-csv.md).');
  return {
    path: config.CSV_PATH,
    historyPath: config.CSV_HISTORY_PATH ?? null,
    mappingPath: config.CSV_MAPPING_PATH ?? null,
    dateOrder: config.CSV_DATE_ORDER,
    timeZone: config.DEALCAST_TIMEZONE,
  };
}

export function createCsvConnector(opts: CsvConnectorOptions): CsvConnector {
  // One read per sync: the first stream to run reads the files; the others reuse it.
  let loaded: { startedAt: number; data: CsvImport } | null = null;
  let lastReport: CsvImportReport | null = null;
  const load = (ctx: ReadContext): CsvImport => {
    if (!loaded || loaded.startedAt !== ctx.startedAt.getTime()) {
      const data = readCsvImport(opts);
      lastReport = data.report;
      for (const line of describeCsvReport(data.report)) ctx.log(line);
      // Before the first write: a file none of whose rows could be read changes nothing.
      refuseWithoutGoodRows(data.report);
      loaded = { startedAt: ctx.startedAt.getTime(), data };
    }
    return loaded.data;
  };
  const stream = <T>(pick: (d: CsvImport) => T[], isDeals = false): Stream<T> => ({
    incremental: false,
    async *read(ctx: ReadContext): AsyncIterable<Page<T>> {
      const data = load(ctx);
      const rows = pick(data);
      const typeChanged = isDeals && data.typeChanged.length ? { typeChanged: data.typeChanged } : {};
      // Deals whose rows were rejected are still in the CRM: told once, on the first page.
      const unread = isDeals ? { unreadIds: data.report.rejectedDealIds, unidentifiedRows: data.report.unidentifiedRejects } : {};
      for (let i = 0; i < rows.length; i += 1000) yield { rows: rows.slice(i, i + 1000), ...typeChanged, ...(i === 0 ? unread : {}) };
    },
  });
  return {
    crm: 'csv',
    label: 'CSV export',
    // Stage history is the file's when it has any (a history file, "Date entered" columns);
    // otherwise the engine records the stage changes it sees between imports. The engine asks
    // when it writes deals, after the first stream has read the files.
    get capabilities() {
      const stageHistory = loaded ? loaded.data.stageHistory.length > 0 : Boolean(opts.historyPath);
      return { stageHistory, activities: false, probabilities: false, wonLostFlags: true };
    },
    streams: {
      pipelines: stream((d) => d.pipelines),
      stages: stream((d) => d.stages),
      owners: stream((d) => d.owners),
      deals: stream((d) => d.deals, true),
      stage_history: stream((d) => d.stageHistory),
    },
    get lastReport() {
      return lastReport;
    },
  };
}
