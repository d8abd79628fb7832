-- Money in more than one currency. Every deal keeps its own amount and currency; reports convert
-- them into one reporting currency with the rates the CRM keeps (or a rates file for CSV).

-- The amount in the CRM's company currency, as the CRM itself converted it (HubSpot's
-- amount_in_home_currency); NULL where the CRM does not say.
ALTER TABLE deals ADD COLUMN amount_home REAL;

-- The CRM's company (corporate) currency: what its rates are relative to.
CREATE TABLE crm_currency (
  crm         TEXT PRIMARY KEY,
  base        TEXT,                           -- ISO 4217 code; NULL when the CRM does not say
  source      TEXT NOT NULL,                  -- where the rates came from, e.g. 'Salesforce CurrencyType'
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;

-- Exchange rates relative to the base currency. An undated rate (start_date '') is the current
-- one; dated rates apply to days [start_date, end_date).
CREATE TABLE currency_rates (
  crm         TEXT NOT NULL,
  currency    TEXT NOT NULL,
  start_date  TEXT NOT NULL DEFAULT '',
  end_date    TEXT,
  per_base    REAL NOT NULL,                  -- units of this currency worth one unit of the base currency
  PRIMARY KEY (crm, currency, start_date)
) WITHOUT ROWID;

-- deal_facts.amount is in the reporting currency (NULL when no rate converts it); the deal's own
-- amount and currency are kept beside it.
ALTER TABLE deal_facts ADD COLUMN amount_original REAL;
ALTER TABLE deal_facts ADD COLUMN currency_original TEXT;

-- A deal whose created date is not known (a CSV row with no date at all) keeps a placeholder
-- created_at and created_known = 0: reports by creation cohort leave it out and count it.
ALTER TABLE deals ADD COLUMN created_known INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deal_facts ADD COLUMN created_known INTEGER NOT NULL DEFAULT 1;
DROP INDEX deal_facts_cohort;
CREATE INDEX deal_facts_cohort ON deal_facts (crm, created_day, source, status, deepest, amount, created, pipeline_id, owner_id, days0, days1, days2, days3, created_known);
