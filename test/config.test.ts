import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactSecrets, requireSlack } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const load = (env: Record<string, string>, envFile: string | null = null) => loadConfig({ env, envFile });

describe('config', () => {
  it('has working defaults with no configuration at all', () => {
    const c = load({});
    expect(c.CRM).toBe('demo');
    expect(c.DEALCAST_DB).toBe('./data/dealcast.db');
    expect(c.DEALCAST_TIMEZONE).toBe('UTC');
    expect(c.SYNC_CRON).toBe('*/15 * * * *');
    expect(c.DIGEST_CRON).toBe('0 8 * * 1-5');
    expect(c.PORT).toBe(3000);
    expect(c.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(c.DEALCAST_ADMINS).toEqual([]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every problem at once, naming variables but never their values', () => {
    let err: ConfigError | undefined;
    try {
      load({ CRM: 'hubspot', PORT: '99999', DEALCAST_TIMEZONE: 'Mars/Olympus', SYNC_CRON: 'every day', HUBSPOT_BASE_URL: 'ftp://secret-host-xyz' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = err!.problems.join('\n');
    expect(err!.problems).toHaveLength(5);
    expect(text).toMatch(/HUBSPOT_TOKEN is required when CRM=hubspot/);
    expect(text).toMatch(/PORT must be a whole number/);
    expect(text).toMatch(/DEALCAST_TIMEZONE must be an IANA time zone/);
    expect(text).toMatch(/SYNC_CRON is not a valid cron expression/);
    expect(text).toMatch(/HUBSPOT_BASE_URL must be an http\(s\) URL/);
    expect(err!.message).not.toContain('secret-host-xyz');
  });

  it('treats empty strings as missing and reads a .env file under the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dealcast-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'CRM=pipedrive\nPIPEDRIVE_API_TOKEN=from-file\nDEALCAST_ADMINS=U1, U2\nPORT=\n');
    const c = loadConfig({ env: { PIPEDRIVE_API_TOKEN: 'from-env', DEALCAST_TIMEZONE: '' }, envFile: file });
    expect(c.CRM).toBe('pipedrive');
    expect(c.PIPEDRIVE_API_TOKEN).toBe('from-env');
    expect(c.DEALCAST_ADMINS).toEqual(['U1', 'U2']);
    expect(c.PORT).toBe(3000);
    expect(c.DEALCAST_TIMEZONE).toBe('UTC');
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires Slack credentials only to run the app, and redacts secrets', () => {
    const c = load({ SLACK_BOT_TOKEN: 'xoxb-very-secret' });
    expect(() => requireSlack(c)).toThrow(/SLACK_SIGNING_SECRET is required/);
    expect(redactSecrets(c, 'token=xoxb-very-secret ok')).toBe('token=[redacted] ok');
    expect(() => requireSlack(load({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }))).not.toThrow();
  });
});

describe('README configuration table', () => {
  it('lists every variable the configuration schema reads', async () => {
    const { readFileSync } = await import('node:fs');
    const { CONFIG_KEYS } = await import('../src/config.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(CONFIG_KEYS.filter((k) => !documented.has(k))).toEqual([]);
  });
});

describe('dashboard password strength', () => {
  it('refuses short, repetitive and sequential passwords and says why, accepts a passphrase', async () => {
    const { loadConfig, passwordProblem } = await import('../src/config.js');
    for (const weak of ['x', 'aaaaaaaaaaaaaa', '123456789012', 'abcdefghijklm']) {
      expect(() => loadConfig({ envFile: null, env: { DASHBOARD_PASSWORD: weak } })).toThrow(/DASHBOARD_PASSWORD is too weak/);
      expect(passwordProblem(weak)).not.toBeNull();
    }
    expect(loadConfig({ envFile: null, env: { DASHBOARD_PASSWORD: 'tiger lily 42' } }).DASHBOARD_PASSWORD).toBe('tiger lily 42');
  });
});

describe('log lines', () => {
  it('escape control characters: a newline in an argument cannot start a line of its own', async () => {
    const { escapeControl } = await import('../src/cli/io.js');
    expect(escapeControl('command: /deals "x\n2026-11-24T08:00:00Z admin granted" \u001b[31m')).toBe('command: /deals "x\\n2026-11-24T08:00:00Z admin granted" \\u001b[31m');
  });
});
