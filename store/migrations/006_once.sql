-- Exactly once under overlap and faults.

-- Leases: who may do a thing that must happen once at a time (a sync of one CRM, one job run).
-- A holder renews its lease while it works; a lease past expires_at, or held by a process on
-- this host that no longer exists, may be taken over (store/leases.ts).
CREATE TABLE leases (
  name         TEXT PRIMARY KEY,              -- e.g. 'sync:hubspot', 'job:alerts'
  holder       TEXT NOT NULL,                 -- '<host>:<pid>:<random>', unique per process life
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  acquired_at  TEXT NOT NULL,
  expires_at   TEXT NOT NULL
) WITHOUT ROWID;

-- A job run's claim (claim → post → confirm): the holder of a 'running' slot, until when the
-- claim holds, how many times it was started, and the steps already done (JSON: e.g. the root
-- message's ts), written before the next step so a resumed run continues the same thread.
ALTER TABLE job_runs ADD COLUMN holder TEXT;
ALTER TABLE job_runs ADD COLUMN lease_until TEXT;
ALTER TABLE job_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE job_runs ADD COLUMN progress TEXT NOT NULL DEFAULT '{}';

-- A sync that kept some columns' last good values because the CRM stopped sending the fields
-- (schema drift): JSON list of 'stream.field'. NULL = nothing held back.
ALTER TABLE sync_runs ADD COLUMN degraded TEXT;
-- Which process runs a sync, so another process never marks a live run interrupted.
ALTER TABLE sync_runs ADD COLUMN holder TEXT;

-- One open alert per subject. Older databases may hold duplicates (two overlapping runs):
-- keep the oldest open episode, resolve the others.
UPDATE alert_log SET state = 'resolved', resolved_at = last_alerted_at
WHERE state = 'open' AND id NOT IN (SELECT MIN(id) FROM alert_log WHERE state = 'open' GROUP BY kind, subject);
CREATE UNIQUE INDEX alert_log_open_subject ON alert_log (kind, subject) WHERE state = 'open';
