/**
 * The connector registry: which connector serves config.CRM, built with its HTTP client.
 */
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { createCsvConnector, csvOptionsFromConfig } from './csv.js';
import { createDemoConnector } from './demo.js';
import { createHubspotConnector, hubspotHttpOptions } from './hubspot.js';
import { createPipedriveConnector, pipedriveHttpOptions } from './pipedrive.js';
import { createSalesforceConnector, salesforceHttpOptions } from './salesforce.js';
import { ATTIO_STATUS_NOTES, attioHttpOptions, attioOptionsFromConfig, createAttioConnector } from './attio.js';
import type { Connector, CrmHttp } from '../sync/connector.js';
import type { Db } from '../../store/db.js';
import { createCrmHttp, type Clock, type CrmHttpOptions } from '../sync/http.js';
import { trackFieldFill } from '../sync/schema-drift.js';
import { resolveConstantSetting } from '../settings/resolve.js';

export interface ConnectorBundle {
  connector: Connector;
  /** The HTTP door for this CRM (undefined for connectors that read no HTTP, like demo/csv). */
  http?: CrmHttp;
  /** Pass to runSync's afterSync (records field fill and schema drift for HTTP CRMs). */
  afterSync?: (db: Db, crm: string) => void;
  /** Releases the HTTP client's connections; call when done with the bundle. */
  close?: () => Promise<void>;
}

/** An HTTP CRM: its connector behind the field-fill tracker, and its HTTP door. */
function httpBundle(connector: Connector, options: CrmHttpOptions, opts: ConnectorOptions): ConnectorBundle {
  const http = createCrmHttp({ ...options, log: opts.log, clock: opts.clock, timeouts: opts.timeouts });
  const tracked = trackFieldFill(connector);
  return { connector: tracked.connector, http, afterSync: tracked.afterSync, close: () => http.close() };
}

export interface ConnectorOptions {
  now: Date;
  /** Demo data set (CLI flags win over DEMO_SEED / DEMO_DEALS). */
  seed?: number;
  deals?: number;
  /** Where the HTTP door logs rate-limit waits and retries. */
  log?: (line: string) => void;
  /** The HTTP door's clock (tests inject one so waits take no wall-clock time). */
  clock?: Clock;
  /** The HTTP door's timeouts (tests shorten them). */
  timeouts?: CrmHttpOptions['timeouts'];
  /** Pipedrive/Attio: the deal field holding the forecast category (setting forecast.category_field; forecastCategoryField(db) reads it). */
  forecastCategoryField?: string | null;
}

const maxBody = (config: Config) => ({ maxBodyBytes: config.CRM_MAX_PAGE_MB * 1024 * 1024 });

/** What `dealcast status` says about a CRM's limits (data it does not keep, and what we do instead). */
export function crmNotes(crm: Config['CRM']): string[] {
  return crm === 'attio' ? [...ATTIO_STATUS_NOTES] : [];
}

/** The forecast category field an admin chose (Pipedrive custom field key, Attio attribute slug), or null. */
export function forecastCategoryField(db: Db): string | null {
  return resolveConstantSetting(db, 'forecast.category_field');
}

export function createConnector(config: Config, opts: ConnectorOptions): ConnectorBundle {
  switch (config.CRM) {
    case 'demo':
      return { connector: createDemoConnector({ seed: opts.seed ?? config.DEMO_SEED, deals: opts.deals ?? config.DEMO_DEALS, now: opts.now }) };
    case 'csv':
      return { connector: createCsvConnector(csvOptionsFromConfig(config)) };
    case 'hubspot':
      return httpBundle(createHubspotConnector(), { ...hubspotHttpOptions(config), ...maxBody(config) }, opts);
    case 'pipedrive':
      return httpBundle(createPipedriveConnector({ forecastCategoryField: opts.forecastCategoryField }), { ...pipedriveHttpOptions(config), ...maxBody(config) }, opts);
    case 'salesforce':
      return httpBundle(createSalesforceConnector({ apiVersion: config.SALESFORCE_API_VERSION }), { ...salesforceHttpOptions(config), ...maxBody(config) }, opts);
    case 'attio':
      return httpBundle(createAttioConnector({ ...attioOptionsFromConfig(config), forecastCategoryAttribute: opts.forecastCategoryField }), { ...attioHttpOptions(config), ...maxBody(config) }, opts);
    default:
      throw new UsageError(`The ${config.CRM} connector is not available in this version yet.`, 'Set CRM=demo to try dealcast on built-in data.');
  }
}
