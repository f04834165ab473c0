-- +goose Up
-- The change feed between processes on one file (vern.ChangeFeed). A
-- server keeps caches that every write must be able to invalidate; writes
-- made by another process on the same file (a CLI command such as
-- `vern retention run` or `vern requests complete`) reach the server
-- through this table, which it polls. Each committed group of
-- transactions appends its announcements in commit order; origin names
-- the process that wrote them, so a process skips its own (it has already
-- delivered those in memory). Keys are ids and keyed hashes, never
-- personal data in the clear; still, a row links an erased person's id to
-- the index their email had, so rows live only as long as a poller needs
-- them: a minute (at, in Unix seconds), pruned by the polling server and by
-- every process as it closes the file.
CREATE TABLE change_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    topic  TEXT NOT NULL,
    key    TEXT NOT NULL,
    at     INTEGER NOT NULL DEFAULT (unixepoch())
);

-- +goose Down
-- Vern migrates forward only.
