-- +goose Up
-- Sealed checkpoints over every consent chain (see vern.LedgerCheckpoint):
-- they reveal a chain deleted whole or cut short. Chained to each other.
CREATE TABLE ledger_checkpoints (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    chains    INTEGER NOT NULL,
    events    INTEGER NOT NULL,
    root      BLOB NOT NULL,
    prev_hash BLOB,
    hash      BLOB NOT NULL
);

-- +goose Down
-- Vern migrates forward only.
