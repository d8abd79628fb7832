-- Schema drift: a field the previous sync saw populated that this sync sees blank on every
-- row (a renamed CRM property, a revoked scope) is reported instead of stored silently as blanks.

-- The baseline per (crm, stream, field): the last run that saw the field populated (or, until
-- one has, the last run that read the stream). Drift never overwrites the baseline.
CREATE TABLE sync_field_fill (
  crm          TEXT NOT NULL,
  stream       TEXT NOT NULL,
  field        TEXT NOT NULL,
  run_id       INTEGER NOT NULL,
  rows         INTEGER NOT NULL,
  populated    INTEGER NOT NULL,
  recorded_at  TEXT NOT NULL,
  PRIMARY KEY (crm, stream, field)
) WITHOUT ROWID;

CREATE TABLE schema_drift (
  id                  INTEGER PRIMARY KEY,
  crm                 TEXT NOT NULL,
  stream              TEXT NOT NULL,
  field               TEXT NOT NULL,
  detected_at         TEXT NOT NULL,
  run_id              INTEGER NOT NULL,       -- the run that saw the field blank everywhere
  rows_seen           INTEGER NOT NULL,
  baseline_run_id     INTEGER NOT NULL,       -- the run that last saw it populated
  baseline_rows       INTEGER NOT NULL,
  baseline_populated  INTEGER NOT NULL,
  resolved_at         TEXT                    -- a later run saw the field populated again
);
CREATE UNIQUE INDEX schema_drift_open ON schema_drift (crm, stream, field) WHERE resolved_at IS NULL;
