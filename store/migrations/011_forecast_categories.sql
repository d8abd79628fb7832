-- The CRM's forecast category of each deal, as the CRM spells it (Salesforce ForecastCategoryName
-- "Best Case", HubSpot hs_manual_forecast_category "BEST_CASE", a Pipedrive/Attio custom field's
-- value, a CSV column). It is kept raw: src/metrics/forecast-category.ts maps it to Commit / Best
-- case / Pipeline / Omitted when a report is computed, so a changed value→category mapping in
-- settings applies to the past snapshots too.
ALTER TABLE deals ADD COLUMN forecast_category TEXT;

-- What each open deal's category was on the weekly snapshot day: a rep's past commit calls,
-- compared with what they then won, give their commit bias.
ALTER TABLE deal_snapshots ADD COLUMN forecast_category TEXT;
