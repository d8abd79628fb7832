/**
 * manifest.yml agrees with src/ids.ts (commands, descriptions, usage hints), asks for exactly
 * the scopes the code needs, and validates against Slack's published manifest JSON schema when
 * a copy is available beside the repository (../shared/slack-manifest-schema; skipped otherwise,
 * the schema is not vendored).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS, COMMAND_KEYS } from '../src/ids.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
  display_information: { name: string };
  features: { slash_commands: { command: string; description: string; usage_hint?: string; should_escape?: boolean; url?: string }[]; bot_user: unknown };
  oauth_config: { scopes: { bot: string[] } };
  settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
};
const schemaPath = join(root, '..', 'shared', 'slack-manifest-schema', 'schemas', 'manifest.schema.1.0.0.json');

describe('manifest.yml', () => {
  it('declares exactly the commands in src/ids.ts, with the same descriptions and usage hints', () => {
    const declared = manifest.features.slash_commands;
    expect(declared.map((c) => c.command).sort()).toEqual(COMMAND_KEYS.map((k) => COMMANDS[k].command).sort());
    for (const k of COMMAND_KEYS) {
      const c = declared.find((x) => x.command === COMMANDS[k].command)!;
      expect(c.description).toBe(COMMANDS[k].description);
      expect(c.usage_hint).toBe(COMMANDS[k].usageHint);
      // mentions must arrive as <@U…> so owner:@maria can be resolved to a person
      expect(c.should_escape).toBe(true);
      expect(c.url).toBeUndefined(); // Socket Mode: no request URL
    }
  });

  it('asks for exactly the bot scopes the code uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'files:write', 'im:write', 'users:read', 'users:read.email']);
  });

  it('turns on Socket Mode and interactivity, and has a bot user', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.bot_user).toBeTruthy();
  });

  it.skipIf(!existsSync(schemaPath))("validates against Slack's published manifest schema (v1)", () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
    // The schema uses a non-standard "regex" keyword and "uri" formats: not strict, formats unchecked.
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // and the validator does catch a broken manifest
    const broken = structuredClone(manifest) as typeof manifest & { extra?: boolean };
    broken.features.slash_commands[0]!.command = 'pipeline';
    broken.extra = true;
    expect(validate(broken)).toBe(false);
  });
});
