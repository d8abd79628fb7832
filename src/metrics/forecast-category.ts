/**
 * Forecast categories: the rep's own call on each deal, as the CRM keeps it, mapped to the four
 * categories every forecast tool shares (Commit, Best case, Pipeline, Omitted) plus Closed for
 * won and lost deals. The CRM's value is stored raw; this is the one place it is read.
 *
 * Recognised without any setting (case, spaces, '_' and '-' ignored):
 * - Salesforce Opportunity.ForecastCategoryName: Pipeline, Best Case, Commit, Omitted, Closed
 *   (and the API names of OpportunityStage.ForecastCategory: BestCase, Forecast = Commit,
 *   MostLikely = Best case).
 * - HubSpot hs_manual_forecast_category: PIPELINE, BEST_CASE, COMMIT, OMIT ("Not forecasted"),
 *   CLOSED ("Closed won").
 * Pipedrive and Attio keep it in a custom field an admin names (setting forecast.category_field);
 * its values (a Pipedrive option id, an Attio option title…) are mapped by the admin's
 * forecast.category_map first, then by the names above.
 */

export const FORECAST_CATEGORIES = ['commit', 'best_case', 'pipeline', 'omitted', 'closed'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];
/** The categories an admin may map a value to (Closed comes from the deal's won/lost status). */
export const MAPPABLE_CATEGORIES = ['commit', 'best_case', 'pipeline', 'omitted'] as const;
export type MappableCategory = (typeof MAPPABLE_CATEGORIES)[number];

export const CATEGORY_LABELS: Record<ForecastCategory, string> = {
  commit: 'Commit',
  best_case: 'Best case',
  pipeline: 'Pipeline',
  omitted: 'Omitted',
  closed: 'Closed',
};

const norm = (v: string): string => v.normalize('NFKC').toLowerCase().replace(/[\s_-]+/g, '');

/** The CRMs' own spellings, normalised. */
const KNOWN: Record<string, ForecastCategory> = {
  commit: 'commit',
  forecast: 'commit',
  bestcase: 'best_case',
  mostlikely: 'best_case',
  pipeline: 'pipeline',
  omitted: 'omitted',
  omit: 'omitted',
  notforecasted: 'omitted',
  closed: 'closed',
  closedwon: 'closed',
};

/** How a deal's category was found: from a value we know, no value at all, or a value we do not know (counted as Pipeline). */
export type CategorySource = 'mapped' | 'unset' | 'unknown';

export interface CategoryResult {
  category: ForecastCategory;
  source: CategorySource;
}

/** Parses an admin's value→category map, normalising its keys; throws on a category it does not know. */
export function normaliseCategoryMap(map: Readonly<Record<string, string>> | null | undefined): Map<string, MappableCategory> {
  const out = new Map<string, MappableCategory>();
  for (const [value, category] of Object.entries(map ?? {})) {
    const c = KNOWN[norm(category)] ?? (MAPPABLE_CATEGORIES as readonly string[]).find((m) => m === category);
    if (!c || c === 'closed') throw new Error(`"${category}" is not a forecast category (commit, best_case, pipeline or omitted).`);
    out.set(norm(value), c as MappableCategory);
  }
  return out;
}

/**
 * The category of one deal. Won and lost deals are Closed whatever the field says. An open deal
 * the CRM marks Closed (HubSpot's manual "Closed won" on a deal not yet moved) counts as Commit:
 * the rep calls it done. No value, or a value neither the admin's map nor the CRMs' names know,
 * is Pipeline (`source` says which, so a report can count them).
 */
export function categoryOf(raw: string | null | undefined, status: 'open' | 'won' | 'lost', map?: ReadonlyMap<string, MappableCategory>): CategoryResult {
  const value = raw?.trim() ? norm(raw) : null;
  const found = value === null ? undefined : (map?.get(value) ?? KNOWN[value]);
  const source: CategorySource = value === null ? 'unset' : found ? 'mapped' : 'unknown';
  if (status !== 'open') return { category: 'closed', source };
  if (!found) return { category: 'pipeline', source };
  return { category: found === 'closed' ? 'commit' : found, source };
}
