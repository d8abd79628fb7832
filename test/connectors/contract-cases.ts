/**
 * The contract-test registry: one row per CRM connector, pairing it with its fake server.
 * To add a CRM, write its fake (test/fakes/<crm>.ts: a CrmDialect + an `expected(model)`),
 * and add a row here; test/connectors/contract.test.ts runs every check on every row.
 */
import type { CrmModel } from '../fakes/crm-model.js';
import type { FakeKnobs, FakeServer } from '../fakes/fake-server.js';
import { HUBSPOT_TOKEN, hubspotExpected, startHubspotFake } from '../fakes/hubspot.js';
import { PIPEDRIVE_TOKEN, pipedriveExpected, startPipedriveFake } from '../fakes/pipedrive.js';
import { oppId, SALESFORCE_TOKEN, salesforceExpected, startSalesforceFake } from '../fakes/salesforce.js';
import { ATTIO_TOKEN, attioExpected, recordId, startAttioFake } from '../fakes/attio.js';
import type { ActivityRow, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/model/rows.js';
import type { CrmName } from '../../src/sync/connector.js';

export interface ExpectedRows {
  pipelines: PipelineRow[];
  stages: StageRow[];
  owners: OwnerRow[];
  deals: DealRow[];
  stage_history: StageHistoryRow[];
  activities: ActivityRow[];
}

export interface ContractCase {
  crm: CrmName;
  /** Start the fake for this model. */
  start(model: CrmModel, knobs: Partial<FakeKnobs>): Promise<FakeServer>;
  /** Environment that points dealcast at the fake (token + base URL). */
  env(fakeUrl: string): Record<string, string>;
  /** What a correct connector stores from the model. */
  expected(model: CrmModel): ExpectedRows;
  /** The variable a 401 must tell the user to set. */
  tokenVar: string;
  /** A request path the deals stream always makes (to fail it on purpose). */
  dealsPath: RegExp;
  /** The CRM's id for a model deal (default: the same id). */
  dealId?: (modelId: string) => string;
  /**
   * The CRM keeps no modified time to ask for changes since (Attio): every sync reads all
   * deals, and an incremental sync's deal count is every live deal, not just the changed ones.
   */
  dealsReadWhole?: boolean;
  /** The stream whose cursor must advance (default 'deals'; Attio's incremental stream is stage_history). */
  cursorStream?: 'deals' | 'stage_history';
}

export const CONTRACT_CASES: ContractCase[] = [
  {
    crm: 'hubspot',
    start: (model, knobs) => startHubspotFake(model, knobs),
    env: (url) => ({ CRM: 'hubspot', HUBSPOT_TOKEN, HUBSPOT_BASE_URL: url }),
    expected: hubspotExpected,
    tokenVar: 'HUBSPOT_TOKEN',
    dealsPath: /\/crm\/v3\/objects\/deals/,
  },
  {
    crm: 'pipedrive',
    start: (model, knobs) => startPipedriveFake(model, knobs),
    env: (url) => ({ CRM: 'pipedrive', PIPEDRIVE_API_TOKEN: PIPEDRIVE_TOKEN, PIPEDRIVE_BASE_URL: url }),
    expected: pipedriveExpected,
    tokenVar: 'PIPEDRIVE_API_TOKEN',
    dealsPath: /\/api\/v2\/deals/,
  },
  {
    crm: 'salesforce',
    start: (model, knobs) => startSalesforceFake(model, knobs),
    env: (url) => ({ CRM: 'salesforce', SALESFORCE_INSTANCE_URL: url, SALESFORCE_ACCESS_TOKEN: SALESFORCE_TOKEN }),
    expected: (model) => salesforceExpected(model, { multiCurrency: true }),
    tokenVar: 'SALESFORCE_ACCESS_TOKEN',
    // Every object is read through /query; only the deals stream asks for Opportunity's describe.
    dealsPath: /\/sobjects\/Opportunity\/describe$/,
    dealId: oppId,
  },
  {
    crm: 'attio',
    start: (model, knobs) => startAttioFake(model, knobs),
    env: (url) => ({ CRM: 'attio', ATTIO_API_KEY: ATTIO_TOKEN, ATTIO_BASE_URL: url }),
    expected: (model) => attioExpected(model),
    tokenVar: 'ATTIO_API_KEY',
    dealsPath: /\/v2\/objects\/deals\/records\/query$/,
    dealId: recordId,
    dealsReadWhole: true,
    cursorStream: 'stage_history',
  },
];
