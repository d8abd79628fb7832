/**
 * HTTP mode's receiver: Bolt's HTTPReceiver (signature check, ack handling, /slack/events)
 * behind a guard that refuses, before anything else, a request whose
 * X-Slack-Request-Timestamp is more than 5 minutes from now in either direction. Bolt itself
 * refuses only old timestamps, so a signed request dated in the future could be replayed for
 * as long as its date allows. Time comes from an injected clock.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPReceiver, type App, type HTTPReceiverOptions, type Receiver } from '@slack/bolt';

/** Slack's replay window: a request's timestamp must be within this of now. */
export const REQUEST_MAX_SKEW_MS = 5 * 60 * 1000;

export interface GuardedHttpReceiverOptions extends HTTPReceiverOptions {
  now?: () => number;
  log?: (line: string) => void;
}

export class GuardedHttpReceiver implements Receiver {
  private readonly inner: HTTPReceiver;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  /** Requests refused for their timestamp. */
  refused = 0;

  constructor(opts: GuardedHttpReceiverOptions) {
    const { now, log, ...rest } = opts;
    this.inner = new HTTPReceiver(rest);
    this.now = now ?? Date.now;
    this.log = log ?? (() => undefined);
  }

  init(app: App): void {
    this.inner.init(app);
  }

  /** True when the request may go on to Bolt; otherwise it has been answered 401. */
  private admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return true;
    const header = req.headers['x-slack-request-timestamp'];
    const ts = Number(Array.isArray(header) ? header[0] : header);
    // A missing timestamp is Bolt's to refuse (with its signature check).
    if (header === undefined || !Number.isFinite(ts)) return true;
    const skew = ts * 1000 - this.now();
    if (Math.abs(skew) <= REQUEST_MAX_SKEW_MS) return true;
    this.refused++;
    this.log(`slack: refused a request timestamped ${Math.round(Math.abs(skew) / 1000)} s in the ${skew > 0 ? 'future' : 'past'} (more than 5 minutes: a replay or a wrong clock)`);
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('request timestamp outside the 5-minute window');
    req.resume();
    return false;
  }

  async start(opts: { port: number; host?: string }): Promise<Server> {
    const server = createServer((req, res) => {
      if (this.admit(req, res)) this.inner.requestListener(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    this.server = server;
    return server;
  }

  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
