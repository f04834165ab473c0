-- +goose Up
-- Organisations are company data, stored in the clear. match_key is the
-- normalised organisation number, or the normalised name when there is none.
CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    match_key  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    org_number TEXT NOT NULL DEFAULT '',
    country    TEXT NOT NULL DEFAULT '',
    website    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- People: every personal field is inside "sealed", encrypted with the
-- person's own data key; "wrapped_key" is that key encrypted by the master
-- key. email_index is a keyed hash, so lookups never need the plaintext.
CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    email_index     BLOB UNIQUE,
    wrapped_key     BLOB NOT NULL,
    sealed          BLOB NOT NULL,
    language        TEXT NOT NULL DEFAULT '',
    organization_id TEXT REFERENCES organizations (id),
    source_channel  TEXT NOT NULL,
    source_ref      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX people_organization_id ON people (organization_id);

CREATE TABLE interactions (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    sealed_text BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX interactions_person_id ON interactions (person_id, created_at);

CREATE TABLE policy_versions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    version      TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    published_at TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    source       BLOB NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Installation-wide settings every node must agree on, such as the
-- fingerprint of the master key (a node with another key must not start).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
-- Vern migrates forward only.
