-- internal_state: what dealcast records for itself, apart from the settings admins change:
-- the derived tables' stamps (what deal_facts was last built from) and the demo's data-set
-- parameters. Keeping them out of `settings` leaves that table to the settings registry
-- (src/settings/registry.ts), so every row there is a setting a person chose.
CREATE TABLE internal_state (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,                  -- JSON
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO internal_state (key, value, updated_at)
  SELECT key, value, updated_at FROM settings WHERE key LIKE 'derived:%' OR key = 'demo.dataset';
DELETE FROM settings WHERE key LIKE 'derived:%' OR key = 'demo.dataset';
