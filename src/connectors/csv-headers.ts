/**
 * Which column of a deals export holds what. The headers of HubSpot, Salesforce (report,
 * Data Loader / API names) and Pipedrive exports, and of the Maven "CRM Sales Opportunities"
 * data set, are recognised on sight; anything else takes an explicit mapping (a JSON mapping
 * file or `dealcast import-csv --map field=Header`). Headers are compared case- and
 * punctuation-blind: "Close Date", "CloseDate", "CLOSEDATE" and "close_date" are one name.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.js';

/** The deal fields a deals export can fill. */
export const DEAL_FIELDS = [
  'id',
  'name',
  'stage',
  'amount',
  'currency',
  'owner',
  'ownerId',
  'ownerEmail',
  'pipeline',
  'createdAt',
  'closeDate',
  'closedAt',
  'wonAt',
  'lostAt',
  'status',
  'isClosed',
  'isWon',
  'source',
  'modifiedAt',
  'forecastCategory',
] as const;
export type DealField = (typeof DEAL_FIELDS)[number];

/** The fields of a stage-history file (one row per stage a deal entered). */
export const HISTORY_FIELDS = ['dealId', 'stage', 'enteredAt', 'sortOrder', 'pipeline'] as const;
export type HistoryField = (typeof HISTORY_FIELDS)[number];

export type ExportStyle = 'hubspot' | 'salesforce' | 'pipedrive' | 'maven' | 'custom';

export const STYLE_LABELS: Record<ExportStyle, string> = {
  hubspot: 'HubSpot deals export',
  salesforce: 'Salesforce opportunities export',
  pipedrive: 'Pipedrive deals export',
  maven: 'Maven "CRM Sales Opportunities" sales_pipeline.csv',
  custom: 'deals export',
};

