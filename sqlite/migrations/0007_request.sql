-- +goose Up
-- Data-subject requests (GDPR Art. 15-21). The personal part (the email,
-- the person's own words, the answer) is inside "sealed", encrypted with
-- the request's own data key; "wrapped_key" is that key encrypted by the
-- master key. email_index is the keyed hash of the normalised email, the
-- same as a person's, so requests from one address can be counted without
-- the plaintext.
--
-- person_id is deliberately NOT a foreign key to people: a request, and
-- the proof that it was answered, outlives the erasure it asked for. It is
-- NULL until the person is known.
--
-- Times are RFC 3339 text in UTC with fixed-width nanoseconds (formatTime),
-- so text order is time order; NULL where not yet set. Days (first_due_on,
-- due_on, reminded_on) are YYYY-MM-DD text, '' when unset. code_hash is
-- NULL once the verification code was used.
CREATE TABLE requests (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    person_id       TEXT,
    email_index     BLOB,
    wrapped_key     BLOB,
    sealed          BLOB,
    language        TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT '',
    code_hash       BLOB,
    code_expires_at TEXT,
    code_attempts   INTEGER NOT NULL DEFAULT 0,
    verification    TEXT NOT NULL DEFAULT '',
    verified_at     TEXT,
    received_at     TEXT NOT NULL,
    first_due_on    TEXT NOT NULL DEFAULT '',
    due_on          TEXT NOT NULL DEFAULT '',
    extended_at     TEXT,
    closed_at       TEXT,
    reminded_on     TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- The listing and its keyset continuation, overdue first.
CREATE INDEX requests_due ON requests (due_on, id);
-- The rate limit: requests from one address since a time.
CREATE INDEX requests_email ON requests (email_index, received_at);
CREATE INDEX requests_person ON requests (person_id);

-- A request's history: status changes and steps done. note never holds
-- personal data. seq is the append order, which breaks ties between
-- events of the same instant.
CREATE TABLE request_events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    request_id  TEXT NOT NULL REFERENCES requests (id),
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX request_events_request_id ON request_events (request_id, at);

-- The steps of fulfilment already done, one row each. The primary key is
-- what keeps a resumed request from doing a step twice: the step is marked
-- in the same transaction as its effect, and a second mark conflicts.
CREATE TABLE request_steps (
    request_id TEXT NOT NULL REFERENCES requests (id),
    step       TEXT NOT NULL,
    at         TEXT NOT NULL,
    result     BLOB,
    PRIMARY KEY (request_id, step)
) WITHOUT ROWID;

-- The mail outbox: emails about requests, inserted in the same transaction
-- as the change they announce, so a rolled-back change is never announced.
-- The message (address and values) is sealed with its own data key, and
-- both are set to NULL once sent. seq is the enqueue order. request_id is
-- '' for mail about no request.
CREATE TABLE mail_outbox (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    request_id      TEXT NOT NULL DEFAULT '',
    template        TEXT NOT NULL,
    wrapped_key     BLOB,
    sealed          BLOB,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TEXT
);
-- The claim: unsent rows by due time. Partial, so sent rows, the vast
-- majority over time, cost the claim nothing.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_request_id ON mail_outbox (request_id, created_at) WHERE request_id <> '';

-- The suppression list: keyed hashes of emails that must never get
-- marketing again (Art. 21(3)). No email, no person id: it survives the
-- person's erasure and reveals no one.
CREATE TABLE suppressions (
    hash   BLOB PRIMARY KEY,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
) WITHOUT ROWID;

-- The disclosure log: who got what about whom, when and why (Art. 15(1)(c),
-- Art. 19). person_id is not a foreign key, like the access trail: the log
-- is a record of what happened. categories is a JSON array of names.
CREATE TABLE disclosures (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    person_id  TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    categories TEXT NOT NULL DEFAULT '[]',
    purpose    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);
CREATE INDEX disclosures_person_id ON disclosures (person_id, at);

-- Accounting documents that name a person, kept until hold_until
-- (bokføringsloven § 13) whatever an erasure request asks. Days are
-- YYYY-MM-DD text.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    kind       TEXT NOT NULL,
    reference  TEXT NOT NULL DEFAULT '',
    dated_on   TEXT NOT NULL,
    hold_until TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_person_id ON documents (person_id, dated_on);

-- Erasure. An erased person stays as a tombstone (the id and erased_at)
-- so that the ledger and the access trail that name the id still verify;
-- everything else is destroyed. held_until (YYYY-MM-DD, '' when not held)
-- restricts a person whose data the law requires to keep for now.
ALTER TABLE people ADD COLUMN held_until TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN erased_at TEXT;
-- Counting the living subtracts the few erased, so the count keeps using
-- the smallest index instead of reading every row.
CREATE INDEX people_erased ON people (erased_at) WHERE erased_at IS NOT NULL;

-- A redacted consent event had its evidence fields cleared on erasure:
-- its hash is kept as stored and only the chain's links can be checked.
ALTER TABLE consent_events ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;

-- +goose Down
-- Vern migrates forward only.
