/**
 * The password-protected form of the dashboard: a small page that carries the full dashboard
 * HTML encrypted (encryption.ts), asks for the password, decrypts with WebCrypto in the browser
 * and replaces itself with the dashboard (document.open/write/close). Nothing leaves the browser.
 *
 * CSP: the unlock page's policy lists the hashes of its own script and style AND of the
 * dashboard's, because a document replaced by document.open() keeps the policies it had; the
 * dashboard's own meta policy then applies on top. Both forbid every load.
 */
import { cspMeta } from './csp.js';
import { PAYLOAD_FORMAT, MIN_PBKDF2_ITERATIONS, type EncryptedPayload } from './encryption.js';
import { escapeHtml, jsonForScriptElement } from './html.js';
import { PAGE_INLINE } from './page.js';
import { UNLOCK_STYLE } from './page-style.js';

/** Status messages (the browser tests look for these). */
export const UNLOCK_MESSAGES = {
  wrongPassword: 'Wrong password. Try again.',
  tampered: 'This file has been altered or damaged, so it will not open. Ask for a fresh copy.',
  unsupported: 'This browser cannot decrypt the dashboard (WebCrypto is unavailable). Open the file in a current Chrome, Edge, Firefox or Safari.',
  working: 'Decrypting…',
} as const;

export const UNLOCK_SCRIPT = `(function () {
  'use strict';
  var FORMAT = ${JSON.stringify(PAYLOAD_FORMAT)};
  var MIN_ITERATIONS = ${MIN_PBKDF2_ITERATIONS};
  var MSG = ${JSON.stringify(UNLOCK_MESSAGES)};
  var form = document.getElementById('unlock-form');
  var input = document.getElementById('unlock-password');
  var button = document.getElementById('unlock-button');
  var status = document.getElementById('unlock-status');
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
    status.setAttribute('data-state', isError ? 'error' : 'info');
  }
  function bytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function same(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }
  var payload = null;
  try {
    payload = JSON.parse(document.getElementById('dealcast-payload').textContent);
  } catch (e) {
    payload = null;
  }
  if (!payload || payload.format !== FORMAT || typeof payload.iterations !== 'number' || payload.iterations < MIN_ITERATIONS) {
    form.hidden = true;
    say(MSG.tampered, true);
    status.setAttribute('data-reason', 'tampered');
    return;
  }
  if (!window.crypto || !window.crypto.subtle || typeof TextEncoder === 'undefined') {
    form.hidden = true;
    say(MSG.unsupported, true);
    status.setAttribute('data-reason', 'unsupported');
    return;
  }
  var busy = false;
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    status.removeAttribute('data-reason');
    say(MSG.working, false);
    unlock(input.value).catch(function () { return 'tampered'; }).then(function (outcome) {
      busy = false;
      button.disabled = false;
      if (outcome === 'opened') return;
      say(outcome === 'wrong_password' ? MSG.wrongPassword : MSG.tampered, true);
      status.setAttribute('data-reason', outcome);
      if (outcome === 'wrong_password') { input.select(); input.focus(); }
    });
  });
  async function unlock(password) {
    var subtle = window.crypto.subtle, enc = new TextEncoder();
    var salt, iv, check, body;
    try {
      salt = bytes(payload.salt); iv = bytes(payload.iv); check = bytes(payload.check); body = bytes(payload.ciphertext);
    } catch (e) {
      return 'tampered';
    }
    if (salt.length !== 16 || iv.length !== 12 || check.length !== 32 || body.length < 16) return 'tampered';
    var base = await subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
    // 64 bytes: the AES-256 key, then a check value telling a wrong password from a damaged file.
    var bits = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: payload.iterations }, base, 512));
    if (!same(bits.subarray(32, 64), check)) return 'wrong_password';
    var key = await subtle.importKey('raw', bits.slice(0, 32), { name: 'AES-GCM' }, false, ['decrypt']);
    var aad = enc.encode(payload.format + '|' + payload.iterations + '|' + payload.salt + '|' + payload.check);
    var plain;
    try {
      plain = await subtle.decrypt({ name: 'AES-GCM', iv: iv, additionalData: aad, tagLength: 128 }, key, body);
    } catch (e) {
      return 'tampered';
    }
    var html = new TextDecoder('utf-8', { fatal: true }).decode(plain);
    payload = null;
    document.open();
    document.write(html);
    document.close();
    return 'opened';
  }
})();
`;

/** The locked page. `payload` is encryptPage's output for the full dashboard HTML. */
export function renderUnlockPage(payload: EncryptedPayload): string {
  const csp = cspMeta({ scripts: [UNLOCK_SCRIPT, ...PAGE_INLINE.scripts], styles: [UNLOCK_STYLE, ...PAGE_INLINE.styles] });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    csp,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex, nofollow">',
    '<title>Sales dashboard (locked)</title>',
    `<style>${UNLOCK_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<h1>Sales dashboard</h1>',
    `<p>This dashboard is encrypted. Enter its password to open it. Decryption happens in this browser; nothing is sent anywhere.</p>`,
    '<form id="unlock-form" autocomplete="off">',
    '<label for="unlock-password">Password</label>',
    '<div class="row"><input id="unlock-password" name="password" type="password" autocomplete="current-password" required autofocus><button id="unlock-button" type="submit">Open</button></div>',
    '</form>',
    '<p id="unlock-status" role="status" aria-live="polite"></p>',
    `<noscript><p>${escapeHtml('Opening this dashboard needs JavaScript.')}</p></noscript>`,
    `<p class="fine">AES-256-GCM, key from PBKDF2-SHA256 with ${payload.iterations.toLocaleString('en-US')} iterations: opening takes a second.</p>`,
    '</main>',
    `<script type="application/json" id="dealcast-payload">${jsonForScriptElement(payload)}</script>`,
    `<script>${UNLOCK_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The encrypted payload of a locked page (null when `html` is not one, or is damaged). */
export function readUnlockPayload(html: string): EncryptedPayload | null {
  const m = /<script type="application\/json" id="dealcast-payload">([^<]*)<\/script>/.exec(html);
  if (!m) return null;
  try {
    const p = JSON.parse(m[1] ?? '') as EncryptedPayload;
    return p && typeof p === 'object' && typeof p.ciphertext === 'string' ? p : null;
  } catch {
    return null;
  }
}
