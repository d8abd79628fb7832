import { describe, expect, it } from 'vitest';
import { DeliveryDedupe, payloadFingerprint } from '../../src/delivery/exactly-once.js';

describe('DeliveryDedupe', () => {
  it('refuses a repeat within the window and forgets it after', () => {
    let t = 0;
    const d = new DeliveryDedupe({ windowMs: 10 * 60 * 1000, now: () => t });
    const a = payloadFingerprint({ command: '/pipeline', trigger_id: '1.2.3', text: '山田 محمد' });
    expect(d.first(a)).toBe(true);
    t += 9 * 60 * 1000;
    expect(d.first(a)).toBe(false);
    expect(d.duplicates).toBe(1);
    t += 60 * 1000;
    expect(d.first(a)).toBe(true);
    expect(d.size).toBe(1);
  });

  it('fingerprints by content, whatever the key order', () => {
    expect(payloadFingerprint({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(payloadFingerprint({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(payloadFingerprint({ trigger_id: '1' })).not.toBe(payloadFingerprint({ trigger_id: '2' }));
  });
});
