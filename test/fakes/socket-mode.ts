/**
 * A fake Socket Mode endpoint on 127.0.0.1: a minimal WebSocket server (RFC 6455 handshake,
 * unfragmented text frames, ping/pong, close) speaking Slack's Socket Mode protocol. On connect
 * it sends `hello`; `send(type, payload)` delivers an envelope ({envelope_id, type, payload,
 * accepts_response_payload}) and resolves with the app's ack ({envelope_id, payload?}).
 * Point the fake Web API's apps.connections.open at `url`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, data: Buffer): Buffer {
  const len = data.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, data]);
}

/** Parses complete client frames from `buf`; returns them and the unconsumed rest. */
function parseFrames(buf: Buffer): { frames: { opcode: number; data: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; data: Buffer }[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const opcode = buf[off]! & 0x0f;
    const masked = (buf[off + 1]! & 0x80) !== 0;
    let len = buf[off + 1]! & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length < p + 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length < p + maskLen + len) break;
    const mask = masked ? buf.subarray(p, p + 4) : null;
    const data = Buffer.from(buf.subarray(p + maskLen, p + maskLen + len));
    if (mask) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ mask[i % 4]!;
    frames.push({ opcode, data });
    off = p + maskLen + len;
  }
  return { frames, rest: buf.subarray(off) };
}

export interface Ack {
  envelope_id: string;
  payload?: unknown;
}

export class FakeSocketMode {
  private server: Server | null = null;
  private socket: Socket | null = null;
  private readonly acks = new Map<string, (ack: Ack) => void>();
  private connected: (() => void) | null = null;
  readonly connectedOnce: Promise<void>;
  /** Every message the app sent (acks), parsed. */
  readonly received: unknown[] = [];

  constructor() {
    this.connectedOnce = new Promise((resolve) => (this.connected = resolve));
  }

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      res.writeHead(426);
      res.end();
    });
    this.server.on('upgrade', (req, socket: Socket) => {
      const key = req.headers['sec-websocket-key'];
      if (typeof key !== 'string') return socket.destroy();
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      this.socket = socket;
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const parsed = parseFrames(Buffer.concat([pending, chunk]));
        pending = parsed.rest;
        for (const f of parsed.frames) {
          if (f.opcode === 0x9) socket.write(frame(0xa, f.data));
          else if (f.opcode === 0x8) socket.end(frame(0x8, Buffer.alloc(0)));
          else if (f.opcode === 0x1) {
            const msg = JSON.parse(f.data.toString('utf8')) as Ack;
            this.received.push(msg);
            this.acks.get(msg.envelope_id)?.(msg);
          }
        }
      });
      socket.on('error', () => undefined);
      this.sendJson({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0DEALCAST' } });
      this.connected?.();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server!.address() as AddressInfo).port}/link/?ticket=fake`;
  }

  private sendJson(obj: unknown): void {
    this.socket?.write(frame(0x1, Buffer.from(JSON.stringify(obj), 'utf8')));
  }

  /** Delivers an envelope and resolves with the app's ack. */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<Ack> {
    const envelope_id = randomUUID();
    const acked = new Promise<Ack>((resolve) => this.acks.set(envelope_id, resolve));
    this.sendJson({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api' });
    return acked;
  }

  async stop(): Promise<void> {
    this.socket?.destroy();
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
