/**
 * Configuration: environment variables plus an optional `.env` file, validated by one zod
 * schema. This module is the only reader of process.env. Start-up fails listing every
 * problem at once; secrets are never echoed back (problems name variables, not values).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { validate as validateCron } from 'node-cron';
import { isTimeZone } from './time/calendar.js';
import { cronProblem } from './time/cron.js';
import { z } from 'zod';
import { redactTheseSecrets } from '../store/redact.js';
import { ConfigError } from './errors.js';

export const CRM_NAMES = ['demo', 'hubspot', 'pipedrive', 'salesforce', 'attio', 'csv'] as const;
export type CrmName = (typeof CRM_NAMES)[number];

/** Empty strings count as missing (a blank line in .env must not override a default). */
const opt = () =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.string().optional());
const withDefault = (d: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.string().default(d));

const isUrl = (v: string | undefined) => v === undefined || /^https?:\/\/[^\s]+$/.test(v);
const url = () => opt().refine(isUrl, { message: 'must be an http(s) URL' });
const urlWithDefault = (d: string) => withDefault(d).refine(isUrl, { message: 'must be an http(s) URL' });

/** node-cron fires the jobs and croner computes their slots (src/time/cron.ts): both must read it. */
const isCron = (v: string): boolean => validateCron(v) && cronProblem(v) === null;
const cron = (d: string) => withDefault(d).refine(isCron, { message: 'is not a valid cron expression' });

const intIn = (d: number, min: number, max: number) =>
  withDefault(String(d)).transform((v, ctx) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });


/** Shortest dashboard password accepted (it protects a file anyone may copy and attack offline). */
export const MIN_PASSWORD_LENGTH = 12;

/** Why a dashboard password is too weak, or null when it is acceptable. */
export function passwordProblem(pw: string): string | null {
  const chars = [...pw];
  if (chars.length < MIN_PASSWORD_LENGTH) return `it has ${chars.length} characters; use at least ${MIN_PASSWORD_LENGTH}`;
  if (new Set(chars).size < 5) return 'it repeats too few different characters';
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  const runs = codes.slice(1).filter((c, i) => Math.abs(c - (codes[i] ?? 0)) <= 1).length;
  if (runs >= (codes.length - 1) * 0.75) return 'it is mostly a run or repeat of characters (like 123456789012 or abcdefghijkl)';
  return null;
}

