-- +goose Up
-- Audiences (S10): named segments, their rules as JSON ({field, values}
-- lists), never a list of people; members are worked out at each export.
CREATE TABLE audiences (
    name        TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    use_as      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    include     TEXT NOT NULL DEFAULT '[]',
    exclude     TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;

-- One row per export; people counts the members recorded so far.
CREATE TABLE audience_exports (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    audience  TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    recipient TEXT NOT NULL,
    format    TEXT NOT NULL,
    actor     TEXT NOT NULL DEFAULT '',
    people    INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX audience_exports_audience ON audience_exports (audience, at);

-- The members of each export, one row per person: the export's
-- disclosure to each of them (Art. 15(1)(c), Art. 19), which
-- FindDisclosures reads together with the disclosures table. Two
-- integers' worth of key instead of a disclosure row each, so that an
-- export of a million people records them in seconds.
CREATE TABLE audience_export_members (
    person_id  TEXT NOT NULL,
    export_seq INTEGER NOT NULL,
    PRIMARY KEY (person_id, export_seq)
) WITHOUT ROWID;

-- Audience exports and mailings read the decision-relevant part of every
-- ledger in person-id ranges; with every column they need in the index,
-- the read is a sequential index scan instead of a table lookup per
-- event, in random order, for a million people.
CREATE INDEX consent_events_decide ON consent_events (person_id, seq, kind, purpose, policy_version);

-- Mailings: a newsletter, customer update or policy notice. subject and
-- body are JSON objects keyed by language; no personal data.
CREATE TABLE sends (
    id             TEXT PRIMARY KEY,
    list           TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '{}',
    body           TEXT NOT NULL DEFAULT '{}',
    policy_version TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    queued         INTEGER NOT NULL DEFAULT 0,
    skipped        INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    queued_at      TEXT
) WITHOUT ROWID;

-- Who a send's mail was queued for, recorded in the transaction that
-- queues it. The primary key is what keeps a resumed send from mailing
-- anyone twice. person_id is not a foreign key: the record outlives an
-- erasure, and names only an id.
CREATE TABLE send_recipients (
    send_id   TEXT NOT NULL,
    person_id TEXT NOT NULL,
    mail_id   TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (send_id, person_id)
) WITHOUT ROWID;

-- +goose Down
-- Vern migrates forward only.
