-- Targets for a named team within the company (issue 16: "per team, per rep and per pipeline").
-- scope_kind 'sales_team' joins 'team' (which stays the whole company, as before), 'rep' and
-- 'pipeline'. Its scope_id names the team by an id that survives a rename:
--   'crm:<id>'   a CRM team (HubSpot team id, Pipedrive team id, Salesforce role id);
--   'slack:<id>' a team set in Slack (visibility.teams), by the id dealcast gives it and keeps
--                across edits of the modal (src/access/visibility.ts, carryTeamIds).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with every row kept.
CREATE TABLE targets_013 (
  crm           TEXT NOT NULL,
  period_kind   TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
  period_start  TEXT NOT NULL,
  period_end    TEXT NOT NULL,
  scope_kind    TEXT NOT NULL CHECK (scope_kind IN ('team', 'sales_team', 'rep', 'pipeline')),
  scope_id      TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL CHECK (source IN ('slack', 'csv', 'hubspot', 'pipedrive', 'salesforce', 'demo')),
  currency      TEXT NOT NULL,
  amount        REAL NOT NULL CHECK (amount >= 0),
  updated_at    TEXT NOT NULL,
  updated_by    TEXT,
  PRIMARY KEY (crm, period_kind, period_start, scope_kind, scope_id, source)
) WITHOUT ROWID;
INSERT INTO targets_013 (crm, period_kind, period_start, period_end, scope_kind, scope_id, source, currency, amount, updated_at, updated_by)
  SELECT crm, period_kind, period_start, period_end, scope_kind, scope_id, source, currency, amount, updated_at, updated_by FROM targets;
DROP TABLE targets;
ALTER TABLE targets_013 RENAME TO targets;
