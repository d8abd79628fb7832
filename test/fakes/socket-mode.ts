/**
 * A fake of Slack's Socket Mode server on 127.0.0.1, speaking the real protocol: each URL that
 * apps.connections.open hands out (`nextUrl`) is good for one WebSocket connection, which gets
 * `{"type":"hello"}`; envelopes (`slash_commands`, `interactive`, `events_api`) carry an
 * envelope_id, the payload, and `retry_attempt` / `retry_reason`; the app acks with
 * `{"envelope_id", "payload"?}`; `disconnect` messages carry `reason` (refresh_requested,
 * warning, link_disabled). Tests wait on promises (acks, connections), never on the clock.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

export interface Ack {
  envelopeId: string;
  payload?: unknown;
  /** Which connection (1-based, in connection order) it came on. */
  connection: number;
  /** ms after the envelope was sent. */
  afterMs: number;
}

interface Waiter {
  test: () => boolean;
  resolve: () => void;
}

export class FakeSocketMode {
  private wss: WebSocketServer | null = null;
  private port = 0;
  private tickets = 0;
  private readonly valid = new Set<string>();
  /** Every connection made, in order (closed ones included). */
  readonly connections: WebSocket[] = [];
  readonly acks: Ack[] = [];
  /** For each connection, how many others were open when it was made (refresh without a gap: 1). */
  readonly openAtConnect: number[] = [];
  private readonly sentAt = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  /** Messages the app sent that were not acks (should stay empty). */
  readonly strays: string[] = [];

  async start(): Promise<this> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.wss!.once('listening', () => resolve()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws, req) => {
      const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
      if (!this.valid.delete(ticket)) {
        ws.close(4001, 'invalid ticket');
        return;
      }
      this.openAtConnect.push(this.open().length);
      this.connections.push(ws);
      const n = this.connections.length;
      ws.on('message', (data) => {
        const text = data.toString();
        let msg: { envelope_id?: string; payload?: unknown };
        try {
          msg = JSON.parse(text) as typeof msg;
        } catch {
          this.strays.push(text);
          return;
        }
        if (!msg.envelope_id) {
          this.strays.push(text);
          return;
        }
        this.acks.push({ envelopeId: msg.envelope_id, payload: msg.payload, connection: n, afterMs: Date.now() - (this.sentAt.get(msg.envelope_id) ?? Date.now()) });
        this.check();
      });
      ws.on('close', () => this.check());
      ws.send(JSON.stringify({ type: 'hello', num_connections: this.open().length, connection_info: { app_id: 'A0DEALCAST' }, debug_info: { host: 'fake' } }));
      this.check();
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.connections) ws.terminate();
    const s = this.wss;
    this.wss = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** A one-use WebSocket URL, as apps.connections.open returns. */
  nextUrl = (): string => {
    const ticket = `t${++this.tickets}-${randomUUID()}`;
    this.valid.add(ticket);
    return `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}`;
  };

  /** Connections still open. */
  open(): WebSocket[] {
    return this.connections.filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** Sends an envelope on the newest open connection; resolves with its envelope_id. */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, opts: { envelopeId?: string; retryAttempt?: number; retryReason?: string; on?: WebSocket } = {}): string {
    const ws = opts.on ?? this.open().at(-1);
    if (!ws) throw new Error('fake Socket Mode: no open connection to send on');
    const envelopeId = opts.envelopeId ?? randomUUID();
    this.sentAt.set(envelopeId, Date.now());
    ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: opts.retryAttempt ?? 0,
        retry_reason: opts.retryReason ?? '',
      }),
    );
    return envelopeId;
  }

  /** Slack's `disconnect` message on the newest connection; with closeAfterMs, the server then closes it. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled', closeAfterMs?: number): WebSocket {
    const ws = this.open().at(-1);
    if (!ws) throw new Error('fake Socket Mode: no open connection');
    ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake' } }));
    if (closeAfterMs !== undefined) setTimeout(() => ws.close(1000), closeAfterMs);
    return ws;
  }

  /** Drops every connection without a word (a network failure). */
  dropAll(): void {
    for (const ws of this.open()) ws.terminate();
  }

  acksFor(envelopeId: string): Ack[] {
    return this.acks.filter((a) => a.envelopeId === envelopeId);
  }

  waitFor(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`fake Socket Mode: ${what} did not happen in ${timeoutMs} ms`));
      }, timeoutMs);
      const w: Waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(w);
    });
  }
  waitForAck(envelopeId: string): Promise<Ack> {
    return this.waitFor(() => this.acksFor(envelopeId).length > 0, `an ack of ${envelopeId}`).then(() => this.acksFor(envelopeId)[0]!);
  }
  waitForConnections(n: number): Promise<void> {
    return this.waitFor(() => this.connections.length >= n, `${n} connection(s)`);
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.test()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  return new FakeSocketMode().start();
}
