/**
 * Builds slash-command requests exactly as Slack sends them: a form-encoded body with
 * Content-Type exactly application/x-www-form-urlencoded, signed with v0 HMAC-SHA256 of
 * `v0:<timestamp>:<body>` in X-Slack-Signature, and X-Slack-Request-Timestamp in seconds.
 */
import { createHmac } from 'node:crypto';

export const TEST_SIGNING_SECRET = 'test-signing-secret-5f2a9c';

export interface CommandFields {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  response_url: string;
  trigger_id?: string;
}

let triggers = 0;

/** A slash command's form body; each gets its own trigger_id unless one is given, as from Slack. */
export function commandBody(f: CommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: f.channel_id ?? 'C0REPORTS',
    channel_name: f.channel_name ?? 'sales',
    user_id: f.user_id ?? 'U0MARIA',
    user_name: f.user_name ?? 'maria',
    command: f.command,
    text: f.text ?? '',
    api_app_id: 'A0DEALCAST',
    is_enterprise_install: 'false',
    response_url: f.response_url,
    trigger_id: f.trigger_id ?? `1337.${++triggers}.abcdef`,
  }).toString();
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  secret?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Overrides the computed signature (forgery tests); null sends none. */
  signature?: string | null;
  /** Extra headers (X-Slack-Retry-Num …). */
  headers?: Record<string, string>;
}

/** POSTs a form body to the app's /slack/events signed exactly as Slack signs it; resolves with the ack. */
export async function postSigned(appUrl: string, body: string, opts: SendOptions): Promise<{ status: number; body: string }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
  };
  const sig = opts.signature === undefined ? sign(opts.secret ?? TEST_SIGNING_SECRET, ts, body) : opts.signature;
  if (sig !== null) headers['x-slack-signature'] = sig;
  Object.assign(headers, opts.headers);
  const res = await fetch(`${appUrl}/slack/events`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

/** POSTs a signed command to the app; resolves with the HTTP answer (the ack). */
export function sendCommand(appUrl: string, fields: CommandFields, opts: SendOptions = {}): Promise<{ status: number; body: string }> {
  return postSigned(appUrl, commandBody(fields), opts);
}

/**
 * POSTs a signed interaction (block_actions, view_submission …) as Slack does: the form body
 * `payload=<URL-encoded JSON>` with Content-Type exactly application/x-www-form-urlencoded.
 * Resolves with the HTTP answer (the ack: empty, or a response_action as JSON).
 */
export function sendInteraction(appUrl: string, payload: Record<string, unknown>, opts: SendOptions = {}): Promise<{ status: number; body: string }> {
  return postSigned(appUrl, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
}
