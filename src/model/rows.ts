/**
 * The rows dealcast keeps of a CRM: pipelines and stages, owners, deals, activities and stage
 * history. Connectors produce them, the sync engine writes them, the store reads them back and
 * metrics compute on them; so they live here, owned by none of those. Rows never carry contact
 * emails, phone numbers, or activity subjects/bodies.
 */

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

/**
 * A team as the CRM keeps it (HubSpot and Pipedrive teams, Salesforce roles): who is in it, and
 * whose deals it covers. Read after each sync; the visibility scope 'team' uses it.
 */
export interface TeamRow {
  /** The CRM's id of the team (or role). */
  id: string;
  name: string;
  /** Owner ids of the people in the team. */
  memberIds: string[];
  /**
   * Owner ids whose deals the team sees: its members and, where the CRM keeps a hierarchy
   * (Salesforce roles), everyone below them.
   */
  ownerIds: string[];
}

export type DealStatus = 'open' | 'won' | 'lost';

export interface DealRow {
  id: string;
  name: string;
  amount: number | null;
  currency: string | null;
  /** The row gives no date to take the created date from: createdAt is a placeholder. */
  createdUnknown?: boolean;
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
  /**
   * The deal's forecast category as the CRM spells it (Salesforce "Best Case", HubSpot
   * "BEST_CASE", a custom field's value); undefined/null: none. Mapped to Commit / Best case /
   * Pipeline / Omitted at report time (src/metrics/forecast-category.ts).
   */
  forecastCategory?: string | null;
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
