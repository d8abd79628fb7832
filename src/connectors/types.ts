/**
 * What a connector provides: the CRM's pipelines and stages, owners, deals, activities and
 * stage history, each as a stream of pages. A connector describes its streams and maps the
 * CRM's JSON to these rows; paging state, retries, rate limits, cursors and writes belong to
 * src/sync/. Rows never carry contact emails, phone numbers, or activity subjects/bodies.
 */
import type { CrmName } from '../config.js';
import type { MoneySettings } from '../metrics/money.js';

export type { CrmName };

/** ISO-8601 instant in UTC, e.g. '2026-11-24T08:00:00.000Z'. */
export type IsoInstant = string;
/** Calendar date, 'YYYY-MM-DD'. */
export type IsoDate = string;

export interface PipelineRow {
  id: string;
  name: string;
  position: number;
  deleted?: boolean;
}

export interface StageRow {
  id: string;
  pipelineId: string;
  name: string;
  /** Order within its pipeline, ascending from the first stage. */
  position: number;
  /** The CRM's own win probability (0..1), or null when the CRM keeps none. */
  probability: number | null;
  isClosed: boolean;
  isWon: boolean;
  deleted?: boolean;
}

export interface OwnerRow {
  id: string;
  name: string;
  /** The rep's own work email (used only to match a Slack user). */
  email: string | null;
  active: boolean;
}

export type DealStatus = 'open' | 'won' | 'lost';

export interface DealRow {
  id: string;
  name: string;
  amount: number | null;
  currency: string | null;
  /** The amount in the CRM's company currency, as the CRM converted it (where it says). */
  amountHome?: number | null;
  pipelineId: string | null;
  stageId: string | null;
  ownerId: string | null;
  source: string | null;
  createdAt: IsoInstant;
  /** Expected close date. */
  closeDate: IsoDate | null;
  /** When it was actually won or lost. */
  closedAt: IsoInstant | null;
  /** null: derive from the stage's closed/won flags. */
  status: DealStatus | null;
  /** When the deal entered its current stage, if the CRM says. */
  stageEnteredAt?: IsoInstant | null;
  modifiedAt: IsoInstant | null;
  /** The CRM reports it deleted/archived: keep it, mark it deleted. */
  deleted?: boolean;
}

export type ActivityType = 'call' | 'email' | 'meeting' | 'task';

export interface ActivityRow {
  id: string;
  type: ActivityType;
  ownerId: string | null;
  dealId: string | null;
  occurredAt: IsoInstant;
  deleted?: boolean;
}

export interface StageHistoryRow {
  dealId: string;
  stageId: string;
  enteredAt: IsoInstant;
}

export interface StreamRows {
  pipelines: PipelineRow;
  stages: StageRow;
  owners: OwnerRow;
  deals: DealRow;
  stage_history: StageHistoryRow;
  activities: ActivityRow;
}
export type StreamName = keyof StreamRows;

/** The order the engine syncs streams in (parents before children). */
export const STREAM_ORDER: StreamName[] = ['pipelines', 'stages', 'owners', 'deals', 'stage_history', 'activities'];

export interface Page<T> {
  rows: T[];
  /**
   * For a stream read in ascending modified-time order: the resume point after this page
   * (usually the largest modified time in it). The engine saves it with the page, in one
   * transaction, capped at the sync's start. Omit when the stream is not sorted: the
   * engine then saves the sync's start time once the stream completes.
   */
  checkpoint?: string | null;
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
}
