/**
 * The logger handed to Bolt and the WebClient: one line per message through our `log`
 * function, every configured secret replaced with [redacted] (tokens and the signing secret
 * must never reach logs), filtered by LOG_LEVEL.
 */
import { LogLevel, type Logger } from '@slack/bolt';
import { inspect } from 'node:util';
import { redactSecrets, type Config } from '../config.js';

const ORDER: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createSlackLogger(config: Config, write: (line: string) => void): Logger {
  let level: LogLevel = (config.LOG_LEVEL as LogLevel) ?? LogLevel.INFO;
  let name = 'slack';
  const emit = (lvl: string, msg: unknown[]) => {
    if ((ORDER[lvl] ?? 0) < (ORDER[level] ?? 0)) return;
    const text = msg.map((m) => (typeof m === 'string' ? m : inspect(m, { depth: 3, breakLength: Infinity }))).join(' ');
    // Bearer tokens of any kind, even ones not in the config (e.g. from a payload).
    const scrubbed = redactSecrets(config, text).replace(/\bxox[abposr]-[A-Za-z0-9-]+/g, 'xox?-[redacted]').replace(/\bxapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]');
    write(`${lvl.toUpperCase()} ${name}: ${scrubbed}`);
  };
  return {
    debug: (...m: unknown[]) => emit('debug', m),
    info: (...m: unknown[]) => emit('info', m),
    warn: (...m: unknown[]) => emit('warn', m),
    error: (...m: unknown[]) => emit('error', m),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}