/** Lower-case letters and digits only: the form every header is compared in. */
export const normalizeHeader = (h: string): string =>
  h
    .replace(/^\ufeff/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * Known header names per field, most specific first (normalised). Sources: HubSpot's deal
 * export ("Record ID", "Deal Name", "Deal Stage", "Deal owner", "Create Date", "Close Date",
 * "Pipeline", "Is Closed Won", "Is Deal Closed?"), Salesforce reports ("Opportunity ID",
 * "Opportunity Name", "Stage", "Opportunity Owner", "Created Date", "Lead Source", "Closed",
 * "Won") and API names (Id, Name, StageName, CloseDate, CreatedDate, OwnerId, IsClosed, IsWon,
 * LeadSource, LastModifiedDate, SystemModstamp, CurrencyIsoCode), Pipedrive's "Deal - …"
 * columns ("Deal - Title", "Deal - Value", "Deal - Currency of value", "Deal - Stage",
 * "Deal - Status", "Deal - Deal created", "Deal - Won time", "Deal - Lost time",
 * "Deal - Expected close date", "Deal - ID"), and Maven's sales_pipeline.csv.
 */
const DEAL_ALIASES: Record<DealField, string[]> = {
  id: ['recordid', 'opportunityid', 'dealid', 'dealpipedrivesystemid', 'pipedrivesystemid', 'id', 'hsobjectid', 'dealrecordid'],
  name: ['dealname', 'opportunityname', 'dealtitle', 'name', 'title', 'opportunity', 'deal'],
  stage: ['dealstage', 'stagename', 'stage', 'dealstagepipeline', 'opportunitystage', 'pipelinestage'],
  amount: ['amount', 'dealvalue', 'value', 'closevalue', 'dealamount', 'opportunityamount', 'amountincompanycurrency'],
  currency: ['currency', 'dealcurrency', 'dealcurrencyofvalue', 'currencyofvalue', 'amountcurrency', 'currencyisocode', 'opportunitycurrency', 'dealcurrencycode'],
  owner: ['dealowner', 'opportunityowner', 'ownername', 'ownerfullname', 'owner', 'salesagent', 'salesrep', 'dealownername', 'assignedto'],
  ownerId: ['ownerid', 'dealownerid', 'hubspotownerid'],
  ownerEmail: ['owneremail', 'dealowneremail', 'opportunityowneremail'],
  pipeline: ['pipeline', 'dealpipeline', 'pipelinename', 'opportunityrecordtype', 'recordtype'],
  createdAt: ['createdate', 'createddate', 'dealdealcreated', 'dealcreationdate', 'dealcreated', 'dealaddtime', 'creationdate', 'createdat', 'createdon', 'datecreated'],
  closeDate: ['closedate', 'dealexpectedclosedate', 'expectedclosedate', 'closingdate', 'expectedclose', 'estimatedclosedate'],
  closedAt: ['dealclosedon', 'closedon', 'closedat', 'dateclosed', 'actualclosedate'],
  wonAt: ['dealwontime', 'wontime', 'closedwondate', 'wondate'],
  lostAt: ['deallosttime', 'losttime', 'closedlostdate', 'lostdate'],
  status: ['dealstatus', 'status', 'outcome'],
  isClosed: ['isclosed', 'isdealclosed', 'closed'],
  isWon: ['iswon', 'isclosedwon', 'won'],
  source: ['leadsource', 'dealsource', 'source', 'originalsource', 'originalsourcetype', 'originaltrafficsource', 'dealsourcechannel', 'sourcechannel', 'dealleadsource'],
  // Salesforce ForecastCategoryName / "Forecast Category", HubSpot "Forecast category" (hs_manual_forecast_category).
  forecastCategory: ['forecastcategoryname', 'forecastcategory', 'dealforecastcategory', 'hsmanualforecastcategory', 'manualforecastcategory', 'opportunityforecastcategory'],
  modifiedAt: ['lastmodifieddate', 'systemmodstamp', 'dealupdatetime', 'updatetime', 'lastmodified', 'updatedat', 'modifiedat', 'lastupdated', 'dealupdated'],
};

/** Salesforce OpportunityHistory (OppID, CreatedDate, StageName, SortOrder), its report form, and plain names. */
const HISTORY_ALIASES: Record<HistoryField, string[]> = {
  dealId: ['oppid', 'opportunityid', 'dealid', 'recordid', 'id', 'deal', 'opportunity'],
  stage: ['stagename', 'tostage', 'stage', 'dealstage', 'newstage', 'newvalue'],
  enteredAt: ['createddate', 'enteredat', 'entereddate', 'dateentered', 'date', 'changedat', 'stagechangedate', 'editdate', 'lastmodified', 'lastmodifieddate', 'timestamp'],
  sortOrder: ['sortorder', 'stageorder', 'position'],
  pipeline: ['pipeline', 'dealpipeline'],
};

/**
 * Columns that hold a contact's email address or phone number. They are never read, whatever
 * the mapping says; the import report names them. (A rep's own email, `ownerEmail`, is not
 * contact data: it is how a rep is matched to a Slack user.)
 */
export function isContactDetailColumn(header: string): boolean {
  const n = normalizeHeader(header);
  if (DEAL_ALIASES.ownerEmail.includes(n)) return false;
  return /e?mail|phone|mobile|fax|telephone|cellular|whatsapp/.test(n);
}

/** HubSpot's per-stage timestamps: `Date entered "Appointment Scheduled (Sales Pipeline)"`. */
const DATE_ENTERED_RE = /^date entered\s*["“]?(.+?)["”]?\s*$/i;

export interface StageEnteredColumn {
  header: string;
  stage: string;
  /** HubSpot names the pipeline in parentheses; null when the header does not. */
  pipeline: string | null;
}

export function stageEnteredColumnsOf(headers: string[], explicit: Record<string, string> = {}): StageEnteredColumn[] {
  const out: StageEnteredColumn[] = [];
  for (const h of headers) {
    const m = DATE_ENTERED_RE.exec(h.trim());
    if (!m) continue;
    const inner = m[1]!;
    const p = /^(.*)\s+\(([^()]+)\)$/.exec(inner);
    out.push(p ? { header: h, stage: p[1]!.trim(), pipeline: p[2]!.trim() } : { header: h, stage: inner.trim(), pipeline: null });
  }
  for (const [stage, header] of Object.entries(explicit)) out.push({ header, stage, pipeline: null });
  return out;
}

/** The mapping file (CSV_MAPPING_PATH): JSON, every key optional. See docs/crm-csv.md. */
export const csvMappingSchema = z
  .object({
    columns: z.partialRecord(z.enum(DEAL_FIELDS), z.string().min(1)).optional(),
    history: z.partialRecord(z.enum(HISTORY_FIELDS), z.string().min(1)).optional(),
    /** Stage name → the column holding the date each deal entered that stage (e.g. Maven's engage_date). */
    stageEnteredColumns: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** Open stages in funnel order, then closed ones (names as in the file). */
    stageOrder: z.array(z.string().min(1)).optional(),
    wonStages: z.array(z.string().min(1)).optional(),
    lostStages: z.array(z.string().min(1)).optional(),
    dateOrder: z.enum(['auto', 'ymd', 'mdy', 'dmy']).optional(),
    decimalMark: z.enum(['.', ',']).optional(),
    /** ISO code for amounts that carry neither a currency column nor a symbol. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO code such as EUR').optional(),
    /** Name of the one pipeline when the file has no pipeline column. */
    defaultPipeline: z.string().min(1).optional(),
  })
  .strict();
export type CsvMapping = z.infer<typeof csvMappingSchema>;

export function readMappingFile(path: string): CsvMapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `The CSV mapping file ${path} could not be read as JSON: ${(err as Error).message}.`,
      'Fix the file (see docs/crm-csv.md for its format) or unset CSV_MAPPING_PATH.',
    );
  }
  const parsed = csvMappingSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; ');
    throw new UsageError(`The CSV mapping file ${path} is not valid: ${problems}.`, 'See docs/crm-csv.md for the mapping file format.');
  }
  return parsed.data;
}

