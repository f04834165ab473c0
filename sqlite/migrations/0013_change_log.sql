-- +goose Up
-- The change feed between processes on one file (vern.ChangeFeed). A
-- server keeps caches that every write must be able to invalidate; writes
-- made by another process on the same file (a CLI command such as
-- `vern retention run` or `vern requests complete`) reach the server
-- through this table, which it polls. Each committed group of
-- transactions appends its announcements in commit order; origin names
-- the process that wrote them, so a process skips its own (it has already
-- delivered those in memory). Keys are ids and keyed hashes, never
-- personal data. Old rows are pruned by the writers.
CREATE TABLE change_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    topic  TEXT NOT NULL,
    key    TEXT NOT NULL
);

-- +goose Down
-- Vern migrates forward only.
