-- The forecast model's inputs (src/metrics/win-hazard.ts) and what was known when.
--
-- deal_facts.path: the deal's canonical path as "code:epochSeconds" visits joined by ';'
-- (codes 0 Lead … 3 Negotiation, 4 Closed Won, 5 Closed Lost; consecutive visits in the same
-- canonical stage merged), so the stage a deal was in on any past day is known without reading
-- deal_stage_history again.
-- deal_facts.deepest_open: the deepest OPEN canonical stage (0..3) the deal was seen in; a won
-- deal that skipped Negotiation is not credited with it. Calibration learns from this column
-- (deal_facts_closed_daily.deepest holds it); the cumulative funnel keeps `deepest`.
ALTER TABLE deal_facts ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE deal_facts ADD COLUMN deepest_open INTEGER NOT NULL DEFAULT 0;

-- One row per open deal per snapshot day (taken weekly by the snapshot job): stage, amount,
-- expected close date and owner as the CRM showed them that day, so close-date slippage and
-- amount changes become measurable from the first snapshot on.
CREATE TABLE deal_snapshots (
  crm          TEXT NOT NULL,
  day          TEXT NOT NULL,                -- local day of the snapshot, YYYY-MM-DD
  deal_id      TEXT NOT NULL,
  pipeline_id  TEXT,
  stage_id     TEXT,
  canonical    INTEGER,                      -- 0 Lead … 3 Negotiation
  amount       REAL,
  currency     TEXT,
  close_date   TEXT,                         -- expected close date that day (YYYY-MM-DD)
  owner_id     TEXT,
  taken_at     TEXT NOT NULL,
  PRIMARY KEY (crm, day, deal_id)
) WITHOUT ROWID;
CREATE INDEX deal_snapshots_deal ON deal_snapshots (crm, deal_id, day);
