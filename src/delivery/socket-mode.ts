/**
 * Socket Mode that heals: dealcast's own Socket Mode receiver for Bolt, speaking Slack's
 * protocol (apps.connections.open -> WebSocket -> `hello`; envelopes acked by envelope_id;
 * `disconnect` with reason refresh_requested / warning / link_disabled).
 *
 * Why not Bolt's SocketModeReceiver: it hands the app's Web API retry policy to the Socket Mode
 * client, whose own reconnect then gives up for good after that policy's few attempts at
 * apps.connections.open (a 20–30 s outage leaves a process that runs but hears nothing), and on
 * every routine refresh it closes the old socket and waits ~5 s before opening a new one, so a
 * command sent then is lost.
 *
 * Here:
 * - Reconnecting never stops on its own: exponential backoff with jitter, capped
 *   (`reconnect.maxMs`), through p-retry with unbounded retries. If no connection could be made
 *   for `maxDownMs`, `onDown` is called so the process can exit non-zero and a supervisor
 *   restarts it: never a silent zombie.
 * - On `disconnect` (refresh_requested, warning), the new socket is opened first and the old one
 *   is closed only once the new one has said `hello`: no gap.
 * - Liveness: a ping every `pingIntervalMs`; no pong within `pongTimeoutMs` ends the socket and
 *   reconnects.
 * - Every envelope is handed to Bolt with an ack that answers on the socket it came from, and
 *   with `retry_attempt` as Bolt's retryNum (the exactly-once middleware drops repeats).
 * - Health (state, since when, reconnects, last error) is observable and reported to `onHealth`.
 */
