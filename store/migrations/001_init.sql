-- dealcast schema v1. One database holds one team's copy of its CRM; every CRM-sourced
-- table is keyed by (crm, id) where id is the CRM's own id, so rows can arrive in any
-- order (a deal before its owner) and a rerun converges by upsert.
-- Timestamps are ISO-8601 UTC strings ('2026-11-24T08:00:00.000Z'); dates are 'YYYY-MM-DD'.
-- Money is a REAL in the deal's currency. Probabilities are fractions 0..1.
-- Never stored: contact emails or phone numbers, activity subjects or bodies.

CREATE TABLE pipelines (
  crm         TEXT NOT NULL,
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  position    INTEGER NOT NULL DEFAULT 0,
  deleted_at  TEXT,
  PRIMARY KEY (crm, id)
) WITHOUT ROWID;

CREATE TABLE stages (
  crm          TEXT NOT NULL,
  id           TEXT NOT NULL,
  pipeline_id  TEXT NOT NULL,
  name         TEXT NOT NULL,
  position     INTEGER NOT NULL DEFAULT 0,
  probability  REAL,                          -- the CRM's own probability, if it keeps one
  is_closed    INTEGER NOT NULL DEFAULT 0,
  is_won       INTEGER NOT NULL DEFAULT 0,
  first_seen_at TEXT NOT NULL,
  deleted_at   TEXT,
  PRIMARY KEY (crm, id)
) WITHOUT ROWID;

-- CRM stage -> canonical stage. Created automatically at first sight, edited by admins.
CREATE TABLE stage_map (
  crm              TEXT NOT NULL,
  stage_id         TEXT NOT NULL,
  canonical        TEXT NOT NULL,
  win_probability  REAL,                      -- admin override (0..1); NULL = calibrated/CRM
  included         INTEGER NOT NULL DEFAULT 1,
  needs_review     INTEGER NOT NULL DEFAULT 0,
  mapped_by        TEXT NOT NULL DEFAULT 'auto', -- 'auto' or a Slack user id
  updated_at       TEXT NOT NULL,
  PRIMARY KEY (crm, stage_id),
  FOREIGN KEY (crm, stage_id) REFERENCES stages (crm, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE owners (
  crm            TEXT NOT NULL,
  id             TEXT NOT NULL,
  name           TEXT NOT NULL,
  email          TEXT,                        -- the rep's work email (to match Slack users)
  slack_user_id  TEXT,
  active         INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (crm, id)
) WITHOUT ROWID;

CREATE TABLE deals (
  crm               TEXT NOT NULL,
  id                TEXT NOT NULL,
  name              TEXT NOT NULL DEFAULT '',
  amount            REAL,
  currency          TEXT,
  pipeline_id       TEXT,
  stage_id          TEXT,
  owner_id          TEXT,
  source            TEXT,
  created_at        TEXT NOT NULL,
  close_date        TEXT,                     -- expected close date (YYYY-MM-DD)
  closed_at         TEXT,                     -- when it was actually won or lost
  status            TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  stage_entered_at  TEXT,                     -- when it entered its current stage
  crm_modified_at   TEXT,
  deleted_at        TEXT,                     -- vanished from the CRM (kept, never erased)
  PRIMARY KEY (crm, id)
);
CREATE INDEX deals_open ON deals (crm, status, deleted_at, pipeline_id, stage_id);
CREATE INDEX deals_created ON deals (crm, created_at);
CREATE INDEX deals_closed ON deals (crm, closed_at);
CREATE INDEX deals_close_date ON deals (crm, close_date);
CREATE INDEX deals_owner ON deals (crm, owner_id);

CREATE TABLE deal_stage_history (
  crm         TEXT NOT NULL,
  deal_id     TEXT NOT NULL,
  stage_id    TEXT NOT NULL,
  entered_at  TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('crm', 'observed', 'backfill', 'import')),
  PRIMARY KEY (crm, deal_id, stage_id, entered_at)
) WITHOUT ROWID;
CREATE INDEX deal_stage_history_entered ON deal_stage_history (crm, entered_at);

CREATE TABLE activities (
  crm          TEXT NOT NULL,
  id           TEXT NOT NULL,
  type         TEXT NOT NULL CHECK (type IN ('call', 'email', 'meeting', 'task')),
  owner_id     TEXT,
  deal_id      TEXT,
  occurred_at  TEXT NOT NULL,
  deleted_at   TEXT,
  PRIMARY KEY (crm, id)
);
CREATE INDEX activities_owner_time ON activities (crm, owner_id, occurred_at);
CREATE INDEX activities_time ON activities (crm, occurred_at);

-- Open pipeline per day, canonical stage and pipeline; reconstructed = 1 when rebuilt from
-- stage history rather than taken after a sync.
CREATE TABLE pipeline_snapshots (
  crm            TEXT NOT NULL,
  day            TEXT NOT NULL,
  pipeline_id    TEXT NOT NULL,
  canonical      TEXT NOT NULL,
  count          INTEGER NOT NULL,
  value          REAL NOT NULL,
  weighted       REAL NOT NULL,
  reconstructed  INTEGER NOT NULL DEFAULT 0,
  taken_at       TEXT NOT NULL,
  PRIMARY KEY (crm, day, pipeline_id, canonical)
) WITHOUT ROWID;

CREATE TABLE sync_cursors (
  crm         TEXT NOT NULL,
  stream      TEXT NOT NULL,
  cursor      TEXT,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (crm, stream)
) WITHOUT ROWID;

CREATE TABLE sync_runs (
  id           INTEGER PRIMARY KEY,
  crm          TEXT NOT NULL,
  mode         TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  counts       TEXT NOT NULL DEFAULT '{}',    -- JSON: { stream: rows }
  error        TEXT
);
CREATE INDEX sync_runs_crm ON sync_runs (crm, started_at);

-- Ledger of scheduled runs: (job, slot) makes "exactly once per slot" survive restarts.
CREATE TABLE job_runs (
  job          TEXT NOT NULL,
  slot         TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
  late         INTEGER NOT NULL DEFAULT 0,
  detail       TEXT,
  PRIMARY KEY (job, slot)
) WITHOUT ROWID;

CREATE TABLE alert_log (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,             -- pipeline_drop | rep_inactive | stuck_deal
  subject          TEXT NOT NULL,             -- deal id, owner id, or 'pipeline'
  fingerprint      TEXT NOT NULL,             -- what the alert said; unchanged = no repeat
  state            TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
  channel          TEXT,
  root_ts          TEXT,                      -- the root message this subject is threaded under
  reply_ts         TEXT,
  first_alerted_at TEXT NOT NULL,
  last_alerted_at  TEXT NOT NULL,
  resolved_at      TEXT,
  details          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_log_subject ON alert_log (kind, subject, state);

CREATE TABLE settings (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,                  -- JSON
  updated_at  TEXT NOT NULL,
  updated_by  TEXT
) WITHOUT ROWID;

CREATE TABLE settings_audit (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  user_id  TEXT NOT NULL,
  what     TEXT NOT NULL,                     -- e.g. 'stage_map:hubspot:appointmentscheduled'
  old      TEXT,                              -- JSON
  new      TEXT                               -- JSON
);
