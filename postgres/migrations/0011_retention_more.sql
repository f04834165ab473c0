-- +goose Up
-- Retention sweeps, continued (issue 5). The sweep deletes accounting
-- documents once their legal hold has ended and survey answers
-- (interactions of kind feedback) once their period has passed; both are
-- found by these indexes instead of a scan of the table.
CREATE INDEX documents_hold ON documents (kind, hold_until);
CREATE INDEX interactions_kind ON interactions (kind, created_at);

-- One sweep at a time: the sweep working on a run holds a lease on it,
-- renewed in the transaction of every batch it commits. A second sweep
-- takes the run over only once the lease has lapsed (the process died),
-- and a sweep whose lease was taken cannot commit another batch.
-- lease_until is NULL when the run is released.
ALTER TABLE retention_runs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE retention_runs ADD COLUMN lease_until TIMESTAMPTZ;

-- +goose Down
-- Vern migrates forward only.
