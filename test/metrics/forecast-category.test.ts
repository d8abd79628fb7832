/** Each CRM's forecast category values, mapped to Commit / Best case / Pipeline / Omitted / Closed. */
import { describe, expect, it } from 'vitest';
import { categoryOf, normaliseCategoryMap } from '../../src/metrics/forecast-category.js';

describe('categoryOf', () => {
  it("maps Salesforce ForecastCategoryName values (and OpportunityStage's API names)", () => {
    expect(categoryOf('Pipeline', 'open')).toEqual({ category: 'pipeline', source: 'mapped' });
    expect(categoryOf('Best Case', 'open')).toEqual({ category: 'best_case', source: 'mapped' });
    expect(categoryOf('Commit', 'open')).toEqual({ category: 'commit', source: 'mapped' });
    expect(categoryOf('Omitted', 'open')).toEqual({ category: 'omitted', source: 'mapped' });
    expect(categoryOf('BestCase', 'open').category).toBe('best_case');
    expect(categoryOf('Forecast', 'open').category).toBe('commit');
    expect(categoryOf('Most Likely', 'open').category).toBe('best_case');
    // A closed deal is Closed whatever its category says; Closed on an open deal is the rep's Commit.
    expect(categoryOf('Closed', 'won')).toEqual({ category: 'closed', source: 'mapped' });
    expect(categoryOf('Omitted', 'lost').category).toBe('closed');
    expect(categoryOf('Closed', 'open').category).toBe('commit');
  });

  it('maps HubSpot hs_manual_forecast_category values', () => {
    expect(categoryOf('OMIT', 'open').category).toBe('omitted');
    expect(categoryOf('PIPELINE', 'open').category).toBe('pipeline');
    expect(categoryOf('BEST_CASE', 'open').category).toBe('best_case');
    expect(categoryOf('COMMIT', 'open').category).toBe('commit');
    expect(categoryOf('CLOSED', 'open').category).toBe('commit');
    expect(categoryOf('CLOSED', 'won').category).toBe('closed');
  });

  it("maps a Pipedrive option id and an Attio option title through the admin's map first", () => {
    const map = normaliseCategoryMap({ '41': 'commit', '42': 'best_case', '44': 'omitted', 'Upside': 'best_case', 'Pipeline': 'omitted' });
    expect(categoryOf('41', 'open', map)).toEqual({ category: 'commit', source: 'mapped' });
    expect(categoryOf('42', 'open', map).category).toBe('best_case');
    expect(categoryOf('44', 'open', map).category).toBe('omitted');
    // Keys compare case-, space- and underscore-blind, like the CRMs' names.
    expect(categoryOf(' upside ', 'open', map).category).toBe('best_case');
    // The map wins over the built-in names.
    expect(categoryOf('Pipeline', 'open', map).category).toBe('omitted');
    // A value nobody knows counts as Pipeline and says so.
    expect(categoryOf('43', 'open', map)).toEqual({ category: 'pipeline', source: 'unknown' });
    expect(categoryOf('確度高', 'open')).toEqual({ category: 'pipeline', source: 'unknown' });
  });

  it('counts no value at all as Pipeline, apart from unknown values', () => {
    expect(categoryOf(null, 'open')).toEqual({ category: 'pipeline', source: 'unset' });
    expect(categoryOf('   ', 'open')).toEqual({ category: 'pipeline', source: 'unset' });
    expect(categoryOf(undefined, 'won')).toEqual({ category: 'closed', source: 'unset' });
  });

  it('refuses a map to a category that does not exist, or to Closed', () => {
    expect(() => normaliseCategoryMap({ '41': 'maybe' })).toThrow(/not a forecast category/);
    expect(() => normaliseCategoryMap({ '41': 'closed' })).toThrow(/not a forecast category/);
    expect(normaliseCategoryMap(null).size).toBe(0);
  });
});
