/**
 * How the dashboard writes numbers, money, rates and times (en-US, the deals' currency, the
 * team's time zone). Exact figures, not abbreviations: a reader can check them against
 * `dealcast report … --json`.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string): Intl.NumberFormat | null {
  let f = moneyFormats.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 });
    } catch {
      return null;
    }
    moneyFormats.set(currency, f);
  }
  return f;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** $1,234,568 — whole units of the currency; an unknown currency code is written after the number. */
export function formatMoney(value: number | null | undefined, currency: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const f = moneyFormat(currency);
  return f ? f.format(value) : `${integer.format(value)} ${currency}`;
}

/** 1,234 */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return integer.format(n);
}

/** 0.3456 → 34.6% (one decimal); null → — */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** 12.4 → 12 d; null → — */
export function formatDays(days: number | null | undefined): string {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—';
  return `${Math.round(days)} d`;
}

/** 'YYYY-MM' → 'Nov 2026' */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** 'YYYY-MM-DD' → 'Nov 24, 2026' */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '—';
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

/** An instant in the team's time zone: 'Nov 24, 2026, 08:05 CET'. */
export function formatInstant(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-US', {
    timeZone,
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
}

/** A duration in words: '12 min', '5 h', '3 days'. */
export function formatAge(ms: number): string {
  const mins = Math.max(0, Math.round(ms / 60_000));
  if (mins < 1) return 'under a minute';
  if (mins < 90) return `${mins} min`;
  const hours = Math.round(mins / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/** Hours since a rep's last activity, rounded as the Slack rep chart rounds them (15 h, 6 d, 3 w). */
export function formatHoursAgo(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return 'none';
  if (hours < 1) return 'under 1 h ago';
  if (hours < 48) return `${Math.round(hours)} h ago`;
  const days = hours / 24;
  if (days < 14) return `${Math.round(days)} d ago`;
  return `${Math.round(days / 7)} w ago`;
}