const schema = z
  .object({
    CRM: withDefault('demo').pipe(z.enum(CRM_NAMES, { message: `must be one of ${CRM_NAMES.join(', ')}` })),
    DEALCAST_DB: withDefault('./data/dealcast.db'),
    DEALCAST_TIMEZONE: withDefault('UTC').refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' }),
    SYNC_CRON: cron('*/15 * * * *'),
    DIGEST_CRON: cron('0 8 * * 1-5'),
    DIGEST_MAX_LATE_HOURS: intIn(4, 0, 24),
    DIGEST_CHANNEL: opt(),
    ALERT_CHANNEL: opt(),
    DEALCAST_ADMINS: withDefault('').transform((v) =>
      v
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    SLACK_BOT_TOKEN: opt(),
    SLACK_SIGNING_SECRET: opt(),
    SLACK_APP_TOKEN: opt(),
    SLACK_API_URL: urlWithDefault('https://slack.com/api/'),
    PORT: intIn(3000, 1, 65535),
    /** Socket Mode: exit non-zero after this many seconds without a connection (0: never). */
    SOCKET_MODE_MAX_DOWN_SECONDS: intIn(600, 0, 7 * 24 * 3600),
    /** Report workers computing and rendering off the main thread (0: one per core but one, at least 1). */
    REPORT_WORKERS: intIn(0, 0, 64),
    DEMO_SEED: intIn(42, 0, 2 ** 31 - 1),
    DEMO_DEALS: intIn(1500, 10, 1_000_000),
    HUBSPOT_TOKEN: opt(),
    HUBSPOT_BASE_URL: urlWithDefault('https://api.hubapi.com'),
    PIPEDRIVE_API_TOKEN: opt(),
    PIPEDRIVE_BASE_URL: urlWithDefault('https://api.pipedrive.com'),
    // Published burst limits: HubSpot private apps 100 per 10 s (Free/Starter), 190
    // (Professional/Enterprise), 250 (API limit increase); Pipedrive API tokens 20 per 2 s
    // (lowest plan) up to 120, OAuth 80 up to 480. Set yours to sync faster.
    HUBSPOT_REQUESTS_PER_10S: intIn(100, 1, 1000),
    PIPEDRIVE_REQUESTS_PER_2S: intIn(20, 1, 1000),
    SALESFORCE_INSTANCE_URL: url(),
    SALESFORCE_ACCESS_TOKEN: opt(),
    SALESFORCE_CLIENT_ID: opt(),
    SALESFORCE_CLIENT_SECRET: opt(),
    // Token endpoint host for the client-credentials flow; it needs the org's My Domain URL
    // (login.salesforce.com and test.salesforce.com refuse it), so it defaults to the instance URL.
    SALESFORCE_LOGIN_URL: url(),
    SALESFORCE_API_VERSION: withDefault('v62.0'),
    ATTIO_API_KEY: opt(),
    ATTIO_BASE_URL: urlWithDefault('https://api.attio.com'),
    ATTIO_OBJECT: withDefault('deals'),
    ATTIO_LIST: opt(),
    ATTIO_STAGE_ATTRIBUTE: withDefault('stage'),
    /** The currency reports are in (ISO 4217); default: the CRM's company currency, else the most common. */
    DEALCAST_CURRENCY: opt()
      .refine((v) => v === undefined || /^[A-Za-z]{3}$/.test(v), { message: 'must be a three-letter currency code such as EUR' })
      .transform((v) => v?.toUpperCase()),
    CSV_PATH: opt(),
    CSV_HISTORY_PATH: opt(),
    CSV_MAPPING_PATH: opt(),
    CSV_DATE_ORDER: withDefault('auto').pipe(z.enum(['auto', 'ymd', 'mdy', 'dmy'], { message: 'must be auto, ymd, mdy or dmy' })),
    DASHBOARD_CRON: opt().refine((v) => v === undefined || isCron(v), { message: 'is not a valid cron expression' }),
    DASHBOARD_PATH: withDefault('./out/dashboard.html'),
    /** When set, the scheduled dashboard file is encrypted with this password (docs/dashboard.md). */
    DASHBOARD_PASSWORD: opt().refine((v) => v === undefined || passwordProblem(v) === null, {
      message: `is too weak: use at least ${MIN_PASSWORD_LENGTH} characters, not all the same and not a run like 12345678 (a passphrase of a few words is best)`,
    }),
    /** false: the dashboard shows deal ids instead of deal names. */
    DASHBOARD_DEAL_NAMES: withDefault('true').pipe(z.enum(['true', 'false'], { message: 'must be true or false' })).transform((v) => v === 'true'),
    /** How long a second sync of the same CRM waits for the one running (CLI); the app does not wait. */
    SYNC_WAIT_MINUTES: intIn(30, 0, 24 * 60),
    /** How long a write waits for another dealcast process's write to SQLite before it fails, in seconds. */
    DB_BUSY_TIMEOUT_SECONDS: intIn(30, 0, 3600),
    /** Largest CRM answer read, in MB: a bigger page fails with a clear error instead of exhausting memory. */
    CRM_MAX_PAGE_MB: intIn(64, 1, 1024),
    /**
     * Tests only: `<job>:<step>` (e.g. `digest:root`) kills the process with SIGKILL right after that
     * step of claim → post → confirm is recorded (src/jobs/ledger.ts).
     */
    DEALCAST_CRASH_AT: opt().refine((v) => v === undefined || /^[a-z_]+:[A-Za-z0-9_:. -]+$/.test(v), { message: 'must look like job:step, e.g. digest:root' }),
    LOG_LEVEL: withDefault('info').pipe(z.enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' })),
  });

/**
 * Requirements that depend on other variables (which CRM needs which token). Checked on the raw
 * values, outside the schema, so they are listed even when other variables are invalid too.
 */
function crossFieldProblems(raw: Record<string, string | undefined>): string[] {
  const has = (k: string) => (raw[k] ?? '').trim() !== '';
  const problems: string[] = [];
  const need = (key: string, why: string) => {
    if (!has(key)) problems.push(`${key} is required ${why}`);
  };
  switch ((raw.CRM ?? '').trim() || 'demo') {
    case 'hubspot':
      need('HUBSPOT_TOKEN', 'when CRM=hubspot (a private app access token)');
      break;
    case 'pipedrive':
      need('PIPEDRIVE_API_TOKEN', 'when CRM=pipedrive (Settings → Personal preferences → API)');
      break;
    case 'salesforce':
      need('SALESFORCE_INSTANCE_URL', 'when CRM=salesforce (e.g. https://yourorg.my.salesforce.com)');
      if (!has('SALESFORCE_ACCESS_TOKEN') && !(has('SALESFORCE_CLIENT_ID') && has('SALESFORCE_CLIENT_SECRET'))) {
        problems.push('SALESFORCE_ACCESS_TOKEN, or SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET, is required when CRM=salesforce');
      }
      break;
    case 'attio':
      need('ATTIO_API_KEY', 'when CRM=attio (Workspace settings → Developers → access token)');
      break;
    case 'csv':
      need('CSV_PATH', 'when CRM=csv (the path of a deals export)');
      break;
  }
  return problems;
}

export type Config = Readonly<z.infer<typeof schema>>;

/** Every variable dealcast reads (the README's configuration table lists them all). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

/** Names of variables whose values must never be printed. */
export const SECRET_KEYS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'HUBSPOT_TOKEN',
  'PIPEDRIVE_API_TOKEN',
  'SALESFORCE_ACCESS_TOKEN',
  'SALESFORCE_CLIENT_SECRET',
  'ATTIO_API_KEY',
  'DASHBOARD_PASSWORD',
] as const;

export interface LoadOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** A .env file to read first (environment wins over it). Defaults to ./.env when present. */
  envFile?: string | null;
  /** Values that win over both (CLI flags). */
  overrides?: Record<string, string | undefined>;
}

