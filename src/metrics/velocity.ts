/**
 * Win rate, average won deal size, sales cycle, and sales velocity with its trend.
 * velocity (value per day) = open deals × win rate × average won size ÷ mean sales cycle (days).
 */
import type { VelocityFigures, VelocityPoint } from './report-types.js';
import { medianOfCounts, periodStarts, round } from './periods.js';

/** Closed deals grouped by the day they closed (epoch day) and outcome. */
export interface ClosedByDayRow {
  day: number;
  won: boolean;
  count: number;
  /** Σ amount (missing = 0). */
  value: number;
  /** Σ (closed_at − created_at) in days. */
  cycleDays: number;
}
/** Deals grouped by the day they were created (epoch day); must cover every day from the first period on. */
export interface CreatedByDayRow {
  day: number;
  count: number;
}

export interface ClosedSummary {
  won: number;
  lost: number;
  /** won / (won + lost); null with no closed deals. */
  win_rate: number | null;
  /** Σ won amount / won deals. */
  avg_won: number | null;
  /** Mean days from created to won, over won deals. */
  cycle_days: number | null;
  /** Σ won amount in the window. */
  won_value: number;
}

/** Win rate, average won size and mean cycle over deals closed in [fromDay, toDay). */
export function closedSummary(rows: ClosedByDayRow[], fromDay: number, toDay: number): ClosedSummary {
  let won = 0;
  let lost = 0;
  let wonValue = 0;
  let cycle = 0;
  for (const r of rows) {
    if (r.day < fromDay || r.day >= toDay) continue;
    if (r.won) {
      won += r.count;
      wonValue += r.value;
      cycle += r.cycleDays;
    } else lost += r.count;
  }
  return {
    won,
    lost,
    won_value: round(wonValue),
    win_rate: won + lost ? round(won / (won + lost), 4) : null,
    avg_won: won ? round(wonValue / won) : null,
    cycle_days: won ? round(cycle / won, 1) : null,
  };
}

export function velocityOf(openDeals: number, s: Pick<ClosedSummary, 'win_rate' | 'avg_won' | 'cycle_days'>): number {
  if (s.win_rate === null || s.avg_won === null || !s.cycle_days) return 0;
  return round((openDeals * s.win_rate * s.avg_won) / s.cycle_days);
}

export interface VelocityOptions {
  today: number;
  /** Open deals right now (status open). Past open counts are derived from it. */
  openNow: number;
  granularity: 'week' | 'month';
  /** First period start (epoch day). */
  fromDay: number;
  /** Closed-deal window for each point: the trailing days before the period end (default 90). */
  trailingDays?: number;
  /** Start of the closed-deal window for `current` (default today − trailingDays). */
  currentFromDay?: number;
  /** Won deals in the current window by whole cycle days, for the median cycle. */
  cycleHistogram?: { days: number; count: number }[];
}

export interface VelocityBody {
  granularity: 'week' | 'month';
  points: VelocityPoint[];
  current: VelocityFigures & {
    won_deals: number;
    lost_deals: number;
    cycle_days_median: number | null;
    window_from: string;
    won_value_per_day: number;
  };
}

/**
 * Trend: for each period, figures as of the period's end (today for the current period):
 * open deals = created before the end and not closed before it; win rate, average won size and
 * cycle over deals closed in the trailing window (default 90 days) before the end.
 */
export function salesVelocity(closed: ClosedByDayRow[], created: CreatedByDayRow[], opts: VelocityOptions): VelocityBody {
  const trailing = opts.trailingDays ?? 90;
  const starts = periodStarts(opts.fromDay, opts.today, opts.granularity);
  const points: VelocityPoint[] = starts.map((start, i) => {
    const end = Math.min(starts[i + 1] ?? opts.today + 1, opts.today + 1);
    // Open at `end` = open now − created since `end` + closed since `end`.
    let open = opts.openNow;
    for (const c of created) if (c.day >= end) open -= c.count;
    for (const c of closed) if (c.day >= end) open += c.count;
    const s = closedSummary(closed, end - trailing, end);
    return {
      period: new Date(start * 86_400_000).toISOString().slice(0, 10),
      velocity: velocityOf(open, s),
      open_deals: open,
      win_rate: s.win_rate,
      avg_won: s.avg_won,
      cycle_days: s.cycle_days,
    };
  });
  const from = opts.currentFromDay ?? opts.today + 1 - trailing;
  const s = closedSummary(closed, from, opts.today + 1);
  return {
    granularity: opts.granularity,
    points,
    current: {
      velocity: velocityOf(opts.openNow, s),
      open_deals: opts.openNow,
      win_rate: s.win_rate,
      avg_won: s.avg_won,
      cycle_days: s.cycle_days,
      won_deals: s.won,
      lost_deals: s.lost,
      cycle_days_median: opts.cycleHistogram ? medianOfCounts(opts.cycleHistogram.map((h) => ({ value: h.days, count: h.count }))) : null,
      window_from: new Date(from * 86_400_000).toISOString().slice(0, 10),
      won_value_per_day: round(s.won_value / Math.max(1, opts.today + 1 - from)),
    },
  };
}
