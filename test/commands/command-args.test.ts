import { describe, expect, it } from 'vitest';
import { describeSince, parseCommandArgs, sinceToDate, tokenize, type ArgSpec } from '../../commands/command-args.js';

const REPORT: ArgSpec = { filters: ['owner', 'pipeline', 'source', 'since'] };
const DEALS: ArgSpec = { filters: ['owner', 'pipeline', 'source', 'since', 'stage'], flags: ['stuck'] };
const NOW = new Date('2026-11-24T09:00:00Z');

describe('argument grammar', () => {
  it('parses the examples from the issue', () => {
    const a = parseCommandArgs('owner:@maria pipeline:"Enterprise" since:90d', REPORT);
    expect(a).toMatchObject({ ok: true, args: { owner: { kind: 'name', name: 'maria' }, pipeline: 'Enterprise', since: { kind: 'relative', amount: 90, unit: 'd' } } });
    const d = parseCommandArgs('stage:Proposal stuck', DEALS);
    expect(d).toMatchObject({ ok: true, args: { stage: 'Proposal', stuck: true } });
    const r = parseCommandArgs('7d', { filters: ['since', 'pipeline'] });
    expect(r).toMatchObject({ ok: true, args: { since: { kind: 'relative', amount: 7, unit: 'd' } } });
    expect(parseCommandArgs('owner:me', REPORT)).toMatchObject({ ok: true, args: { owner: { kind: 'me' } } });
  });

  it('understands escaped mentions with and without a label', () => {
    expect(parseCommandArgs('owner:<@U024BE7LH|maria>', REPORT).args.owner).toEqual({ kind: 'slack', userId: 'U024BE7LH', label: 'maria' });
    expect(parseCommandArgs('owner:<@W0ABC>', REPORT).args.owner).toEqual({ kind: 'slack', userId: 'W0ABC', label: null });
    // a label with a space stays one token
    expect(parseCommandArgs('owner:<@U1|Maria Lopez> since:30d', REPORT).args).toMatchObject({ owner: { kind: 'slack', userId: 'U1', label: 'Maria Lopez' }, since: { amount: 30 } });
  });

  it('accepts straight and curly quotes, and unescapes Slack entities', () => {
    expect(parseCommandArgs('pipeline:“New Business”', REPORT).args.pipeline).toBe('New Business');
    expect(parseCommandArgs("pipeline:'SMB & Mid'", REPORT).args.pipeline).toBe('SMB & Mid');
    expect(parseCommandArgs('pipeline:"R&amp;D &lt;EU&gt;"', REPORT).args.pipeline).toBe('R&D <EU>');
    expect(parseCommandArgs('owner:"Maria Lopez"', REPORT).args.owner).toEqual({ kind: 'name', name: 'Maria Lopez' });
  });

  it('keys are case-insensitive, and empty text is fine', () => {
    expect(parseCommandArgs('Pipeline:Enterprise SINCE:2026-01-31', REPORT)).toMatchObject({ ok: true, args: { pipeline: 'Enterprise', since: { kind: 'date', date: '2026-01-31' } } });
    expect(parseCommandArgs('   ', REPORT)).toMatchObject({ ok: true, args: { help: false, stuck: false } });
  });

  it('help on any command', () => {
    for (const h of ['help', 'HELP', '--help', '?']) expect(parseCommandArgs(h, REPORT).args.help).toBe(true);
  });

  it('lists every problem with what to type instead', () => {
    const r = parseCommandArgs('colour:red bogus since:soon stuck pipeline:"Open', REPORT);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).toContain('Unknown filter `colour:`; this command accepts owner:, pipeline:, source:, since:');
    expect(r.problems.join('\n')).toContain('Unknown argument `bogus`');
    expect(r.problems.join('\n')).toContain('`since:` needs a period like 7d');
    expect(r.problems.join('\n')).toContain('Unknown argument `stuck`'); // not a /pipeline flag
    expect(r.problems.join('\n')).toContain('never closed');
  });

  it('catches repeated keys, empty values, impossible dates, absurd windows and stray mentions', () => {
    const msgs = (t: string, s: ArgSpec = REPORT) => {
      const r = parseCommandArgs(t, s);
      return r.ok ? '' : r.problems.join('\n');
    };
    expect(msgs('owner:me owner:@ana')).toContain('`owner:` is given twice');
    expect(msgs('pipeline:')).toContain('`pipeline:` needs a value');
    expect(msgs('since:2026-02-30')).toContain('impossible date');
    expect(msgs('since:20y')).toContain('more than ten years');
    expect(msgs('since:0d')).toContain('longer than zero');
    expect(msgs('@maria')).toContain('write owner:@maria');
    expect(msgs('stage:Proposal')).toContain('does not take `stage:`');
    expect(msgs('7d 30d')).toContain('given twice');
  });

  it('subcommand words only where allowed', () => {
    expect(parseCommandArgs('status', { filters: [], words: ['status', 'sync'] }).args.words).toEqual(['status']);
    const r = parseCommandArgs('stats', { filters: [], words: ['status', 'sync'] });
    expect(r.ok ? '' : r.problems[0]).toBe('Unknown argument `stats`: expected one of status, sync.');
  });

  it('turns windows into dates from now (calendar months clamp to month end)', () => {
    expect(sinceToDate({ kind: 'relative', amount: 90, unit: 'd', text: '90d' }, NOW)).toBe('2026-08-26');
    expect(sinceToDate({ kind: 'relative', amount: 2, unit: 'w', text: '2w' }, NOW)).toBe('2026-11-10');
    expect(sinceToDate({ kind: 'relative', amount: 1, unit: 'm', text: '1m' }, new Date('2026-03-31T10:00:00Z'))).toBe('2026-02-28');
    expect(sinceToDate({ kind: 'relative', amount: 1, unit: 'y', text: '1y' }, NOW)).toBe('2025-11-24');
    expect(sinceToDate({ kind: 'date', date: '2026-01-01', text: '2026-01-01' }, NOW)).toBe('2026-01-01');
    expect(describeSince({ kind: 'relative', amount: 90, unit: 'd', text: '90d' })).toBe('last 90 days');
    expect(describeSince({ kind: 'relative', amount: 1, unit: 'w', text: '1w' })).toBe('last week');
  });

  it('tokenizes without losing raw text', () => {
    expect(tokenize('a:"b c" d').tokens.map((t) => t.raw)).toEqual(['a:"b c"', 'd']);
  });
});
