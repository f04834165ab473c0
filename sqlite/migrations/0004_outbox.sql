-- +goose Up
-- The outbox: notifications of committed changes, waiting for delivery to
-- the configured webhooks. Services insert a row in the same transaction
-- as the change it announces, so a rolled-back change is never announced.
-- One row per webhook (sink), each retried on its own.
--
-- seq is the enqueue order. Claims go oldest first, and a row is held back
-- while an older row of the same sink and ordering_key (a person id) is
-- undelivered, so one person's changes reach each webhook in order.
--
-- payload holds ids, purpose keys and times only: never an email or name.
-- Times are RFC 3339 text in UTC with fixed-width nanoseconds (formatTime),
-- so text order is time order. delivered_at is NULL until delivered.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    topic           TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    sink            TEXT NOT NULL,
    payload         BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    TEXT
);

-- The claim: undelivered rows by due time. Partial, so delivered rows,
-- the vast majority over time, cost the claim nothing.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- The per-key order check: is there an older undelivered row for this
-- sink and key?
CREATE INDEX outbox_key ON outbox (sink, ordering_key, seq) WHERE delivered_at IS NULL;

-- +goose Down
-- Vern migrates forward only.
