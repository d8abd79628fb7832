/**
 * An OAuth 2.0 client-credentials session (RFC 6749 §4.4) for the HTTP door: it fetches an
 * access token from the token endpoint when first asked, hands out the Authorization header,
 * and fetches a new one when the door reports the session expired. Used by Salesforce
 * connected apps (POST {My Domain}/services/oauth2/token, form-encoded; the answer carries
 * access_token and instance_url).
 */
import { request, type Dispatcher } from 'undici';
import { CrmAuthError, CrmNetworkError, type CrmRequestInfo } from '../errors.js';
import type { CrmSession } from './http.js';

export interface ClientCredentialsOptions {
  crm: string;
  label: string;
  /** Full URL of the token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Says which 401 answers mean "get a new token" (other 401s fail as auth errors). */
  expired: (status: number, text: string) => boolean;
  /** What to do when the token endpoint refuses the credentials. */
  authHint: string;
  /** A token to use until the CRM says it expired (else the first request fetches one). */
  initialToken?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface ClientCredentialsSession extends CrmSession {
  /** Tokens fetched so far (first one included). */
  readonly tokensFetched: number;
  /** The instance URL the last token answer named, if any. */
  readonly instanceUrl: string | undefined;
}

export const TOKEN_TIMEOUT_MS = 30_000;

export function createClientCredentialsSession(opts: ClientCredentialsOptions): ClientCredentialsSession {
  let token: string | undefined = opts.initialToken;
  let instanceUrl: string | undefined;
  let fetched = 0;
  let inFlight: Promise<void> | undefined;
  const path = new URL(opts.tokenUrl).pathname;
  const info: CrmRequestInfo = { crm: opts.crm, method: 'POST', path };

  async function fetchToken(): Promise<void> {
    let status: number;
    let text: string;
    try {
      const res = await request(opts.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret }).toString(),
        headersTimeout: opts.timeoutMs ?? TOKEN_TIMEOUT_MS,
        bodyTimeout: opts.timeoutMs ?? TOKEN_TIMEOUT_MS,
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new CrmNetworkError(info, `${opts.label}'s token endpoint could not be reached (${(err as Error).message}).`, { cause: err });
    }
    let body: { access_token?: unknown; instance_url?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {
      /* reported below */
    }
    if (status !== 200 || typeof body.access_token !== 'string') {
      const why = typeof body.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}` : `HTTP ${status}`;
      throw new CrmAuthError({ ...info, status }, `${opts.label} refused the client credentials (${why}).`, opts.authHint);
    }
    token = body.access_token;
    instanceUrl = typeof body.instance_url === 'string' ? body.instance_url : undefined;
    fetched++;
  }

  /** One fetch at a time: concurrent callers share it. */
  const refresh = (): Promise<void> => {
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    get tokensFetched() {
      return fetched;
    },
    get instanceUrl() {
      return instanceUrl;
    },
    async headers() {
      if (!token) await refresh();
      return { authorization: `Bearer ${token}` };
    },
    expired: opts.expired,
    renew: refresh,
    secrets: () => (token ? [token, opts.clientSecret] : [opts.clientSecret]),
  };
}
