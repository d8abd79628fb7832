/**
 * What a connector provides to the sync engine: each stream of rows (src/model/rows.ts) as
 * pages. A connector describes its streams and maps the CRM's JSON to rows; paging state,
 * retries, rate limits, cursors and writes belong to src/sync/. The engine reads connectors
 * only through this contract.
 */
import type { CrmName } from '../config.js';
import type { StageHistoryRow, StreamName, StreamRows, TeamRow } from '../model/rows.js';
import type { MoneySettings } from '../metrics/money.js';

export type { CrmName };

export interface Page<T> {
  rows: T[];
  /**
   * For a stream read in ascending modified-time order: the resume point after this page
   * (usually the largest modified time in it). The engine saves it with the page, in one
   * transaction, capped at the sync's start. Omit when the stream is not sorted: the
   * engine then saves the sync's start time once the stream completes.
   */
  checkpoint?: string | null;
  /**
   * Fields of these rows the CRM now holds as another type than the mapping reads (its field
   * metadata says so, or none of its values can be read): the rows carry them blank, and the
   * engine keeps the stored values and records the drift instead of failing or blanking.
   */
  typeChanged?: FieldTypeChange[];
  /**
   * Records the CRM still holds whose rows could not be read this time (a CSV row rejected for a
   * bad date or amount): a full sync keeps them as they were instead of marking them deleted.
   */
  unreadIds?: string[];
  /**
   * Rows that could not be read and do not even say which record they are (a malformed CSV
   * line): a full sync cannot tell which deals are really gone, so it marks none deleted.
   */
  unidentifiedRows?: number;
}

/** A row field whose CRM field changed type: `amount` ← `Amount`, now 'string' where 'currency' was read. */
export interface FieldTypeChange {
  /** The row field, e.g. 'amount'. */
  field: string;
  /** The CRM's name for it, e.g. 'Amount' or 'amount'. */
  crmField: string;
  /** What the CRM holds now, in its own words, e.g. 'string', 'enumeration', 'text that is not a number'. */
  found: string;
  /** Row fields the CRM computes from this one (HubSpot's amount in the company currency): kept with it. */
  dependents?: string[];
}

/** The HTTP door a connector may use (src/sync/http.ts implements it). */
export interface CrmHttp {
  request<T = unknown>(req: CrmRequest): Promise<CrmResponse<T>>;
}
export interface CrmRequest {
  method?: 'GET' | 'POST' | 'PATCH';
  /** A path relative to the CRM's base URL, or an absolute URL on the same host. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** Rate-limit bucket, e.g. 'search' for HubSpot's separate search limit. */
  bucket?: string;
}
export interface CrmResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface ReadContext {
  /** The cursor saved by the last completed page or stream, or null on a first/full sync. */
  cursor: string | null;
  full: boolean;
  /** The moment this sync started; the engine never stores a cursor later than this. */
  startedAt: Date;
  http: CrmHttp;
  log: (line: string) => void;
}

export interface Stream<T> {
  /** True when `cursor` narrows the read to changes since it. */
  incremental: boolean;
  read(ctx: ReadContext): AsyncIterable<Page<T>>;
}

export interface ConnectorCapabilities {
  /** The CRM keeps stage history (else the engine records observed stage changes). */
  stageHistory: boolean;
  /** Activity data is available (else the rep scoreboard says "not available"). */
  activities: boolean;
  /** The CRM keeps per-stage win probabilities. */
  probabilities: boolean;
  /** The CRM flags stages as closed/won (else the stage map decides). */
  wonLostFlags: boolean;
}

/** The CRM's company currency and the exchange rates it keeps (src/metrics/money.ts). */
export interface CurrencyInfo extends MoneySettings {
  /** Where they came from, for `status` and notes, e.g. 'Salesforce CurrencyType'. */
  source: string;
}

/**
 * One sales target as the CRM keeps it (HubSpot goal target, Pipedrive goal interval, Salesforce
 * ForecastingQuota), already narrowed to revenue goals and to scopes dealcast has. Whether its
 * dates make a month, quarter or fiscal year of the team's calendar is decided by
 * src/targets/crm-goals.ts, which also drops duplicates, with a reason each.
 */
