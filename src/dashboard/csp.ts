/**
 * The Content-Security-Policy both dashboard pages carry in a <meta> tag. Nothing may be loaded:
 * no network, no fonts, no images, no frames, no form posts. The page's own inline <style> and
 * <script> elements run because their SHA-256 hashes are listed (no 'unsafe-inline'), so an
 * injected script — say, a deal name crafted as HTML — could not run even if escaping failed.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from './html.js';

/** A CSP hash source for the exact text content of an inline <script> or <style>. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export interface CspSources {
  scripts: string[];
  styles: string[];
}

/** The policy text. `script-src`/`style-src` list only hashes; everything else is 'none'. */
export function contentSecurityPolicy(inline: CspSources): string {
  const list = (texts: string[]) => (texts.length ? [...new Set(texts.map(cspHash))].join(' ') : "'none'");
  return [
    "default-src 'none'",
    `script-src ${list(inline.scripts)}`,
    `style-src ${list(inline.styles)}`,
    // Inline SVG charts are part of the document, not loaded, so img-src stays 'none'.
    "img-src 'none'",
    "font-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The <meta> element carrying the policy. */
export function cspMeta(inline: CspSources): string {
  return `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(inline))}">`;
}
