/**
 * The demo CRM's targets for the current fiscal quarter, as a CRM would hold them: one per rep,
 * the team's (their sum) and one for the Enterprise pipeline. Each is set from what the rep is
 * on course for (won so far scaled to the whole quarter, or the average of the last four
 * quarters early in a quarter) times a factor, so the quota report always shows reps ahead,
 * reps behind and one rep far behind. Deterministic for a given data set and `now`.
 */
import type { Db } from '../../store/db.js';
import { ensureDerivedFresh } from '../../store/deal-facts.js';
import { listOwners } from '../../store/owners.js';
import { quotaDeals } from '../../store/quota-queries.js';
import { saveTargets, type SaveResult, type TargetInput } from '../../store/targets.js';
import { resolveSetting } from '../settings/resolve.js';
import { dayStartS, dayToIso, todayIn } from '../time/calendar.js';
import { fiscalPeriodOf } from '../time/fiscal.js';

/** Target ÷ what the rep is on course for, by rep (sorted by id); the first is far behind. */
const FACTORS = [2.6, 0.8, 1.3, 0.9, 1.15, 0.75, 1.4];
const round = (x: number) => Math.max(1000, Math.round(x / 1000) * 1000);

export function seedDemoTargets(db: Db, now: Date, timeZone: string): SaveResult & { label: string } {
  const crm = 'demo';
  const { currency } = ensureDerivedFresh(db, crm);
  const fsm = resolveSetting(db, { DIGEST_CRON: '', DEALCAST_TIMEZONE: timeZone }, 'targets.fiscal_year_start_month').value ?? 1;
  const q = fiscalPeriodOf(todayIn(now, timeZone), 'quarter', fsm);
  const T = Math.floor(now.getTime() / 1000);
  const P0 = dayStartS(q.fromDay, timeZone);
  const P1 = dayStartS(q.toDay, timeZone);
  const elapsed = Math.min(1, Math.max(0, (T - P0) / (P1 - P0)));
  const H0 = dayStartS(fiscalPeriodOf(q.fromDay, 'quarter', fsm, -4).fromDay, timeZone);
  const deals = quotaDeals(db, crm).filter((d) => d.won && d.closed !== null && (d.currency ?? currency) === currency);
  const onCourse = (mine: (d: (typeof deals)[number]) => boolean): number => {
    const sofar = deals.filter((d) => mine(d) && d.closed! >= P0 && d.closed! <= T).reduce((s, d) => s + d.amount, 0);
    const pastAvg = deals.filter((d) => mine(d) && d.closed! >= H0 && d.closed! < P0).reduce((s, d) => s + d.amount, 0) / 4;
    return elapsed >= 0.15 && sofar > 0 ? sofar / elapsed : pastAvg;
  };
  const base = { periodKind: 'quarter' as const, periodStart: q.start, periodEnd: dayToIso(q.toDay), currency };
  const reps: TargetInput[] = listOwners(db, crm)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((o, i) => ({ ...base, scopeKind: 'rep', scopeId: o.id, amount: round(onCourse((d) => d.ownerId === o.id) * FACTORS[i % FACTORS.length]!) }));
  const targets: TargetInput[] = [
    { ...base, scopeKind: 'team', scopeId: '', amount: reps.reduce((s, r) => s + r.amount, 0) },
    { ...base, scopeKind: 'pipeline', scopeId: 'enterprise', amount: round(onCourse((d) => d.pipeline === 'enterprise') * 1.1) },
    ...reps,
  ];
  return { ...saveTargets(db, crm, targets, { source: 'demo', userId: null, now }), label: q.label };
}
