/**
 * The rep leaderboard: every rep with a target for the period, from the quota report's rows
 * (attainment.ts), highest attainment first; equal attainment by more won, then by name. Each
 * row keeps its own currency: figures of reps in different currencies are shown side by side
 * and never added. Pure.
 */
import type { QuotaReport } from './report-types.js';

export interface LeaderboardRow {
  rank: number;
  owner_id: string;
  name: string;
  currency: string;
  target: number;
  won: number;
  /** won ÷ target (null for a zero target). */
  attainment: number | null;
  open_pipeline: number;
  /** won ÷ expected by now (null: nothing expected yet). */
  pace: number | null;
  pace_basis: 'historical' | 'linear';
}

export interface Leaderboard {
  period: { kind: QuotaReport['period']['kind']; label: string; start: string; end: string };
  rows: LeaderboardRow[];
}

export function repLeaderboard(report: QuotaReport, opts: { onlyOwnerIds?: ReadonlySet<string> } = {}): Leaderboard {
  const reps = report.rows.filter((r) => r.scope === 'rep' && (!opts.onlyOwnerIds || opts.onlyOwnerIds.has(r.scope_id)));
  const sorted = [...reps].sort((a, b) => (b.attainment ?? -1) - (a.attainment ?? -1) || b.won - a.won || a.name.localeCompare(b.name));
  return {
    period: { kind: report.period.kind, label: report.period.label, start: report.period.start, end: report.period.end },
    rows: sorted.map((r, i) => ({
      rank: i + 1,
      owner_id: r.scope_id,
      name: r.name,
      currency: r.currency,
      target: r.target,
      won: r.won,
      attainment: r.attainment,
      open_pipeline: r.open_pipeline,
      pace: r.pace,
      pace_basis: r.pace_basis,
    })),
  };
}
