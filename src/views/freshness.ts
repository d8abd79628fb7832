/**
 * "Data as of …": when the data behind a report was last synced, in the team's time zone, and
 * how long ago. A report on stale data must say so.
 */

export interface Freshness {
  /** Start of the last successful sync (ISO), or null when none has succeeded. */
  syncedAt: string | null;
  /** The reading time. */
  now: Date;
  /** IANA zone for display (DEALCAST_TIMEZONE). */
  timeZone: string;
  /** Older than this is called out as stale (defaults to 24 h). */
  staleAfterMs?: number;
}

export function describeAgo(fromIso: string, now: Date): string {
  const mins = Math.round((now.getTime() - Date.parse(fromIso)) / 60_000);
  if (mins < 1) return 'just now';
  if (mins < 90) return `${mins} min ago`;
  const hours = Math.round(mins / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function formatInstant(iso: string, timeZone: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  }).format(d);
  return parts;
}

/** One line: "Data as of 24 Nov 2026, 08:00 UTC (12 min ago)", with a warning when stale. */
export function freshnessLine(f: Freshness): string {
  if (!f.syncedAt) return ':warning: No sync has succeeded yet, so there is no data. An admin can run `/dealcast sync`.';
  const age = f.now.getTime() - Date.parse(f.syncedAt);
  const stale = age > (f.staleAfterMs ?? 24 * 3600_000);
  return `${stale ? ':warning: ' : ''}Data as of ${formatInstant(f.syncedAt, f.timeZone)} (${describeAgo(f.syncedAt, f.now)})${stale ? ': the last sync is old, see `/dealcast status`' : ''}`;
}
