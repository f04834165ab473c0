package vern

import (
	"context"
	"strconv"
	"time"
)

// Actions of an AccessRecord: what was done with a person's data.
const (
	AccessRead   = "read"
	AccessCreate = "create"
	AccessUpdate = "update"
	AccessExport = "export"
	AccessErase  = "erase"
)

// AccessRecord is one entry of a person's access trail: who read or changed
// which of a person's data, when, and through which operation (GDPR Art.
// 5(2) accountability, Art. 32 security of processing). It names the fields
// touched, never their values, so the trail holds no personal data beyond
// the person's id and can be kept, and shown, after the person is erased.
//
// Records are chained by hash per person like ConsentEvent: writers for
// different people never contend on one chain.
type AccessRecord struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	// Seq is the record's position in the person's trail, from 1.
	Seq int64 `json:"seq"`
	// Actor is who accessed the data: "token:<id>", "public:<channel>" or
	// "system:<job>".
	Actor string `json:"actor"`
	// Action is one of the Access* constants.
	Action string `json:"action"`
	// Operation is the API operation id, such as "get-person", or the CLI
	// command, such as "dsr export".
	Operation string `json:"operation"`
	// Fields names the fields read or changed, such as "email" or
	// "last_name": names only, never values (see ValidAccessField). An empty
	// list is read back from a store as nil.
	Fields []string `json:"fields,omitempty"`
	// RequestID ties the record to the request log line, if any.
	RequestID string    `json:"request_id,omitempty"`
	At        time.Time `json:"at"`
	PrevHash  []byte    `json:"prev_hash"`
	Hash      []byte    `json:"hash"`
}

// ComputeHash returns the record's chain hash: SHA-256 over the previous
// record's hash and every field of this one, each length-prefixed so that
// no two different records encode alike. Fields is encoded as its count and
// then each name length-prefixed, so ["a", "b"] and ["ab"] differ without any
// rule on which characters a name may hold.
func (a *AccessRecord) ComputeHash() []byte {
	fields := []string{a.ID, a.PersonID, strconv.FormatInt(a.Seq, 10), a.Actor, a.Action, a.Operation, strconv.Itoa(len(a.Fields))}
	fields = append(fields, a.Fields...)
	fields = append(fields, a.RequestID, a.At.UTC().Format(time.RFC3339Nano))
	return chainHash("vern-access-record-v1", a.PrevHash, fields...)
}

func (a *AccessRecord) links() (int64, []byte, []byte) { return a.Seq, a.PrevHash, a.Hash }

// Seal sets a's position after prev (nil for a person's first record) and
// its hash. The hash covers At to the nanosecond, and PostgreSQL keeps only
// microseconds, so the caller must truncate At to whole microseconds before
// sealing, or the stored record will not hash back.
func (a *AccessRecord) Seal(prev *AccessRecord) {
	a.Seq, a.PrevHash = 1, nil
	if prev != nil {
		a.Seq, a.PrevHash = prev.Seq+1, prev.Hash
	}
	a.Hash = a.ComputeHash()
}

// VerifyAccessChain checks one person's records, oldest first, and returns
// the index of the first record that does not follow from the one before
// it, or -1 when the chain is intact.
func VerifyAccessChain(recs []*AccessRecord) int { return verifyChain(recs) }

// Validate checks that a can be recorded: a person, an actor, a known
// action, an operation, and field names that look like names. Messages never
// repeat a refused value.
func (a *AccessRecord) Validate() error {
	var fs Fields
	if a.PersonID == "" {
		fs.Add("person_id", "required", "The person id is required.")
	}
	if a.Actor == "" {
		fs.Add("actor", "required", "The actor is required.")
	}
	if !ValidAccessAction(a.Action) {
		fs.Add("action", "unknown", "Unknown access action.")
	}
	if a.Operation == "" {
		fs.Add("operation", "required", "The operation is required.")
	}
	for i, f := range a.Fields {
		if !ValidAccessField(f) {
			fs.Add("fields["+strconv.Itoa(i)+"]", "invalid", "Not a field name; the trail records names, never values.")
		}
	}
	return fs.Err()
}

// ValidAccessAction reports whether s is one of the Access* constants.
func ValidAccessAction(s string) bool {
	switch s {
	case AccessRead, AccessCreate, AccessUpdate, AccessExport, AccessErase:
		return true
	}
	return false
}

// ValidAccessField reports whether s looks like a field name: 1 to 64
// lower-case ASCII letters, digits, '_' and '.', starting with a letter, such
// as "email" or "organization.org_number". An email address, a phone number
// or a capitalised name does not pass, so a value passed by mistake where a
// name belongs is caught rather than written into the trail.
func ValidAccessField(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// AuditStore persists the access trail. Records are only ever appended:
// there is no update and no delete, and a person's erasure leaves their
// trail in place.
type AuditStore interface {
	// AppendAccessRecords stores recs, all or nothing. Returns ECONFLICT
	// when a person already has a record at one of the (person id, Seq)
	// positions (another writer appended first) or an id is taken; then
	// none of recs is stored. Writers that append to many chains at once
	// should order recs by person id, so that concurrent batches on
	// PostgreSQL take the index entries in one order and cannot deadlock.
	AppendAccessRecords(ctx context.Context, recs []*AccessRecord) error
	// FindAccessRecords returns a person's records, oldest (lowest Seq)
	// first; none is not an error.
	FindAccessRecords(ctx context.Context, personID string) ([]*AccessRecord, error)
	// FindLastAccessRecords returns, per person id, the record with the
	// highest Seq, in one round trip per few thousand ids; people without
	// records are absent.
	FindLastAccessRecords(ctx context.Context, personIDs []string) (map[string]*AccessRecord, error)
	// EachAccessChain calls fn once per person that has records, with all of
	// that person's records oldest first, persons in id order, reading in
	// bounded batches so that millions of records need not fit in memory.
	// It stops at and returns fn's first error.
	EachAccessChain(ctx context.Context, fn func(personID string, recs []*AccessRecord) error) error
}
