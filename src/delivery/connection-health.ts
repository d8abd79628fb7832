/**
 * The running app's Slack connection health, for `dealcast status` (another process): written
 * by `dealcast start` next to the database as `<DEALCAST_DB>.slack.json` on every change and
 * every HEARTBEAT_MS, atomically (write, then rename). A file rather than a table: it is a
 * heartbeat of one process, not data, and status must read it even while a sync holds the
 * database busy.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SocketHealth } from './socket-mode.js';
import { plural } from '../views/numbers.js';

export const HEARTBEAT_MS = 30_000;

export interface ConnectionStatus {
  mode: 'socket' | 'http';
  pid: number;
  /** When this process last wrote the file (ISO). */
  updatedAt: string;
  /** Socket Mode only. */
  socket: SocketHealth | null;
  /** Repeated deliveries acked and not run again. */
  duplicatesSkipped: number;
  /** Slack scopes (channel:C…, method names) waiting on a Retry-After, with ms left. */
  rateLimited: Record<string, number>;
}

export function healthFilePath(dbPath: string): string | null {
  return dbPath === ':memory:' || dbPath === '' ? null : `${dbPath}.slack.json`;
}

export function writeConnectionStatus(path: string, status: ConnectionStatus): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, path);
}

export function readConnectionStatus(path: string): ConnectionStatus | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConnectionStatus;
  } catch {
    return null;
  }
}

/** Lines for `dealcast status`. */
export function describeConnection(s: ConnectionStatus | null, now: Date): string[] {
  if (!s) return ['Slack: no running app has reported (start it with "dealcast start").'];
  const age = Math.round((now.getTime() - Date.parse(s.updatedAt)) / 1000);
  if (age > (HEARTBEAT_MS / 1000) * 3) return [`Slack: the app (pid ${s.pid}) last reported ${age} s ago at ${s.updatedAt}; it is probably not running.`];
  const lines: string[] = [];
  if (s.mode === 'http') lines.push(`Slack: HTTP mode, app running (pid ${s.pid}).`);
  else if (s.socket) {
    const h = s.socket;
    if (h.state === 'connected') lines.push(`Slack: Socket Mode connected since ${h.connectedSince} (pid ${s.pid}); ${plural(h.reconnects, 'reconnect', 'reconnects')}, ${plural(h.refreshes, 'refresh', 'refreshes')}, ${plural(h.envelopes, 'envelope', 'envelopes')} acked.`);
    else lines.push(`Slack: Socket Mode ${h.state.toUpperCase()}${h.downSince ? ` since ${h.downSince}` : ''} (pid ${s.pid}); last error: ${h.lastError ?? 'none'}.`);
    if (h.lastOutageMs !== null) lines.push(`  last reconnect after losing the connection took ${(h.lastOutageMs / 1000).toFixed(1)} s.`);
  }
  if (s.duplicatesSkipped) lines.push(`  ${s.duplicatesSkipped} repeated deliveries from Slack were acked and not run twice.`);
  const limited = Object.entries(s.rateLimited);
  if (limited.length) lines.push(`  Rate limited by Slack: ${limited.map(([k, ms]) => `${k} (${Math.ceil(ms / 1000)} s)`).join(', ')}.`);
  return lines;
}
