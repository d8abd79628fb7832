/**
 * What is stored of an error (sync history, job ledger) and shown by `status`: CRM error bodies
 * can echo contact data or credentials (a phone number in a validation message, an email, the
 * token of another system). Before storing, phones, emails, anything token-shaped and the
 * values of every configured secret are replaced, and the text is cut to a bounded length.
 */

/** Longest error text kept. */
export const MAX_STORED_ERROR = 300;

const secrets = new Set<string>();

/** The configured secrets (tokens, passwords) of every system: never stored, whatever the error says. */
export function redactTheseSecrets(values: readonly (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 6) secrets.add(v);
}

const phone = (m: string): string => {
  const digits = m.replace(/\D/g, '').length;
  // Dates, times and short numbers (HTTP statuses, counts) are not phone numbers.
  if (digits < 7 || /^\d{4}-\d\d-\d\d/.test(m) || /^\d{1,2}:\d\d/.test(m)) return m;
  return '[phone]';
};

const PATTERNS: [RegExp, string | ((m: string) => string)][] = [
  // Emails.
  [/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu, '[email]'],
  // Tokens with a known shape: Slack, HubSpot private apps, Salesforce session ids, JWTs, Bearer values.
  [/\bxox[abprs]-[A-Za-z0-9-]+/g, '[token]'],
  [/\bxapp-[A-Za-z0-9-]+/g, '[token]'],
  [/\bpat-[a-z]{2}\d-[A-Za-z0-9-]+/g, '[token]'],
  [/\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+/g, '[token]'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '[token]'],
  [/\b(Bearer|Basic|token|api[_-]?key|access[_-]?token|secret|password)(["':=\s]+)[^\s"',;&]+/gi, '$1$2[redacted]'],
  // Long opaque strings (hex or base64-ish keys).
  [/\b[A-Za-z0-9_\-+/]{32,}={0,2}/g, '[token]'],
  // Phone numbers: 7+ digits with the usual separators, optional +country code.
  [/(?<![\w.:-])\+?\(?\d[\d\s().-]{5,}\d(?![\w.:-])/g, phone],
];

/** The error text as it may be stored and shown: redacted, one line, at most MAX_STORED_ERROR characters. */
export function redactError(text: string): string {
  let out = text.replace(/[\r\n\t]+/g, ' ');
  for (const s of secrets) out = out.split(s).join('[secret]');
  for (const [re, to] of PATTERNS) out = typeof to === 'string' ? out.replace(re, to) : out.replace(re, to);
  return [...out].length > MAX_STORED_ERROR ? `${[...out].slice(0, MAX_STORED_ERROR - 1).join('')}…` : out;
}
