-- Sales targets (quotas): an amount in one currency for one period and one scope.
--
-- period_kind/period_start: a month, a fiscal quarter or a fiscal year (src/time/fiscal.ts),
-- named by its first day; period_end is its one-past-last day, kept so a change of fiscal
-- start month never silently re-labels a stored target.
-- scope_kind: 'team' (scope_id ''), 'rep' (scope_id = the CRM's owner id) or 'pipeline'
-- (scope_id = the CRM's pipeline id).
-- source: who set it. One row per source, so a CRM sync never overwrites what an admin typed:
-- the target in effect is the Slack one, else the CSV one, else the CRM's (store/targets.ts).
-- Changes made by people (Slack, CSV) are audited in settings_audit like other settings.
CREATE TABLE targets (
  crm           TEXT NOT NULL,
  period_kind   TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
  period_start  TEXT NOT NULL,                -- YYYY-MM-DD
  period_end    TEXT NOT NULL,                -- YYYY-MM-DD, exclusive
  scope_kind    TEXT NOT NULL CHECK (scope_kind IN ('team', 'rep', 'pipeline')),
  scope_id      TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL CHECK (source IN ('slack', 'csv', 'hubspot', 'pipedrive', 'salesforce', 'demo')),
  currency      TEXT NOT NULL,                -- ISO 4217
  amount        REAL NOT NULL CHECK (amount >= 0),
  updated_at    TEXT NOT NULL,
  updated_by    TEXT,
  PRIMARY KEY (crm, period_kind, period_start, scope_kind, scope_id, source)
) WITHOUT ROWID;
