/**
 * A fake Slack Web API on 127.0.0.1 that records every call. It speaks the real wire format:
 * form-encoded (or multipart) POSTs to /api/<method> with a Bearer token, JSON `{ok, …}`
 * answers, an `upload_url` pointing back at itself for filesUploadV2's second step, and
 * /response/<id> endpoints standing in for slash commands' response_url.
 *
 * Tests wait on recorded calls with `waitFor` (a promise), never on the wall clock. Failures are
 * injected per method (`failNext`), and channel membership is modelled: posting into a channel
 * listed with `botNotIn` answers `not_in_channel` like Slack does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Web API method ('chat.postMessage'), or 'upload' / 'response_url'. */
  method: string;
  /** Parsed parameters (JSON-looking values decoded). */
  params: Record<string, unknown>;
  /** Authorization header as sent. */
  authorization: string | undefined;
  /** Response URL id (for 'response_url'). */
  path: string;
  /** Raw bytes of an upload. */
  bytes?: Buffer;
  /** What the fake answered (status and JSON). */
  status: number;
  answer: unknown;
  at: number;
}

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  tz?: string;
}

export type Failure =
  /** `{ok:false, error}` (HTTP 200), as Slack answers platform errors. */
  | { error: string }
  /** HTTP 429 with a Retry-After header (seconds). */
  | { ratelimited: true; retryAfter: number }
  /** Another HTTP status (e.g. 500). */
  | { status: number; body?: string };

interface PendingFailure {
  method: string;
  failure: Failure;
  remaining: number;
  when?: (params: Record<string, unknown>) => boolean;
}

interface Waiter {
  predicate: (calls: RecordedCall[]) => boolean;
  resolve: () => void;
}

const JSON_FIELDS = new Set(['blocks', 'files', 'view', 'attachments', 'metadata', 'file_uploads']);

function decodeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (JSON_FIELDS.has(k) || ((v.startsWith('[') || v.startsWith('{')) && v.length > 1)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // leave as text
      }
    }
    out[k] = v;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class FakeSlack {
  readonly token: string;
  readonly recorded: RecordedCall[] = [];
  readonly uploads = new Map<string, Buffer>();
  private server: Server | null = null;
  private port = 0;
  private seq = 0;
  private readonly failures: PendingFailure[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly users = new Map<string, FakeUser>();
  private readonly notMember = new Set<string>();
  /** Answer every request after this many ms (simulates Slack's latency in benchmarks). */
  latencyMs = 0;
  /** The app-level token apps.connections.open accepts. */
  readonly appToken: string;
  /** Where apps.connections.open points (a FakeSocketMode's next URL); unset: the method fails. */
  socketModeUrl: (() => string) | null = null;

  constructor(opts: { token?: string; appToken?: string } = {}) {
    this.token = opts.token ?? 'xoxb-fake-token';
    this.appToken = opts.appToken ?? 'xapp-1-A0-fake-app-token';
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    // Keep-alive sockets must not hold close() open.
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** What SLACK_API_URL should be. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }
  /** A fresh response_url for one command invocation. */
  responseUrl(id = `R${++this.seq}`): string {
    return `${this.baseUrl}/response/${id}`;
  }

  addUser(u: FakeUser): this {
    this.users.set(u.id, u);
    return this;
  }
  /** The bot is not a member of `channel`: posting there answers not_in_channel. */
  botNotIn(channel: string): this {
    this.notMember.add(channel);
    return this;
  }
  /** The next `times` calls of `method` (optionally only those matching `when`) fail as told. */
  failNext(method: string, failure: Failure, times = 1, when?: (params: Record<string, unknown>) => boolean): this {
    this.failures.push({ method, failure, remaining: times, when });
    return this;
  }
  reset(): void {
    this.recorded.length = 0;
    this.failures.length = 0;
    this.uploads.clear();
  }

  calls(method: string): RecordedCall[] {
    return this.recorded.filter((c) => c.method === method);
  }
  /** JSON bodies posted to response_urls. */
  responses(id?: string): Record<string, unknown>[] {
    return this.recorded.filter((c) => c.method === 'response_url' && (id === undefined || c.path === id)).map((c) => c.params);
  }

  /** Resolves once `predicate` holds over the recorded calls; rejects after `timeoutMs` listing what arrived. */
  waitFor(predicate: (calls: RecordedCall[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate(this.recorded)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${this.recorded.map((c) => c.method).join(', ') || '(none)'}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }
  /** Waits for `count` calls of `method` (matching `where` if given) and returns them. */
  async waitForCalls(method: string, count = 1, where?: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall[]> {
    const match = (calls: RecordedCall[]) => calls.filter((c) => c.method === method && (!where || where(c)));
    await this.waitFor((calls) => match(calls).length >= count, timeoutMs);
    return match(this.recorded);
  }

  private record(call: Omit<RecordedCall, 'at'>): void {
    this.recorded.push({ ...call, at: Date.now() });
    for (const w of [...this.waiters]) {
      if (w.predicate(this.recorded)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private takeFailure(method: string, params: Record<string, unknown>): Failure | null {
    const f = this.failures.find((x) => x.method === method && x.remaining > 0 && (!x.when || x.when(params)));
    if (!f) return null;
    f.remaining--;
    if (f.remaining === 0) this.failures.splice(this.failures.indexOf(f), 1);
    return f.failure;
  }

  private nextTs(): string {
    this.seq++;
    return `${1_790_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const contentType = req.headers['content-type'] ?? '';
    const authorization = req.headers.authorization;

    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': typeof answer === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
      return { status, answer };
    };

    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice('/response/'.length);
      const params = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const failure = this.takeFailure('response_url', params);
      const out = failure ? this.sendFailure(send, failure) : send(200, 'ok');
      this.record({ method: 'response_url', params, authorization, path: id, ...out });
      return;
    }

    if (url.pathname.startsWith('/upload/')) {
      const fileId = url.pathname.slice('/upload/'.length);
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
      const part = [...form.values()].find((v) => typeof v !== 'string');
      const bytes = part && typeof part !== 'string' ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
      const failure = this.takeFailure('upload', {});
      if (failure) {
        const out = this.sendFailure(send, failure);
        this.record({ method: 'upload', params: { fileId }, authorization, path: fileId, bytes, ...out });
        return;
      }
      this.uploads.set(fileId, bytes);
      const out = send(200, `OK - ${bytes.length}`);
      this.record({ method: 'upload', params: { fileId }, authorization, path: fileId, bytes, ...out });
      return;
    }

    if (!url.pathname.startsWith('/api/')) {
      send(404, 'not found');
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const params = contentType.startsWith('application/json')
      ? (JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>)
      : decodeForm(raw.toString('utf8'));
    const tokenSent = authorization?.replace(/^Bearer\s+/i, '') ?? (params.token as string | undefined);

    let out: { status: number; answer: unknown };
    const failure = this.takeFailure(method, params);
    if (failure) out = this.sendFailure(send, failure);
    else if (method === 'apps.connections.open') {
      if (tokenSent !== this.appToken) out = send(200, { ok: false, error: tokenSent ? 'invalid_auth' : 'not_authed' });
      else if (!this.socketModeUrl) out = send(200, { ok: false, error: 'internal_error' });
      else out = send(200, { ok: true, url: this.socketModeUrl() });
    } else if (tokenSent !== this.token) out = send(200, { ok: false, error: tokenSent ? 'invalid_auth' : 'not_authed' });
    else out = send(200, this.answer(method, params));
    this.record({ method, params, authorization, path: url.pathname, ...out });
  }

  private sendFailure(send: (status: number, answer: unknown, headers?: Record<string, string>) => { status: number; answer: unknown }, f: Failure) {
    if ('error' in f) return send(200, { ok: false, error: f.error });
    if ('ratelimited' in f) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(f.retryAfter) });
    return send(f.status, f.body ?? 'error');
  }

  private userJson(u: FakeUser) {
    return {
      id: u.id,
      name: u.name,
      real_name: u.realName ?? u.name,
      is_admin: u.isAdmin ?? false,
      is_owner: u.isOwner ?? false,
      is_primary_owner: false,
      is_bot: u.isBot ?? false,
      deleted: false,
      tz: u.tz ?? 'UTC',
      profile: { real_name: u.realName ?? u.name, ...(u.email ? { email: u.email } : {}) },
    };
  }

  private answer(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const channel = String(p.channel ?? p.channel_id ?? '');
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: 'Fake Team', user: 'dealcast', team_id: 'T0FAKE', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'files.getUploadURLExternal': {
        if (!p.filename || !p.length) return { ok: false, error: 'invalid_arguments' };
        const fileId = `F${String(++this.seq).padStart(8, '0')}`;
        return { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (p.files as { id: string; title?: string }[] | undefined) ?? [];
        if (!files.length) return { ok: false, error: 'invalid_arguments' };
        if (files.some((f) => !this.uploads.has(f.id))) return { ok: false, error: 'file_not_found' };
        if (channel && this.notMember.has(channel)) return { ok: false, error: 'not_in_channel' };
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '', size: this.uploads.get(f.id)!.length })) };
      }
      case 'chat.postMessage':
        if (this.notMember.has(channel)) return { ok: false, error: 'not_in_channel' };
        if (!p.text && !p.blocks) return { ok: false, error: 'no_text' };
        return { ok: true, channel, ts: this.nextTs(), message: { text: p.text, blocks: p.blocks, thread_ts: p.thread_ts } };
      case 'chat.postEphemeral':
        if (this.notMember.has(channel)) return { ok: false, error: 'not_in_channel' };
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.update':
        if (!p.ts) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel, ts: p.ts, text: p.text };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(p.users ?? 'X')}` } };
      case 'conversations.info':
        return { ok: true, channel: { id: channel, name: channel.toLowerCase(), is_member: !this.notMember.has(channel), is_private: false, is_im: channel.startsWith('D') } };
      case 'users.info': {
        const u = this.users.get(String(p.user));
        return u ? { ok: true, user: this.userJson(u) } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        const email = String(p.email ?? '').toLowerCase();
        const u = [...this.users.values()].find((x) => x.email?.toLowerCase() === email);
        return u ? { ok: true, user: this.userJson(u) } : { ok: false, error: 'users_not_found' };
      }
      case 'views.open':
        if (!p.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        return { ok: true, view: { id: `V${++this.seq}`, hash: `h${this.seq}`, ...(p.view as object) } };
      case 'views.update':
        return { ok: true, view: { id: p.view_id ?? `V${++this.seq}`, hash: `h${++this.seq}`, ...(p.view as object) } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

export async function startFakeSlack(opts: { token?: string; appToken?: string } = {}): Promise<FakeSlack> {
  return new FakeSlack(opts).start();
}
