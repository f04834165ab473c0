-- +goose Up
-- The change feed between nodes (vern.ChangeFeed) needs no table on
-- PostgreSQL: announcements travel as NOTIFY on commit, to every node that
-- LISTENs. SQLite, which has no such channel between processes, logs them
-- in a table of the same migration name.
SELECT 1;

-- +goose Down
-- Vern migrates forward only.