import pRetry, { AbortError } from 'p-retry';
import WebSocket from 'ws';
import { webApi, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';

const { WebClient } = webApi;

export type SocketState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface SocketHealth {
  state: SocketState;
  /** ISO time the current connection said hello (connected), or null. */
  connectedSince: string | null;
  /** ISO time the app last lost its connection (while not connected), or null. */
  downSince: string | null;
  /** Connections made after the first one. */
  reconnects: number;
  /** Socket refreshes Slack asked for (disconnect: refresh_requested / warning). */
  refreshes: number;
  lastError: string | null;
  /** How long the last reconnect after an outage took, ms. */
  lastOutageMs: number | null;
  /** Envelopes received and acked. */
  envelopes: number;
}

export interface SocketModeOptions {
  appToken: string;
  /** A Web API client for apps.connections.open (default: one on the app's SLACK_API_URL). */
  client?: webApi.WebClient;
  log?: (line: string) => void;
  now?: () => number;
  reconnect?: { minMs?: number; maxMs?: number; factor?: number };
  /** Give up (onDown) after this long without a connection; 0 never gives up. */
  maxDownMs?: number;
  onDown?: (health: SocketHealth) => void;
  onHealth?: (health: SocketHealth) => void;
  /** How long a new socket may take to say hello. */
  helloTimeoutMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

/**
 * Reconnect backoff: 0.5 s doubling, with jitter, up to 5 s between attempts. apps.connections.open
 * is a Tier 3 method (50+ calls a minute per app and workspace), so even a long outage costs
 * about 12 calls a minute, and the app is back within ~5 s of Slack (`npm run bench -- slack`, a 20 s
 * outage: 6 failed attempts, connected again 0.14 s after Slack was back). A 30 s cap could
 * leave the app away for up to 30 s after Slack returned.
 */
export const SOCKET_RECONNECT = { minMs: 500, maxMs: 5_000, factor: 2 } as const;
export const SOCKET_HELLO_TIMEOUT_MS = 10_000;
export const SOCKET_PING_INTERVAL_MS = 15_000;
export const SOCKET_PONG_TIMEOUT_MS = 10_000;

interface SocketMessage {
  type?: string;
  reason?: string;
  envelope_id?: string;
  payload?: Record<string, unknown>;
  retry_attempt?: number;
  retry_reason?: string;
  accepts_response_payload?: boolean;
}

export class SlackSocketMode implements Receiver {
  private app: App | null = null;
  private active: WebSocket | null = null;
  private stopping = false;
  private connecting: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly sockets = new Set<WebSocket>();
  private downTimer: NodeJS.Timeout | null = null;
  readonly health: SocketHealth = { state: 'idle', connectedSince: null, downSince: null, reconnects: 0, refreshes: 0, lastError: null, lastOutageMs: null, envelopes: 0 };
  private everConnected = false;

  constructor(private readonly opts: SocketModeOptions) {
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  private ownClient: webApi.WebClient | null = null;

  /**
   * The client for apps.connections.open: given, or one on the app's SLACK_API_URL with the app
   * token and no retries of its own (the app client's retry budget would hold one attempt for
   * half a minute; here every attempt is one request and the backoff above does the waiting).
   */
  private get client(): webApi.WebClient {
    if (this.opts.client) return this.opts.client;
    if (!this.ownClient) {
      if (!this.app) throw new Error('Socket Mode started before the app was initialised');
      this.ownClient = new WebClient(this.opts.appToken, {
        slackApiUrl: this.app.client.slackApiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: this.opts.helloTimeoutMs ?? SOCKET_HELLO_TIMEOUT_MS,
      });
    }
    return this.ownClient;
  }

  /** Connects (retrying without end, within maxDownMs); resolves once the first socket said hello. */
  async start(): Promise<void> {
    if (this.stopping) throw new Error('Socket Mode was stopped; it cannot start again');
    this.setHealth({ state: 'connecting', downSince: new Date(this.now()).toISOString() });
    await this.reconnect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.downTimer) clearTimeout(this.downTimer);
    this.downTimer = null;
    for (const ws of this.sockets) this.closeSocket(ws, 1000);
    this.active = null;
    this.setHealth({ state: 'stopped', connectedSince: null });
  }

  private setHealth(patch: Partial<SocketHealth>): void {
    Object.assign(this.health, patch);
    this.opts.onHealth?.({ ...this.health });
  }

  /** One connection attempt: a fresh URL, a socket, and its hello. */
  private async openSocket(): Promise<WebSocket> {
    const r = (await this.client.apps.connections.open({ token: this.opts.appToken })) as { url?: string };
    if (!r.url) throw new Error('apps.connections.open returned no url');
    const ws = new WebSocket(r.url);
    this.sockets.add(ws);
    ws.on('close', () => this.onClose(ws));
    ws.on('error', (err) => {
      this.health.lastError = `websocket: ${err.message}`;
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(ws, data.toString());
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('no hello from Slack in time')), this.opts.helloTimeoutMs ?? SOCKET_HELLO_TIMEOUT_MS);
      const onHello = (data: WebSocket.RawData) => {
        try {
          if ((JSON.parse(data.toString()) as SocketMessage).type !== 'hello') return;
        } catch {
          return;
        }
        cleanup();
        resolve();
      };
      const fail = (err: Error) => {
        cleanup();
        this.closeSocket(ws, 1000);
        reject(err);
      };
      const onCloseEarly = () => fail(new Error('the socket closed before hello'));
      const onError = (err: Error) => fail(err);
      const cleanup = () => {
        clearTimeout(timer);
        ws.off('message', onHello);
        ws.off('close', onCloseEarly);
        ws.off('error', onError);
      };
      ws.on('message', onHello);
      ws.once('close', onCloseEarly);
      ws.once('error', onError);
    });
    this.keepAlive(ws);
    return ws;
  }

  /** Pings the socket; no pong in time ends it (and onClose reconnects). */
  private keepAlive(ws: WebSocket): void {
    const every = this.opts.pingIntervalMs ?? SOCKET_PING_INTERVAL_MS;
    if (every <= 0) return;
    let pongTimer: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.ping();
      pongTimer ??= setTimeout(() => {
        this.log('slack: Socket Mode connection stopped answering pings; reconnecting');
        ws.terminate();
      }, this.opts.pongTimeoutMs ?? SOCKET_PONG_TIMEOUT_MS);
    }, every);
    ws.on('pong', () => {
      if (pongTimer) clearTimeout(pongTimer);
      pongTimer = null;
    });
    ws.once('close', () => {
      clearInterval(ping);
      if (pongTimer) clearTimeout(pongTimer);
    });
  }

  /**
   * Gets a new active socket, retrying without end (backoff with jitter, capped). The previous
   * socket, if any, stays open until the new one said hello.
   */
  private reconnect(): Promise<void> {
    if (this.connecting) return this.connecting;
    const r = { ...SOCKET_RECONNECT, ...this.opts.reconnect };
    const started = this.now();
    this.armDownTimer();
    this.connecting = pRetry(() => this.openSocket(), {
      retries: Number.POSITIVE_INFINITY,
      factor: r.factor,
      minTimeout: r.minMs,
      maxTimeout: r.maxMs,
      randomize: true,
      signal: this.abort.signal,
      onFailedAttempt: ({ error, attemptNumber }) => {
        this.setHealth({ lastError: error.message, state: this.everConnected ? 'reconnecting' : 'connecting' });
        this.log(`slack: Socket Mode connection attempt ${attemptNumber} failed (${error.message}); trying again`);
        if (this.stopping) throw new AbortError('stopping');
      },
    })
      .then((ws) => {
        if (this.stopping) {
          this.closeSocket(ws, 1000);
          return;
        }
        const old = this.active;
        this.active = ws;
        if (this.downTimer) clearTimeout(this.downTimer);
        this.downTimer = null;
        const wasDown = this.health.downSince !== null;
        if (this.everConnected) this.health.reconnects++;
        this.everConnected = true;
        this.setHealth({ state: 'connected', connectedSince: new Date(this.now()).toISOString(), downSince: null, ...(wasDown ? { lastOutageMs: this.now() - started } : {}) });
        // The old socket goes only now that the new one is ready (acks in flight on it still go out).
        if (old && old !== ws) this.closeSocket(old, 1000);
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  /** Calls onDown once no connection could be made for maxDownMs. */
  private armDownTimer(): void {
    const max = this.opts.maxDownMs ?? 0;
    if (max <= 0 || this.downTimer) return;
    this.downTimer = setTimeout(() => {
      this.downTimer = null;
      if (this.stopping || this.health.state === 'connected') return;
      this.log(`slack: no Socket Mode connection for ${Math.round(max / 1000)} s (${this.health.lastError ?? 'unknown error'}); giving up so a supervisor can restart dealcast`);
      this.opts.onDown?.({ ...this.health });
    }, max);
    this.downTimer.unref?.();
  }

  private closeSocket(ws: WebSocket, code: number): void {
    this.sockets.delete(ws);
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code);
  }

  private onClose(ws: WebSocket): void {
    this.sockets.delete(ws);
    if (ws !== this.active || this.stopping) return;
    this.active = null;
    this.log('slack: Socket Mode connection closed; reconnecting');
    this.setHealth({ state: 'reconnecting', connectedSince: null, downSince: new Date(this.now()).toISOString() });
    this.reconnect().catch((err: unknown) => this.log(`slack: Socket Mode reconnect stopped: ${(err as Error).message}`));
  }

  private onMessage(ws: WebSocket, text: string): void {
    let msg: SocketMessage;
    try {
      msg = JSON.parse(text) as SocketMessage;
    } catch {
      this.log('slack: ignored a Socket Mode message that is not JSON');
      return;
    }
    if (msg.type === 'hello') return;
    if (msg.type === 'disconnect') {
      if (ws !== this.active) return;
      this.health.refreshes++;
      this.log(`slack: Slack asked to reconnect (${msg.reason ?? 'no reason'}); opening the new connection before closing this one`);
      // The current socket keeps serving until the new one is ready.
      this.reconnect().catch((err: unknown) => this.log(`slack: Socket Mode reconnect stopped: ${(err as Error).message}`));
      return;
    }
    if (!msg.envelope_id || !msg.payload) return;
    const envelopeId = msg.envelope_id;
    let acked = false;
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      this.health.envelopes++;
      const body = JSON.stringify({ envelope_id: envelopeId, ...(response !== undefined && response !== null ? { payload: response } : {}) });
      // On the socket it came on; if that one is gone, on the active one (Slack accepts either).
      const out = ws.readyState === WebSocket.OPEN ? ws : this.active;
      if (out && out.readyState === WebSocket.OPEN) out.send(body);
      else this.log(`slack: could not ack envelope ${envelopeId}: no open connection (Slack will deliver it again)`);
    };
    const event: ReceiverEvent = {
      body: msg.payload,
      ack,
      ...(msg.retry_attempt !== undefined ? { retryNum: msg.retry_attempt } : {}),
      ...(msg.retry_reason !== undefined ? { retryReason: msg.retry_reason } : {}),
    };
    if (!this.app) {
      this.log('slack: an envelope arrived before the app was ready; not acked (Slack will deliver it again)');
      return;
    }
    this.app.processEvent(event).catch((err: unknown) => this.log(`slack: handling a Socket Mode envelope failed: ${(err as Error).message}`));
  }
}
