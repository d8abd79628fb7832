/**
 * The dashboard as a file: rendered page → bytes (encrypted when a password is given) → disk.
 *
 * "Changed" is decided by the page's content fingerprint (page.ts): the SHA-256 of the page
 * rendered with its two timestamps blank. Comparing bytes would not work — generated_at differs on
 * every run, and an encrypted file differs every time (random salt and IV) — and comparing report
 * JSON would miss template changes. For an encrypted file the fingerprint sits inside the
 * ciphertext, so the current file is decrypted in memory with the same password to read it; no
 * fingerprint or other digest of the content is ever stored in the clear.
 *
 * Plaintext never touches the disk: an encrypted page is encrypted in memory and only the final
 * bytes are written (to a temporary file in the same folder, then renamed over the old one, so a
 * reader never sees a half-written file and the last good copy survives a crash).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decryptPage, encryptPage, type EncryptOptions } from './encryption.js';
import { readFingerprint, renderDashboardPage, type DashboardPageInput } from './page.js';
import { readUnlockPayload, renderUnlockPage } from './unlock-page.js';
import { localDay } from '../time/calendar.js';

export interface DashboardFile {
  /** The HTML file's bytes (UTF-8). */
  bytes: Buffer;
  /** A download name, e.g. dealcast-dashboard-2026-11-24.html. */
  filename: string;
  /** Content fingerprint of the page inside (hex SHA-256; see page.ts). */
  fingerprint: string;
  encrypted: boolean;
}

export interface PackOptions {
  /** Encrypt the page under this password (unlock page); plain page when absent. */
  password?: string;
  /** Encryption settings (tests); defaults are the production ones. */
  encryption?: EncryptOptions;
}

/** The file name carries the team's day the page was generated on. */
export function dashboardFilename(generatedAt: string, timeZone: string): string {
  return `dealcast-dashboard-${localDay(new Date(generatedAt), timeZone)}.html`;
}

/** Renders the page and, with a password, wraps it in the encrypted unlock page. In memory only. */
export async function packDashboard(input: DashboardPageInput, opts: PackOptions = {}): Promise<DashboardFile> {
  const { html, fingerprint } = renderDashboardPage(input);
  const out = opts.password === undefined ? html : renderUnlockPage(await encryptPage(html, opts.password, opts.encryption));
  return { bytes: Buffer.from(out, 'utf8'), filename: dashboardFilename(input.generatedAt, input.timeZone), fingerprint, encrypted: opts.password !== undefined };
}

/** Writes `bytes` to `path` through a temporary file in the same folder and a rename. */
export async function writeFileAtomic(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface CurrentDashboard {
  encrypted: boolean;
  /** null: the file exists but its fingerprint could not be read (other password, damaged, not ours). */
  fingerprint: string | null;
}

/** What the file at `path` holds, or null when there is no file. */
export async function readCurrentDashboard(path: string, password?: string): Promise<CurrentDashboard | null> {
  let html: string;
  try {
    html = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const payload = readUnlockPayload(html);
  if (!payload) return { encrypted: false, fingerprint: readFingerprint(html) };
  if (password === undefined) return { encrypted: true, fingerprint: null };
  try {
    return { encrypted: true, fingerprint: readFingerprint(await decryptPage(payload, password)) };
  } catch {
    return { encrypted: true, fingerprint: null };
  }
}

export interface WriteResult {
  written: boolean;
  path: string;
  fingerprint: string;
  /** Why it was (not) written. */
  reason: 'new' | 'changed' | 'unchanged';
}

/**
 * Writes the dashboard to `path` unless the file there already shows the same content (same
 * fingerprint, same encrypted-or-not). A file encrypted under another password counts as changed.
 */
export async function writeDashboardFileIfChanged(path: string, input: DashboardPageInput, opts: PackOptions = {}): Promise<WriteResult> {
  const { fingerprint } = renderDashboardPage(input);
  const encrypted = opts.password !== undefined;
  const current = await readCurrentDashboard(path, opts.password);
  if (current && current.encrypted === encrypted && current.fingerprint === fingerprint) {
    return { written: false, path, fingerprint, reason: 'unchanged' };
  }
  const file = await packDashboard(input, opts);
  await writeFileAtomic(path, file.bytes);
  return { written: true, path, fingerprint: file.fingerprint, reason: current ? 'changed' : 'new' };
}
