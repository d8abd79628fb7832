import { describe, expect, it } from 'vitest';
import { decryptPage, DashboardDecryptError, encryptPage, PBKDF2_ITERATIONS, type EncryptedPayload } from '../../src/dashboard/encryption.js';
import { readUnlockPayload, renderUnlockPage, UNLOCK_SCRIPT } from '../../src/dashboard/unlock-page.js';
import { PAGE_INLINE } from '../../src/dashboard/page.js';
import { contentSecurityPolicy } from '../../src/dashboard/csp.js';
import { UNLOCK_STYLE } from '../../src/dashboard/page-style.js';

const PAGE = '<!doctype html><p>Pipeline $1,140,501 — Acme &amp; Co</p>';

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'opened';
  } catch (err) {
    expect(err).toBeInstanceOf(DashboardDecryptError);
    return (err as DashboardDecryptError).reason;
  }
}

function flipCiphertextByte(p: EncryptedPayload, index: number): EncryptedPayload {
  const body = Buffer.from(p.ciphertext, 'base64');
  body[index]! ^= 0x01;
  return { ...p, ciphertext: body.toString('base64') };
}

describe('dashboard encryption (AES-256-GCM, PBKDF2-SHA256)', () => {
  it('uses at least 600,000 PBKDF2 iterations, a fresh salt and IV, and round-trips', async () => {
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const a = await encryptPage(PAGE, 'correct horse');
    const b = await encryptPage(PAGE, 'correct horse');
    expect(a.iterations).toBe(PBKDF2_ITERATIONS);
    expect(a.salt).not.toBe(b.salt);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, 'base64').length).toBe(Buffer.byteLength(PAGE) + 16);
    expect(a.ciphertext).not.toContain(Buffer.from('Pipeline').toString('base64').slice(0, 8));
    expect(await decryptPage(a, 'correct horse')).toBe(PAGE);
  });

  it('tells a wrong password from an altered file', async () => {
    const p = await encryptPage(PAGE, 'correct horse');
    expect(await reason(decryptPage(p, 'battery staple'))).toBe('wrong_password');
    expect(await reason(decryptPage(flipCiphertextByte(p, 3), 'correct horse'))).toBe('tampered');
    // The tag itself, and the authenticated header, are covered too.
    expect(await reason(decryptPage(flipCiphertextByte(p, Buffer.from(p.ciphertext, 'base64').length - 1), 'correct horse'))).toBe('tampered');
    expect(await reason(decryptPage({ ...p, iterations: 1000 }, 'correct horse'))).toBe('tampered');
  });

  it('builds an unlock page that carries only ciphertext and lists the dashboard in its CSP', async () => {
    const p = await encryptPage(PAGE, 'pw');
    const html = renderUnlockPage(p);
    expect(html).not.toContain('Pipeline');
    expect(readUnlockPayload(html)).toEqual(p);
    const csp = contentSecurityPolicy({ scripts: [UNLOCK_SCRIPT, ...PAGE_INLINE.scripts], styles: [UNLOCK_STYLE, ...PAGE_INLINE.styles] });
    expect(html).toContain(csp.replace(/'/g, '&#39;'));
    expect(csp).toContain("default-src 'none'");
    expect(readUnlockPayload('<html>not a locked page</html>')).toBeNull();
  });
});