/** .env file, then the environment, then overrides: the variables before validation. */
function rawVariables(opts: LoadOptions): Record<string, string | undefined> {
  const fileVars: Record<string, string> = {};
  const envFile = opts.envFile === undefined ? '.env' : opts.envFile;
  if (envFile && existsSync(envFile)) {
    Object.assign(fileVars, parseEnv(readFileSync(envFile, 'utf8')));
  }
  const raw: Record<string, string | undefined> = { ...fileVars };
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) raw[k] = v;
  for (const [k, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) raw[k] = v;
  return raw;
}

/** Parses the configuration once; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const raw = rawVariables(opts);

  const parsed = schema.safeParse(raw);
  // Name the variable and the rule; never the value (it may be a secret).
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'} ${i.message}`);
  problems.push(...crossFieldProblems(raw));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  // Whatever a CRM's error body echoes, no configured secret is ever stored or shown.
  redactTheseSecrets(SECRET_KEYS.map((k) => parsed.data[k]));
  return Object.freeze(parsed.data);
}

/**
 * The one documented exception to "every variable is in the schema": `dealcast dashboard
 * --password-env VAR` names the variable holding the password at run time. This reads exactly
 * that variable, from the same sources as loadConfig (.env, then the environment), and nothing
 * else. Trimmed like every other variable (so DASHBOARD_PASSWORD and --password-env agree);
 * blank counts as missing. The value is a secret: callers must never print it.
 */
export function readPasswordVariable(name: string, opts: Pick<LoadOptions, 'env' | 'envFile'> = {}): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  const v = rawVariables(opts)[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Slack credentials are needed only to run the app; checked separately, all at once. */
export function requireSlack(config: Config): void {
  const problems: string[] = [];
  if (!config.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN is required to run the Slack app (starts with xoxb-)');
  if (!config.SLACK_APP_TOKEN && !config.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN, xapp-…, for Socket Mode)');
  }
  if (problems.length) throw new ConfigError(problems);
}

/** Replaces every configured secret value in `text` with [redacted]. */
export function redactSecrets(config: Config, text: string): string {
  let out = text;
  for (const key of SECRET_KEYS) {
    const v = config[key];
    if (typeof v === 'string' && v.length >= 4) out = out.split(v).join('[redacted]');
  }
  return out;
}
