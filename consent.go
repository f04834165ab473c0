package vern

import (
	"context"
	"net/netip"
	"strconv"
	"time"
)

// Ledger event kinds (S11, S12). Events are appended and never changed.
const (
	EventConsentGranted    = "consent_granted"
	EventConsentWithdrawn  = "consent_withdrawn"
	EventObjection         = "objection"
	EventRestrictionPlaced = "restriction_placed"
	EventRestrictionLifted = "restriction_lifted"
)

// ScopeDirectMarketing is the objection scope covering every direct-marketing
// purpose; an objection to it is absolute (GDPR Art. 21(3)).
const ScopeDirectMarketing = "direct_marketing"

// ConsentEvent is one entry of a person's consent and objection ledger,
// with the evidence GDPR Art. 7(1) asks the controller to be able to show:
// who, what, when, under which notice, through which channel.
type ConsentEvent struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	// Seq is the event's position in the person's chain, from 1.
	Seq  int64  `json:"seq"`
	Kind string `json:"kind"`
	// Purpose is a purpose key, or for objections also an objection scope
	// such as direct_marketing; empty for restrictions, which cover all.
	Purpose       string `json:"purpose,omitempty"`
	PolicyVersion string `json:"policy_version"`
	// NoticeHash is the hex SHA-256 of the notice text the person saw.
	NoticeHash string `json:"notice_hash,omitempty"`
	Channel    string `json:"channel"`
	// Actor is who recorded the event: "token:<id>" or "public:<channel>".
	Actor     string    `json:"actor"`
	PageURL   string    `json:"page_url,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	IPPrefix  string    `json:"ip_prefix,omitempty"`
	At        time.Time `json:"at"`
	PrevHash  []byte    `json:"prev_hash"`
	Hash      []byte    `json:"hash"`
	// Redacted is set when the person was erased: the evidence fields
	// (NoticeHash, Channel, Actor, PageURL, UserAgent, IPPrefix) were
	// cleared, and only the links of the chain can still be checked.
	Redacted bool `json:"redacted,omitempty"`
}

// ComputeHash returns the event's chain hash over the previous event's
// hash and every field of this one (chain.go).
func (e *ConsentEvent) ComputeHash() []byte {
	return chainHash("vern-consent-event-v1", e.PrevHash, e.ID, e.PersonID, strconv.FormatInt(e.Seq, 10), e.Kind, e.Purpose,
		e.PolicyVersion, e.NoticeHash, e.Channel, e.Actor, e.PageURL, e.UserAgent, e.IPPrefix, e.At.UTC().Format(time.RFC3339Nano))
}

func (e *ConsentEvent) links() (int64, []byte, []byte) { return e.Seq, e.PrevHash, e.Hash }

// redacted reports whether the event's evidence was cleared on erasure, so
// that its hash can no longer be recomputed.
func (e *ConsentEvent) redacted() bool { return e.Redacted }

// Seal sets e's position after prev (nil for a person's first event) and
// its hash.
func (e *ConsentEvent) Seal(prev *ConsentEvent) {
	e.Seq, e.PrevHash = 1, nil
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = e.ComputeHash()
}

// VerifyChain checks one person's events, oldest first, and returns the
// index of the first event that does not follow from the one before it, or
// -1 when the chain is intact.
func VerifyChain(events []*ConsentEvent) int { return verifyChain(events) }

// TruncateIP keeps only the network part of an address, so that the
// evidence shows where a choice came from without storing the address
// itself: /24 for IPv4 and /48 for IPv6. It returns "" for anything that
// is not an IP address.
func TruncateIP(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	addr = addr.Unmap()
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// ConsentStore persists the ledger. Events are only ever appended: there is
// no update and no delete.
type ConsentStore interface {
	// AppendConsentEvent stores e. Returns ECONFLICT when the person already
	// has an event at e.Seq (another writer appended first) or the id is
	// taken, and ENOTFOUND when the person does not exist.
	AppendConsentEvent(ctx context.Context, e *ConsentEvent) error
	// FindConsentEvents returns a person's events, oldest (lowest Seq) first.
	FindConsentEvents(ctx context.Context, personID string) ([]*ConsentEvent, error)
	// FindConsentEventsOfPeople returns the events of many people at once,
	// keyed by person id, each oldest first; people without events are
	// absent. It serves bulk decisions with one query per few thousand.
	FindConsentEventsOfPeople(ctx context.Context, personIDs []string) (map[string][]*ConsentEvent, error)
	// FindLastConsentEvent returns the person's event with the highest Seq.
	// Returns ENOTFOUND when the person has none.
	FindLastConsentEvent(ctx context.Context, personID string) (*ConsentEvent, error)
	// FindConsentHead returns the Seq and Hash of the person's newest event,
	// all an append needs to link after it. Returns ENOTFOUND when the
	// person has no events.
	FindConsentHead(ctx context.Context, personID string) (seq int64, hash []byte, err error)
	// FindConsentEventByID returns one event. Returns ENOTFOUND.
	FindConsentEventByID(ctx context.Context, id string) (*ConsentEvent, error)
	// EachConsentChain calls fn once per person that has events, with all
	// of that person's events oldest first, persons in id order, reading in
	// bounded batches so that millions of events need not fit in memory.
	// It stops at and returns fn's first error.
	EachConsentChain(ctx context.Context, fn func(personID string, events []*ConsentEvent) error) error
	// RedactConsentEvents clears the evidence fields of a person's events
	// and marks them Redacted, keeping ids, kinds, purposes, policy
	// versions, times and hashes, so that every chain and checkpoint still
	// links up after an erasure. It returns how many events it redacted.
	RedactConsentEvents(ctx context.Context, personID string) (int, error)
}