/** Recognises the export's style from its headers (for the report and style-specific defaults). */
export function detectStyle(headers: string[]): ExportStyle {
  const n = new Set(headers.map(normalizeHeader));
  if (headers.filter((h) => /^deal\s*-\s*/i.test(h.trim())).length >= 2) return 'pipedrive';
  if (n.has('opportunityid') && n.has('salesagent') && n.has('dealstage')) return 'maven';
  if (n.has('recordid') && (n.has('dealname') || n.has('dealstage'))) return 'hubspot';
  if (n.has('stagename') || n.has('opportunityname') || n.has('opportunityowner') || (n.has('opportunityid') && n.has('stage'))) {
    return 'salesforce';
  }
  return 'custom';
}

/** Style-specific defaults that headers alone cannot say. */
export function styleDefaults(style: ExportStyle): Pick<CsvMapping, 'stageEnteredColumns' | 'stageOrder' | 'columns'> {
  switch (style) {
    case 'maven':
      // No created date and no deal name in this data set: the engage date is when a deal
      // entered "Engaging", and a deal is best told apart by its account and product.
      return { stageEnteredColumns: { Engaging: 'engage_date' }, stageOrder: ['Prospecting', 'Engaging', 'Won', 'Lost'] };
    default:
      return {};
  }
}

export interface ColumnResolution<F extends string> {
  /** Field → header (as written in the file). */
  columns: Partial<Record<F, string>>;
  /** Headers never read because they hold contact details. */
  droppedContactColumns: string[];
}

function resolve<F extends string>(
  headers: string[],
  aliases: Record<F, string[]>,
  explicit: Partial<Record<F, string>>,
  what: string,
): ColumnResolution<F> {
  const byNorm = new Map<string, string>();
  for (const h of headers) if (!byNorm.has(normalizeHeader(h))) byNorm.set(normalizeHeader(h), h);
  const dropped = headers.filter(isContactDetailColumn);
  const columns: Partial<Record<F, string>> = {};
  const taken = new Set<string>();
  // Explicit mappings first: they win and take their column.
  for (const [field, header] of Object.entries(explicit) as [F, string][]) {
    const found = byNorm.get(normalizeHeader(header));
    if (!found) {
      throw new UsageError(
        `The mapping names column "${header}" for ${field}, but the ${what} has no such column.`,
        `Its columns are: ${headers.join(', ')}.`,
      );
    }
    if (isContactDetailColumn(found)) {
      throw new UsageError(
        `The mapping names column "${header}" for ${field}, but that column holds contact details, which dealcast never imports.`,
        'Map the field to another column or leave it out.',
      );
    }
    columns[field] = found;
    taken.add(found);
  }
  for (const field of Object.keys(aliases) as F[]) {
    if (columns[field]) continue;
    for (const alias of aliases[field]) {
      const h = byNorm.get(alias);
      if (h && !taken.has(h) && !isContactDetailColumn(h)) {
        columns[field] = h;
        taken.add(h);
        break;
      }
    }
  }
  return { columns, droppedContactColumns: dropped };
}

export function resolveDealColumns(headers: string[], explicit: Partial<Record<DealField, string>> = {}): ColumnResolution<DealField> {
  return resolve(headers, DEAL_ALIASES, explicit, 'deals file');
}

export function resolveHistoryColumns(headers: string[], explicit: Partial<Record<HistoryField, string>> = {}): ColumnResolution<HistoryField> {
  return resolve(headers, HISTORY_ALIASES, explicit, 'stage-history file');
}
