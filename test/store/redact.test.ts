import { describe, expect, it } from 'vitest';
import { MAX_STORED_ERROR, redactError, redactTheseSecrets } from '../../store/redact.js';
import { finishRun, lastRun, startRun } from '../../store/sync-runs.js';
import { tempDb } from '../helpers/db.js';

describe('stored error text', () => {
  it('has no phones, emails, tokens or configured secrets, keeps dates and statuses, and is bounded', () => {
    redactTheseSecrets(['attio-key-0123456789']);
    const body =
      'HubSpot answered PATCH /crm/v3/objects/deals/42 with HTTP 400: {"message":"Property values were not valid: phone +1 (415) 555-0134, owner jane.doe@acme.com, ' +
      'other system key attio-key-0123456789, slack xoxb-1234-5678-abcdef, at 2026-11-24T08:00:00.000Z, 山田 太郎"}';
    const out = redactError(body);
    expect(out).not.toMatch(/555-0134|jane\.doe|attio-key|xoxb-1234/);
    expect(out).toContain('[phone]');
    expect(out).toContain('[email]');
    expect(out).toContain('HTTP 400');
    expect(out).toContain('2026-11-24T08:00:00.000Z');
    expect(out).toContain('山田 太郎');
    expect([...redactError('x '.repeat(1000))].length).toBe(MAX_STORED_ERROR);
    expect(redactError('line one\nforged line')).toBe('line one forged line');
  });

  it('is what sync history keeps', () => {
    const t = tempDb();
    const id = startRun(t.db, 'demo', 'full', '2026-11-24T08:00:00.000Z');
    finishRun(t.db, id, 'failed', '2026-11-24T08:01:00.000Z', {}, 'Pipedrive said: call +49 30 1234567 or mail a@b.de');
    expect(lastRun(t.db, 'demo')?.error).toBe('Pipedrive said: call [phone] or mail [email]');
    t.cleanup();
  });
});
