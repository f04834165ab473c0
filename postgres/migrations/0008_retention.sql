-- +goose Up
-- Retention sweeps (issue 5). A run keeps the time its cut-offs count
-- from, how far it got (cursor: the last person id of a committed batch)
-- and its report so far, both updated in the same transaction as each
-- batch of erasures, so an interrupted sweep resumes without erasing
-- anyone twice. unfinished is true while the run goes on and NULL after:
-- UNIQUE allows one unfinished run at a time.
CREATE TABLE retention_runs (
    id          TEXT PRIMARY KEY,
    as_of       TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    cursor      TEXT NOT NULL DEFAULT '',
    report      BYTEA,
    finished_at TIMESTAMPTZ,
    unfinished  BOOLEAN UNIQUE
);

-- Anonymised statistics folded from people before their data is deleted
-- (S6, S9): counts per metric, month (YYYY-MM), purpose, source channel
-- and organisation size band. No id, no person: a cell names no one, and
-- small cells are suppressed when shown.
CREATE TABLE stats (
    metric   TEXT NOT NULL,
    month    TEXT NOT NULL DEFAULT '',
    purpose  TEXT NOT NULL DEFAULT '',
    channel  TEXT NOT NULL DEFAULT '',
    org_band TEXT NOT NULL DEFAULT '',
    count    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (metric, month, purpose, channel, org_band)
);

-- +goose Down
-- Vern migrates forward only.
