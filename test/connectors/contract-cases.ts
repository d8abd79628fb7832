/**
 * The contract-test registry: one row per CRM connector, pairing it with its fake server.
 * To add a CRM, write its fake (test/fakes/<crm>.ts: a CrmDialect + an `expected(model)`),
 * and add a row here; test/connectors/contract.test.ts runs every check on every row.
 */
import type { CrmModel } from '../fakes/crm-model.js';
import type { FakeKnobs, FakeServer } from '../fakes/fake-server.js';
import { HUBSPOT_TOKEN, hubspotExpected, startHubspotFake } from '../fakes/hubspot.js';
import { PIPEDRIVE_TOKEN, pipedriveExpected, startPipedriveFake } from '../fakes/pipedrive.js';
import type { ActivityRow, CrmName, DealRow, OwnerRow, PipelineRow, StageHistoryRow, StageRow } from '../../src/connectors/types.js';

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
];
