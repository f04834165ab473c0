-- +goose Up
-- Cookie choices of anonymous website visitors (S8): one hash chain per
-- visitor id, appended only. The visitor id is random and names a browser,
-- not a person. nonce is the id the banner script gave one choice: UNIQUE,
-- so a replayed post is refused. granted and refused are comma-separated
-- category keys, sorted. Times are TIMESTAMPTZ.
CREATE TABLE visitor_consents (
    id             TEXT PRIMARY KEY,
    visitor_id     TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    nonce          TEXT NOT NULL UNIQUE,
    policy_version TEXT NOT NULL,
    cookie_hash    TEXT NOT NULL,
    granted        TEXT NOT NULL DEFAULT '',
    refused        TEXT NOT NULL DEFAULT '',
    gpc            BOOLEAN NOT NULL DEFAULT FALSE,
    language       TEXT NOT NULL DEFAULT '',
    origin         TEXT NOT NULL DEFAULT '',
    page_url       TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    ip_prefix      TEXT NOT NULL DEFAULT '',
    at             TIMESTAMPTZ NOT NULL,
    prev_hash      BYTEA,
    hash           BYTEA NOT NULL,
    UNIQUE (visitor_id, seq)
);

-- A visitor that identified itself through a form is linked to the
-- person; one person may have several visitors (browsers), a visitor at
-- most one person. The link goes with the person.
CREATE TABLE visitor_links (
    visitor_id TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    source     TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX visitor_links_person ON visitor_links (person_id, at);

-- +goose Down
-- Vern migrates forward only.
