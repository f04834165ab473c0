-- +goose Up
-- Sealed checkpoints over every consent chain (see vern.LedgerCheckpoint):
-- they reveal a chain deleted whole or cut short. Chained to each other.
CREATE TABLE ledger_checkpoints (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    chains    BIGINT NOT NULL,
    events    BIGINT NOT NULL,
    root      BYTEA NOT NULL,
    prev_hash BYTEA,
    hash      BYTEA NOT NULL
);

-- +goose Down
-- Vern migrates forward only.
