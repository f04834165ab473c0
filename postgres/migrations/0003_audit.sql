-- +goose Up
-- The access trail: who read or changed which of a person's data, when and
-- through which operation. One hash-chained list of records per person, so
-- writers for different people (and different nodes) never contend on one
-- chain. Rows are only ever inserted; no normal operation updates or
-- deletes one.
--
-- person_id is deliberately NOT a foreign key to people: the trail must
-- outlive an erased person (it shows who accessed the data before the
-- erasure, and the erasure itself), and it holds no personal data beyond
-- the id, only field names.
--
-- UNIQUE (person_id, seq) keeps a chain linear: two nodes that both read
-- seq N as the last record and append N+1 conflict (ECONFLICT), and the
-- loser retries on top of the winner. Its index also serves reading one
-- trail in order, finding a person's last record, and the keyset walk over
-- all chains in (person_id, seq) order, so no other index is needed.
--
-- fields is a JSON array of field names, such as ["email","last_name"],
-- kept as TEXT (not JSONB) so it reads back byte for byte as written.
-- at is TIMESTAMPTZ, which keeps microseconds only: records are sealed with
-- times truncated to microseconds so that they hash back. prev_hash is NULL
-- for seq 1.
CREATE TABLE access_records (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL DEFAULT '',
    operation  TEXT NOT NULL DEFAULT '',
    fields     TEXT NOT NULL DEFAULT '[]',
    request_id TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL,
    prev_hash  BYTEA,
    hash       BYTEA NOT NULL,
    UNIQUE (person_id, seq)
);

-- +goose Down
-- Vern migrates forward only.