export interface CrmGoal {
  /** The CRM's id of the goal (and interval), for log lines. */
  id: string;
  name: string;
  /** First day and one-past-last day, 'YYYY-MM-DD'. */
  start: string;
  end: string;
  /** 'team' is the whole company; 'sales_team' a team within it, by the CRM's team id (the id `teams` reads). */
  scope: { kind: 'team' } | { kind: 'sales_team'; teamId: string } | { kind: 'rep'; ownerId: string } | { kind: 'pipeline'; pipelineId: string };
  /** ISO 4217, or null when the CRM says none (the company currency is assumed). */
  currency: string | null;
  amount: number;
}
/** A goal the CRM keeps that dealcast leaves out, and why (counted and logged, never silent). */
export interface CrmGoalSkip {
  id: string;
  name: string;
  reason: string;
}
export interface CrmGoals {
  goals: CrmGoal[];
  skipped: CrmGoalSkip[];
  /** Where they came from, for status lines, e.g. 'HubSpot goal targets'. */
  source: string;
}
/**
 * The CRM could not be asked for its targets (no scope, no permission, feature off): the deal
 * sync goes on and the targets sync is marked unavailable with this message and what to do.
 */
export class TargetsUnavailable extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'TargetsUnavailable';
  }
}

/**
 * The CRM's teams, or why this account cannot read them (a plan without teams, a user without
 * the permission): then no CRM teams apply, and admins may still set teams in Slack.
 */
export type CrmTeams = { available: true; teams: TeamRow[]; source: string } | { available: false; reason: string };

/**
 * A deal field that can hold the rep's forecast category (Pipedrive: a custom enum, set or text
 * field; Attio: a select, status or text attribute), for an admin to choose in Slack. `options`
 * are what a deal's value can be, as the deal sync stores it (`value`: a Pipedrive option id, an
 * Attio option or status title) with what people see (`label`); null for a free-text field.
 */
export interface CategoryFieldCandidate {
  /** What setting forecast.category_field holds: the Pipedrive field key, the Attio attribute slug. */
  key: string;
  name: string;
  /** The CRM's type of the field ('enum', 'set', 'varchar'; 'select', 'status', 'text'). */
  type: string;
  options: { value: string; label: string }[] | null;
}

export interface Connector {
  crm: CrmName;
  /** Human name, e.g. 'HubSpot'. */
  label: string;
  capabilities: ConnectorCapabilities;
  streams: { [K in StreamName]?: Stream<StreamRows[K]> };
  /** Where an auth failure should send the user (scopes, token location). */
  authHint?: string;
  /**
   * The CRM's own stage history for the given deals, in chunks (used by `dealcast backfill`
   * to fill stage-entry dates that are missing). Absent when the CRM keeps none.
   */
  stageHistoryFor?: (dealIds: string[], http: CrmHttp) => AsyncIterable<StageHistoryRow[]>;
  /** The CRM's company currency and exchange rates, read after each sync. Absent when it keeps none. */
  currencies?: (http: CrmHttp) => Promise<CurrencyInfo>;
  /**
   * The sales targets the CRM keeps, read after each sync and stored with the CRM as their source
   * (people's targets from Slack or a CSV keep winning). Absent when the CRM keeps none (Attio,
   * CSV). Throws TargetsUnavailable when the token may not read them.
   */
  targets?: (http: CrmHttp, ctx: { now: Date; log: (line: string) => void }) => Promise<CrmGoals>;
  /** The CRM's teams and who is in them, read after each sync. Absent when the CRM keeps none. */
  teams?: (http: CrmHttp) => Promise<CrmTeams>;
  /**
   * The deal fields an admin may choose to hold the forecast category (setting
   * forecast.category_field), read when the admin opens /dealcast categories. Absent where the
   * CRM has its own category field (Salesforce, HubSpot) or none (CSV, demo).
   */
  categoryFields?: (http: CrmHttp) => Promise<CategoryFieldCandidate[]>;
}
