/**
 * Coded errors. Every error a user can meet says what went wrong in one sentence and, in
 * `hint`, what to do about it. Two families matter for CRMs: transport (the CRM could not
 * be reached or refused us) and shape (the CRM answered, but not as expected).
 */
export class DealcastError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** Start-up configuration is invalid; `problems` lists every problem at once. */
export class ConfigError extends DealcastError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      'config_invalid',
      `Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'Set the variables above in the environment or in a .env file (see the configuration table in README.md).',
    );
    this.problems = problems;
  }
}

/** Bad input from a person: a CLI flag, a slash-command argument. */
export class UsageError extends DealcastError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint);
  }
}

/** Another process is syncing the same CRM into the same database. */
export class SyncBusyError extends DealcastError {
  readonly since: string;
  constructor(crm: string, since: string, holder: string) {
    super('sync_busy', `A sync of ${crm} is already running since ${since} (${holder}).`, 'It finishes on its own; try again after it, or wait for the next scheduled sync.');
    this.since = since;
  }
}

/** The database was written by a newer dealcast, or is not a dealcast database. */
export class StoreError extends DealcastError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('store', message, hint, options);
  }
}

export interface CrmRequestInfo {
  crm: string;
  method: string;
  path: string;
  status?: number;
}

/** Transport family: the CRM could not be reached, or refused the request. */
export class CrmError extends DealcastError {
  readonly crm: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  constructor(code: string, info: CrmRequestInfo, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.crm = info.crm;
    this.method = info.method;
    this.path = info.path;
    this.status = info.status;
  }
}

/** 401/403: retrying cannot help; the hint names the token and scopes to set. */
export class CrmAuthError extends CrmError {
  constructor(info: CrmRequestInfo, message: string, hint: string) {
    super('crm_auth', info, message, hint);
  }
}

/** Rate limited beyond the retry budget (or a daily allocation is used up). */
export class CrmRateLimitError extends CrmError {
  readonly retryAfterMs: number | undefined;
  constructor(info: CrmRequestInfo, message: string, retryAfterMs?: number, hint?: string) {
    super('crm_rate_limit', info, message, hint);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Any other HTTP failure: method, path, status and a (redacted) body excerpt. */
export class CrmHttpError extends CrmError {
  readonly bodyExcerpt: string;
  constructor(info: CrmRequestInfo, bodyExcerpt: string, hint?: string, options?: { cause?: unknown }) {
    super(
      'crm_http',
      info,
      `${info.crm} answered ${info.method} ${info.path} with HTTP ${info.status ?? '?'}: ${bodyExcerpt}`,
      hint,
      options,
    );
    this.bodyExcerpt = bodyExcerpt;
  }
}

/** A CRM answer larger than CRM_MAX_PAGE_MB: stopped while reading, before it can exhaust memory. */
export class CrmPageTooLargeError extends CrmError {
  constructor(info: CrmRequestInfo, limitBytes: number) {
    super(
      'crm_page_too_large',
      info,
      `${info.crm} answered ${info.method} ${info.path} with more than ${Math.round(limitBytes / 1048576)} MB in one page; the sync stopped reading it rather than run out of memory.`,
      'Raise CRM_MAX_PAGE_MB if your records really are this large, or ask the CRM for smaller pages; the data synced before is kept.',
    );
  }
}

/** The request timed out or the connection failed, after the retries allowed. */
export class CrmNetworkError extends CrmError {
  constructor(info: CrmRequestInfo, message: string, options?: { cause?: unknown }) {
    super('crm_network', info, message, `Check that ${info.crm} is reachable from this machine and that its base URL is right.`, options);
  }
}

/** Shape family: the CRM answered, but not as expected. Names the field. */
export class PayloadShapeError extends DealcastError {
  readonly crm: string;
  readonly where: string;
  readonly issues: { path: string; message: string }[];
  constructor(crm: string, where: string, issues: { path: string; message: string }[]) {
    const first = issues[0];
    super(
      'crm_shape',
      `${crm} answered ${where}, but not as expected: ${first ? `${first.path || '(root)'}: ${first.message}` : 'unknown shape'}${
        issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
      }`,
      'This usually means the CRM changed its API or a scope was revoked. Report it with this message.',
    );
    this.crm = crm;
    this.where = where;
    this.issues = issues;
  }
}

/** One line for a person: the message plus what to do. */
export function describeError(err: unknown): string {
  if (err instanceof DealcastError) return err.hint ? `${err.message}\n${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
