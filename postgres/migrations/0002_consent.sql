-- +goose Up
-- The consent and objection ledger: one hash-chained list of events per
-- person, the evidence GDPR Art. 7(1) asks for. Rows are only ever
-- inserted; no normal operation updates or deletes one.
--
-- person_id has no ON DELETE CASCADE: evidence is never removed by normal
-- operation, so deleting a person with a ledger fails rather than silently
-- taking the evidence with it.
--
-- UNIQUE (person_id, seq) is what keeps a chain linear: two writers that
-- both read seq N as the last event and append N+1 conflict (ECONFLICT),
-- and the loser retries on top of the winner, instead of forking the chain.
-- Its index also serves reading a chain in order and walking all chains.
--
-- at is TIMESTAMPTZ, which keeps microseconds only: an event whose time
-- has nanoseconds would not hash back to its stored hash, so event times
-- must be at most microsecond-precise when sealed. prev_hash is NULL for
-- seq 1.
CREATE TABLE consent_events (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people (id),
    seq            BIGINT NOT NULL,
    kind           TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL DEFAULT '',
    policy_version TEXT NOT NULL DEFAULT '',
    notice_hash    TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL DEFAULT '',
    page_url       TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    ip_prefix      TEXT NOT NULL DEFAULT '',
    at             TIMESTAMPTZ NOT NULL,
    prev_hash      BYTEA,
    hash           BYTEA NOT NULL,
    UNIQUE (person_id, seq)
);

-- +goose Down
-- Vern migrates forward only.
