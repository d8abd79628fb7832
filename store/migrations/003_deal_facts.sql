-- deal_facts: one row per reportable deal (live, in an included stage), derived from deals,
-- deal_stage_history and stage_map by refreshDerived() in store/deal-facts.ts (the per-deal rules
-- live in src/metrics/deal-facts.ts). Reports aggregate this table in SQL.
-- Times are integer epoch seconds (UTC), days are epoch days.
CREATE TABLE deal_facts (
  crm          TEXT NOT NULL,
  deal_id      TEXT NOT NULL,
  pipeline_id  TEXT,
  stage_id     TEXT,
  owner_id     TEXT,
  source       TEXT,
  amount       REAL,
  status       INTEGER NOT NULL,             -- 0 open, 1 won, 2 lost
  canonical    INTEGER NOT NULL,             -- current canonical stage: 0 Lead … 3 Negotiation, 4 Closed Won, 5 Closed Lost
  deepest      INTEGER NOT NULL,             -- deepest canonical stage ever reached: 0 Lead … 4 Closed Won
  created      INTEGER NOT NULL,
  created_day  INTEGER NOT NULL,             -- created / 86400 (indexed so day-grouped sums stream in index order)
  closed       INTEGER,                      -- when won/lost (NULL while open)
  closed_day   INTEGER,
  close_day    INTEGER,                      -- expected close date (epoch day)
  stage_since  INTEGER,                      -- start of the current canonical stage visit (open deals)
  at1          INTEGER,                      -- first reached Qualified or deeper
  at2          INTEGER,                      -- first reached Proposal or deeper
  at3          INTEGER,                      -- first reached Negotiation or deeper
  days0        REAL,                         -- days spent in Lead over completed visits (NULL: none)
  days1        REAL,
  days2        REAL,
  days3        REAL,
  src_sig      TEXT NOT NULL                 -- the deal row it was derived from (store/deal-facts.ts DEAL_SIGNATURE)
);
CREATE UNIQUE INDEX deal_facts_id ON deal_facts (crm, deal_id);
-- Covering indexes for the report queries (store/report-queries.ts names the one it uses).
CREATE INDEX deal_facts_open ON deal_facts (crm, stage_id, canonical, amount, owner_id, pipeline_id, source, created, close_day, stage_since)
  WHERE status = 0;
CREATE INDEX deal_facts_open_close ON deal_facts (crm, close_day, stage_id, canonical, amount, owner_id, pipeline_id, source, created)
  WHERE status = 0;
CREATE INDEX deal_facts_closed ON deal_facts (crm, closed_day, status, deepest, amount, created, closed, pipeline_id, owner_id, source)
  WHERE closed_day IS NOT NULL;
CREATE INDEX deal_facts_cohort ON deal_facts (crm, created_day, source, status, deepest, amount, created, pipeline_id, owner_id, days0, days1, days2, days3);
CREATE INDEX deal_facts_source ON deal_facts (crm, source);
CREATE INDEX deal_facts_close_day ON deal_facts (crm, close_day, created, closed, at1, at2, at3, amount, pipeline_id, owner_id, source);

-- Pipeline as it stood on each Monday (the backtest's dates): deals open that day whose expected
-- close date falls in the next 30 days, by the deepest stage reached by then; and the value won in
-- those 30 days by deals that existed on the Monday. Rebuilt with deal_facts; after a sync, only
-- the changed deals' contributions are taken out and put back (store/deal-facts.ts).
CREATE TABLE deal_facts_weekly (
  crm          TEXT NOT NULL,
  day          INTEGER NOT NULL,             -- the Monday (epoch day)
  pipeline_id  TEXT,
  owner_id     TEXT,
  source       TEXT,
  depth        INTEGER NOT NULL,             -- 0..3 deepest stage by that day; -1 = won in the next 30 days
  value        REAL NOT NULL,
  deals        INTEGER NOT NULL
);
CREATE INDEX deal_facts_weekly_key ON deal_facts_weekly (crm, day, depth, pipeline_id, owner_id, source);

-- Closed deals per pipeline, day closed, deepest stage reached and outcome: what calibration learns
-- from (today's and the backtest's). Rebuilt with deal_facts.
CREATE TABLE deal_facts_closed_daily (
  crm          TEXT NOT NULL,
  pipeline_id  TEXT,
  day          INTEGER NOT NULL,             -- day closed (epoch day)
  deepest      INTEGER NOT NULL,
  status       INTEGER NOT NULL,             -- 1 won, 2 lost
  deals        INTEGER NOT NULL
);
CREATE INDEX deal_facts_closed_daily_key ON deal_facts_closed_daily (crm, day, deepest, status, pipeline_id);

-- Deals left out of deal_facts (current stage excluded), with the row they were judged on, so an
-- unchanged excluded deal is not judged again after every sync.
CREATE TABLE deal_facts_skipped (
  crm      TEXT NOT NULL,
  deal_id  TEXT NOT NULL,
  src_sig  TEXT NOT NULL,
  PRIMARY KEY (crm, deal_id)
) WITHOUT ROWID;

-- Deals whose stage history changed: appended by triggers (duplicates are fine), emptied by
-- refreshDerived. Changes to the deal rows themselves are found by comparing each deal with the
-- row its facts were derived from (src_sig): a trigger on deals would slow every sync's upserts
-- by a third (SQLite takes a slower upsert path on a table with an UPDATE trigger).
CREATE TABLE deal_facts_dirty (
  crm      TEXT NOT NULL,
  deal_id  TEXT NOT NULL
);
CREATE TRIGGER deal_facts_dirty_history_insert AFTER INSERT ON deal_stage_history
WHEN EXISTS (SELECT 1 FROM deal_facts WHERE crm = NEW.crm AND deal_id = NEW.deal_id) BEGIN
  INSERT INTO deal_facts_dirty (crm, deal_id) VALUES (NEW.crm, NEW.deal_id);
END;
CREATE TRIGGER deal_facts_dirty_history_delete AFTER DELETE ON deal_stage_history BEGIN
  INSERT INTO deal_facts_dirty (crm, deal_id) VALUES (OLD.crm, OLD.deal_id);
END;
