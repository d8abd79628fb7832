-- Deal events (won, big new deal, stage regression, close date pushed, reopened) and
-- subscriptions (scheduled reports per channel or DM).

-- What each deal looked like after the last deal-events run: the next run compares against it,
-- so a re-sync that changes nothing finds nothing. Written in the same transaction as the
-- events it produced.
CREATE TABLE deal_watch (
  crm               TEXT NOT NULL,
  deal_id           TEXT NOT NULL,
  status            TEXT NOT NULL,
  pipeline_id       TEXT,
  stage_id          TEXT,
  stage_position    INTEGER,
  close_date        TEXT,
  closed_at         TEXT,
  amount            REAL,
  currency          TEXT,
  close_date_pushes INTEGER NOT NULL DEFAULT 0,
  seen_at           TEXT NOT NULL,
  PRIMARY KEY (crm, deal_id)
) WITHOUT ROWID;

-- One row per event; event_key is unique per change, so the same change found twice is one row.
CREATE TABLE deal_events (
  id           INTEGER PRIMARY KEY,
  crm          TEXT NOT NULL,
  deal_id      TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('won', 'big_deal', 'regression', 'close_pushed', 'reopened')),
  event_key    TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}',   -- JSON: what the message says (amounts, stages, days)
  owner_id     TEXT,
  detected_at  TEXT NOT NULL,
  UNIQUE (crm, event_key)
);
CREATE INDEX deal_events_time ON deal_events (crm, detected_at);

-- One row per event and destination (the feed channel, an owner's DM). Claimed before posting
-- (state 'posting'), confirmed after: a row is never posted twice.
CREATE TABLE deal_event_posts (
  event_id    INTEGER NOT NULL REFERENCES deal_events (id) ON DELETE CASCADE,
  target      TEXT NOT NULL,                 -- a channel id, or 'user:<Slack user id>' for a DM
  state       TEXT NOT NULL CHECK (state IN ('pending', 'posting', 'posted', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  claimed_at  TEXT,
  posted_at   TEXT,
  channel     TEXT,
  ts          TEXT,
  error       TEXT,
  PRIMARY KEY (event_id, target)
) WITHOUT ROWID;

-- Each deal's thread in each destination: the first event is the root, the rest reply to it.
CREATE TABLE deal_threads (
  crm         TEXT NOT NULL,
  deal_id     TEXT NOT NULL,
  target      TEXT NOT NULL,
  channel     TEXT NOT NULL,
  root_ts     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (crm, deal_id, target)
) WITHOUT ROWID;

-- Scheduled reports: a report with filters, to a channel or the owner's DM, on a schedule in a
-- time zone. Each run claims (job 'subscription:<id>', slot) in job_runs.
CREATE TABLE subscriptions (
  id                INTEGER PRIMARY KEY,
  owner_user_id     TEXT NOT NULL,
  target            TEXT NOT NULL,           -- a channel id, or 'dm' for the owner's DM
  report            TEXT NOT NULL,
  filters           TEXT NOT NULL DEFAULT '', -- filter text as typed: owner:me pipeline:"Enterprise"
  frequency         TEXT NOT NULL CHECK (frequency IN ('daily', 'weekdays', 'weekly', 'monthly')),
  days              TEXT NOT NULL DEFAULT '[]', -- weekly: ISO weekdays 1..7; monthly: days 1..31
  time              TEXT NOT NULL,           -- 'HH:MM'
  time_zone         TEXT NOT NULL,
  skip_dates        TEXT NOT NULL DEFAULT '[]', -- 'YYYY-MM-DD' holidays, in the subscription's zone
  paused            INTEGER NOT NULL DEFAULT 0,
  paused_reason     TEXT,
  failures          INTEGER NOT NULL DEFAULT 0, -- consecutive failed runs
  failure_notified  INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  last_run_at       TEXT,
  is_default        INTEGER NOT NULL DEFAULT 0, -- the team digest
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  deleted_at        TEXT
);
CREATE INDEX subscriptions_target ON subscriptions (target, deleted_at);
CREATE INDEX subscriptions_owner ON subscriptions (owner_user_id, deleted_at);
