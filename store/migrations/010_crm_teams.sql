-- Teams as the CRM keeps them (HubSpot and Pipedrive teams, Salesforce roles), replaced after
-- each sync that could read them. source is always 'crm': teams an admin sets in Slack live in
-- the settings table (visibility.teams, audited) and win over a CRM team of the same name
-- (src/access/visibility.ts). A change of the CRM's teams is audited in settings_audit too,
-- as user 'crm:<crm>'.
CREATE TABLE teams (
  crm        TEXT NOT NULL,
  id         TEXT NOT NULL,                -- the CRM's team (or role) id
  name       TEXT NOT NULL,
  source     TEXT NOT NULL DEFAULT 'crm' CHECK (source IN ('crm')),
  synced_at  TEXT NOT NULL,
  PRIMARY KEY (crm, id)
) WITHOUT ROWID;

-- member = 1: the owner is in the team. member = 0: the owner is below the team in the CRM's
-- hierarchy (a Salesforce subordinate role): the team sees their deals, they are not in it.
CREATE TABLE team_members (
  crm        TEXT NOT NULL,
  team_id    TEXT NOT NULL,
  owner_id   TEXT NOT NULL,
  member     INTEGER NOT NULL CHECK (member IN (0, 1)),
  PRIMARY KEY (crm, team_id, owner_id),
  FOREIGN KEY (crm, team_id) REFERENCES teams (crm, id) ON DELETE CASCADE
) WITHOUT ROWID;
