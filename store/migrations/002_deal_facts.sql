-- deal_facts: one row per reportable deal (live, in an included stage), derived from deals,
-- deal_stage_history and stage_map by refreshDerived() in store/deal-facts.ts (the per-deal rules
-- live in src/metrics/deal-facts.ts). Rebuilt after each sync and whenever the stage map changes;
-- reports aggregate this table in SQL. Times are integer epoch seconds (UTC), days are epoch days.
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
  closed       INTEGER,                      -- when won/lost (NULL while open)
  close_day    INTEGER,                      -- expected close date (epoch day)
  stage_since  INTEGER,                      -- start of the current canonical stage visit
  at1          INTEGER,                      -- first reached Qualified or deeper
  at2          INTEGER,                      -- first reached Proposal or deeper
  at3          INTEGER,                      -- first reached Negotiation or deeper
  days0        REAL,                         -- days spent in Lead over completed visits (NULL: none)
  days1        REAL,
  days2        REAL,
  days3        REAL
);
CREATE UNIQUE INDEX deal_facts_id ON deal_facts (crm, deal_id);
CREATE INDEX deal_facts_open ON deal_facts (crm, stage_id, amount) WHERE status = 0;
CREATE INDEX deal_facts_open_close ON deal_facts (crm, close_day, stage_id, amount) WHERE status = 0;
CREATE INDEX deal_facts_closed ON deal_facts (crm, closed, status, deepest, amount, created) WHERE closed IS NOT NULL;
CREATE INDEX deal_facts_created ON deal_facts (crm, created);
CREATE INDEX deal_facts_close_day ON deal_facts (crm, close_day);
CREATE INDEX deal_facts_source ON deal_facts (crm, source);
CREATE INDEX deal_facts_owner ON deal_facts (crm, owner_id);
