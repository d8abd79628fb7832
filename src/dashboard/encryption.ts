/**
 * Password encryption of the dashboard page, in a format a browser can open with WebCrypto alone.
 *
 * Key derivation: PBKDF2-HMAC-SHA256 over the UTF-8 password and a random 16-byte salt,
 * PBKDF2_ITERATIONS rounds (OWASP's 2023 figure for PBKDF2-SHA256), 64 bytes out:
 *   - bytes 0..31  the AES-256-GCM key;
 *   - bytes 32..63 a password check value, stored in the file.
 * PBKDF2's two output blocks are computed independently, each with the full iteration count, so
 * the check value lets nobody test a password guess more cheaply than decrypting would. It exists
 * so the page can tell "wrong password" (check differs) from "this file was altered" (check
 * matches but the GCM tag does not).
 *
 * Encryption: AES-256-GCM, random 12-byte IV, 16-byte tag appended to the ciphertext (the layout
 * WebCrypto's decrypt expects). The header (format, iterations, salt, check) is bound to the
 * ciphertext as additional authenticated data, so editing any of it also refuses to open.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { DealcastError } from '../errors.js';

const pbkdf2Async = promisify(pbkdf2);

export const PBKDF2_ITERATIONS = 600_000;
/** Fewer rounds are refused when reading a file back (a tampered header could lower them). */
export const MIN_PBKDF2_ITERATIONS = 600_000;
export const PAYLOAD_FORMAT = 'dealcast-dashboard-aes256gcm-pbkdf2sha256-v1';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What the unlock page carries (all binary fields base64). */
export interface EncryptedPayload {
  format: typeof PAYLOAD_FORMAT;
  iterations: number;
  salt: string;
  iv: string;
  /** PBKDF2 output bytes 32..63: tells a wrong password apart from a damaged file. */
  check: string;
  /** AES-GCM ciphertext with the 16-byte tag appended. */
  ciphertext: string;
}

/**
 * The additional authenticated data: every header field except the IV and ciphertext, joined in
 * a fixed order. The browser builds the same string (unlock-page.ts).
 */
export function payloadAad(p: Pick<EncryptedPayload, 'format' | 'iterations' | 'salt' | 'check'>): Buffer {
  return Buffer.from(`${p.format}|${p.iterations}|${p.salt}|${p.check}`, 'utf8');
}

export interface EncryptOptions {
  iterations?: number;
  /** Source of salt and IV; tests may pass a deterministic one. */
  randomBytes?: (n: number) => Buffer;
}

async function deriveKeyAndCheck(password: string, salt: Buffer, iterations: number): Promise<{ key: Buffer; check: Buffer }> {
  const bits = await pbkdf2Async(Buffer.from(password.normalize('NFC'), 'utf8'), salt, iterations, 64, 'sha256');
  return { key: bits.subarray(0, 32), check: bits.subarray(32, 64) };
}

/** Encrypts `plaintext` (the full dashboard HTML) under `password`. Nothing is written anywhere. */
export async function encryptPage(plaintext: string, password: string, opts: EncryptOptions = {}): Promise<EncryptedPayload> {
  if (password.length === 0) throw new DealcastError('dashboard_password', 'The dashboard password is empty.', 'Set a non-empty password.');
  const iterations = opts.iterations ?? PBKDF2_ITERATIONS;
  const rand = opts.randomBytes ?? randomBytes;
  const salt = rand(SALT_BYTES);
  const iv = rand(IV_BYTES);
  const { key, check } = await deriveKeyAndCheck(password, salt, iterations);
  const header = { format: PAYLOAD_FORMAT, iterations, salt: salt.toString('base64'), check: check.toString('base64') } as const;
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(payloadAad(header));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ...header, iv: iv.toString('base64'), ciphertext: body.toString('base64') };
}

export class DashboardDecryptError extends DealcastError {
  readonly reason: 'wrong_password' | 'tampered' | 'format';
  constructor(reason: DashboardDecryptError['reason'], message: string, hint?: string) {
    super(`dashboard_${reason}`, message, hint);
    this.reason = reason;
  }
}

/**
 * The Node twin of the page's decryption: used by the scheduled job to compare the current file
 * with a new one, and by tests. Throws DashboardDecryptError saying which failure it was.
 */
export async function decryptPage(payload: EncryptedPayload, password: string): Promise<string> {
  if (payload.format !== PAYLOAD_FORMAT) throw new DashboardDecryptError('format', `Unknown dashboard encryption format "${String(payload.format)}".`);
  if (!Number.isInteger(payload.iterations) || payload.iterations < MIN_PBKDF2_ITERATIONS || payload.iterations > 100_000_000) {
    throw new DashboardDecryptError('tampered', 'The dashboard file has an invalid key-derivation setting; it may have been altered.');
  }
  const salt = Buffer.from(payload.salt, 'base64');
  const iv = Buffer.from(payload.iv, 'base64');
  const body = Buffer.from(payload.ciphertext, 'base64');
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new DashboardDecryptError('tampered', 'The dashboard file is damaged (bad salt, IV or ciphertext length).');
  }
  const { key, check } = await deriveKeyAndCheck(password, salt, payload.iterations);
  const stored = Buffer.from(payload.check, 'base64');
  if (stored.length !== check.length || !timingSafeEqual(stored, check)) {
    throw new DashboardDecryptError('wrong_password', 'Wrong password for this dashboard file.');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(payloadAad(payload));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new DashboardDecryptError('tampered', 'The dashboard file has been altered or damaged (the GCM authentication tag does not match).');
  }
}
