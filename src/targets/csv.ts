/**
 * Targets typed into a small CSV by an admin, checked line by line against the fiscal calendar
 * and the CRM's owners and pipelines. Pure: text and lists in, targets or one message per bad
 * line out. Nothing is imported unless every line is good.
 *
 *   period,start,scope,name,currency,amount
 *   quarter,2026-11-01,company,,USD,1200000
 *   quarter,2026-11-01,team,EMEA,EUR,400000
 *   quarter,2026-11-01,rep,Maria López,USD,300000
 *   month,2026-12-01,pipeline,Enterprise,EUR,"500,000"
 *
 * `company` (or `team` with no name, as files written before team targets say) is the whole
 * company; `team` with a name is one named team, looked up by its name or its scope id
 * ('crm:42', 'slack:t3') and stored by that id, so renaming the team later keeps its target.
 */
import { parse } from 'csv-parse/sync';
import { FISCAL_PERIOD_KINDS, fiscalPeriodStarting, type FiscalPeriodKind } from '../time/fiscal.js';
import { dayToIso } from '../time/calendar.js';
import type { TargetInput, TargetScopeKind } from '../../store/targets.js';

export const TARGET_CSV_COLUMNS = ['period', 'start', 'scope', 'name', 'currency', 'amount'] as const;
const SCOPES = ['company', 'team', 'rep', 'pipeline'] as const;

export interface NamedThing {
  id: string;
  name: string;
  email?: string | null;
}

export interface TargetCsvContext {
  fiscalStartMonth: number;
  owners: NamedThing[];
  pipelines: NamedThing[];
  /** Teams a target may be for (src/targets/team-scopes.ts): id = the scope id, 'crm:<id>' or 'slack:<id>'. */
  teams: NamedThing[];
}

export interface TargetCsvProblem {
  /** 1-based line of the file (the header is line 1). */
  line: number;
  message: string;
}

export type TargetCsvResult = { ok: true; targets: TargetInput[] } | { ok: false; problems: TargetCsvProblem[] };

/** '1200000', '1,200,000', '1 200 000', '1_200_000.50' -> a number; anything else (negative, '1.200.000,00', '12k') -> null. */
export function parseTargetAmount(text: string): number | null {
  const t = text.trim().replace(/[\s_\u00a0\u202f]/g, '');
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(t)) return null;
  const n = Number(t.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

const listSome = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')}, …` : xs.join(', ')) || '(none synced yet)';

function findOne(things: NamedThing[], text: string, what: string): { ok: true; id: string } | { ok: false; message: string } {
  const want = text.trim().normalize('NFC').toLowerCase();
  const byId = things.filter((t) => t.id.toLowerCase() === want);
  const hit = byId.length ? byId : things.filter((t) => t.name.normalize('NFC').toLowerCase() === want || (t.email ?? '').toLowerCase() === want);
  if (hit.length === 1) return { ok: true, id: hit[0]!.id };
  if (hit.length > 1) return { ok: false, message: `${hit.length} ${what}s are called "${text}"; give the id instead (${hit.map((h) => h.id).join(', ')}).` };
  return { ok: false, message: `no ${what} matches "${text}" (${what}s: ${listSome(things.map((t) => t.name))}).` };
}

export function parseTargetsCsv(text: string, ctx: TargetCsvContext): TargetCsvResult {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    return { ok: false, problems: [{ line: e.lines ?? 1, message: `not a readable CSV file: ${e.message}` }] };
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = TARGET_CSV_COLUMNS.filter((c) => c !== 'name' && !header.includes(c));
  if (records.length === 0) return { ok: false, problems: [{ line: 1, message: `no targets: the file needs a header (${TARGET_CSV_COLUMNS.join(',')}) and one line per target.` }] };
  if (missing.length) return { ok: false, problems: [{ line: 1, message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header is ${TARGET_CSV_COLUMNS.join(',')}).` }] };

  const problems: TargetCsvProblem[] = [];
  const targets: TargetInput[] = [];
  const seen = new Map<string, number>();
  for (const { record: r, info } of records) {
    const line = info.lines;
    const bad = (message: string) => problems.push({ line, message });
    const kind = (r.period ?? '').toLowerCase() as FiscalPeriodKind;
    if (!FISCAL_PERIOD_KINDS.includes(kind)) {
      bad(`period must be month, quarter or year (got "${r.period ?? ''}").`);
      continue;
    }
    const period = fiscalPeriodStarting(r.start ?? '', kind, ctx.fiscalStartMonth);
    if (!period.ok) {
      bad(`start: ${period.message}`);
      continue;
    }
    const written = (r.scope ?? '').toLowerCase() as (typeof SCOPES)[number];
    if (!SCOPES.includes(written)) {
      bad(`scope must be company, team, rep or pipeline (got "${r.scope ?? ''}").`);
      continue;
    }
    const name = r.name ?? '';
    let scope: TargetScopeKind;
    let scopeId = '';
    if (written === 'company' || (written === 'team' && !name)) {
      if (name) {
        bad(`a company target has no name (got "${name}"); use scope team, rep or pipeline for one team, person or pipeline.`);
        continue;
      }
      scope = 'team';
    } else {
      if (!name) {
        bad(`a ${written} target names the ${written === 'rep' ? 'deal owner (name, email or CRM id)' : 'pipeline (name or CRM id)'}.`);
        continue;
      }
      const [things, what] = written === 'rep' ? [ctx.owners, 'deal owner'] : written === 'team' ? [ctx.teams, 'team'] : [ctx.pipelines, 'pipeline'];
      const found = findOne(things, name, what);
      if (!found.ok) {
        bad(found.message);
        continue;
      }
      scope = written === 'team' ? 'sales_team' : written;
      scopeId = found.id;
    }
    const currency = (r.currency ?? '').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      bad(`currency must be a three-letter code such as USD or EUR (got "${r.currency ?? ''}").`);
      continue;
    }
    const amount = parseTargetAmount(r.amount ?? '');
    if (amount === null) {
      bad(`amount must be a number zero or above, digits with an optional decimal point (got "${r.amount ?? ''}").`);
      continue;
    }
    const key = `${kind}|${period.period.start}|${scope}|${scopeId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      bad(`the same target as line ${first} (${kind} from ${period.period.start}, ${written}${name ? ` ${name}` : ''}); keep one.`);
      continue;
    }
    seen.set(key, line);
    targets.push({ periodKind: kind, periodStart: period.period.start, periodEnd: dayToIso(period.period.toDay), scopeKind: scope, scopeId, currency, amount });
  }
  return problems.length ? { ok: false, problems } : { ok: true, targets };
}
