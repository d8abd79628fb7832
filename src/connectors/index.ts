/**
 * The connector registry: which connector serves config.CRM, built with its HTTP client.
 */
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { createCsvConnector, csvOptionsFromConfig } from './csv.js';
import { createDemoConnector } from './demo.js';
import type { Connector, CrmHttp } from './types.js';

export interface ConnectorBundle {
  connector: Connector;
  /** The HTTP door for this CRM (undefined for connectors that read no HTTP, like demo/csv). */
  http?: CrmHttp;
}

export interface ConnectorOptions {
  now: Date;
  /** Demo data set (CLI flags win over DEMO_SEED / DEMO_DEALS). */
  seed?: number;
  deals?: number;
}

export function createConnector(config: Config, opts: ConnectorOptions): ConnectorBundle {
  switch (config.CRM) {
    case 'demo':
      return { connector: createDemoConnector({ seed: opts.seed ?? config.DEMO_SEED, deals: opts.deals ?? config.DEMO_DEALS, now: opts.now }) };
    case 'csv':
      return { connector: createCsvConnector(csvOptionsFromConfig(config)) };
    default:
      throw new UsageError(`The ${config.CRM} connector is not available in this version yet.`, 'Set CRM=demo to try dealcast on built-in data.');
  }
}
