-- +goose Up
-- Contract relations (the contract legal basis). ended_at NULL: in force.
CREATE TABLE contracts (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    reference  TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX contracts_person_id ON contracts (person_id, started_at);

-- +goose Down
-- Vern migrates forward only.
