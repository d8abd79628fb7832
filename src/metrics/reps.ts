/** Rep scoreboard: activity in the period, open pipeline now, won value in the period. */
import type { ActivityType } from '../model/rows.js';
import type { RepRow } from './report-types.js';
import { round } from './periods.js';

export interface RepInputs {
  owners: { id: string; name: string; active: boolean }[];
  /** Activities in [since, until) by owner and type. */
  activities: { ownerId: string; type: ActivityType; count: number }[];
  /** Each owner's latest activity ever (ISO instant). */
  lastActivity: { ownerId: string; at: string }[];
  /** Open deals now, by owner. */
  open: { ownerId: string; count: number; value: number }[];
  /** Value won in [since, until), by owner. */
  won: { ownerId: string; value: number }[];
}

/**
 * One row per owner who is active or has anything in the report (activities, open deals, won
 * value). hours_since_activity = (now − latest activity) in hours. Sorted by won value, then open
 * value, then name.
 */
export function repScoreboard(input: RepInputs, opts: { now: Date; onlyOwnerIds?: Set<string> }): RepRow[] {
  const rows = new Map<string, RepRow & { active: boolean }>();
  const row = (id: string): RepRow & { active: boolean } => {
    let r = rows.get(id);
    if (!r) {
      const o = input.owners.find((x) => x.id === id);
      rows.set(
        id,
        (r = {
          owner: o?.name ?? id,
          owner_id: id,
          calls: 0,
          emails: 0,
          meetings: 0,
          tasks: 0,
          open_deals: 0,
          open_value: 0,
          won_value: 0,
          last_activity_at: null,
          hours_since_activity: null,
          active: o?.active ?? false,
        }),
      );
    }
    return r;
  };
  for (const o of input.owners) if (o.active) row(o.id);
  const plural = { call: 'calls', email: 'emails', meeting: 'meetings', task: 'tasks' } as const;
  for (const a of input.activities) row(a.ownerId)[plural[a.type]] += a.count;
  for (const o of input.open) {
    const r = row(o.ownerId);
    r.open_deals += o.count;
    r.open_value += o.value;
  }
  for (const w of input.won) row(w.ownerId).won_value += w.value;
  for (const l of input.lastActivity) {
    const r = row(l.ownerId);
    r.last_activity_at = l.at;
    r.hours_since_activity = round(Math.max(0, opts.now.getTime() - Date.parse(l.at)) / 3_600_000, 1);
  }
  return [...rows.values()]
    .filter((r) => !opts.onlyOwnerIds || opts.onlyOwnerIds.has(r.owner_id))
    .map(({ active: _active, ...r }) => ({ ...r, open_value: round(r.open_value), won_value: round(r.won_value) }))
    .sort((a, b) => b.won_value - a.won_value || b.open_value - a.open_value || a.owner.localeCompare(b.owner));
}
