package vern

import (
	"context"
	"time"
)

// Outbox topics: what kind of change a message announces to other systems
// (a newsletter tool, a CRM), so that they learn of a withdrawal within
// seconds rather than at the next export.
const (
	TopicConsentGranted    = "consent.granted"
	TopicConsentWithdrawn  = "consent.withdrawn"
	TopicObjection         = "objection"
	TopicRestrictionPlaced = "restriction.placed"
	TopicRestrictionLifted = "restriction.lifted"
	// TopicPersonErased and TopicPersonRectified tell a recipient that
	// received a person's data that it was erased or corrected (GDPR Art.
	// 19); the payload is a PersonNotice.
	TopicPersonErased     = "person.erased"
	TopicPersonRectified  = "person.rectified"
	TopicPersonRestricted = "person.restricted"
)

// PersonNotice is the payload of an Art. 19 notice: which person, what
// happened, and for a rectification which fields changed (names only; the
// recipient fetches the new values through the API if it may).
type PersonNotice struct {
	PersonID  string    `json:"person_id"`
	RequestID string    `json:"request_id"`
	Kind      string    `json:"kind"`
	Fields    []string  `json:"fields,omitempty"`
	At        time.Time `json:"at"`
}

// OutboxTopic returns the topic announcing a ledger event of the given
// kind, or "" for a kind that is not announced.
func OutboxTopic(eventKind string) string {
	switch eventKind {
	case EventConsentGranted:
		return TopicConsentGranted
	case EventConsentWithdrawn:
		return TopicConsentWithdrawn
	case EventObjection:
		return TopicObjection
	case EventRestrictionPlaced:
		return TopicRestrictionPlaced
	case EventRestrictionLifted:
		return TopicRestrictionLifted
	}
	return ""
}

// ConsentChange is the payload announcing one ledger event. It carries
// identifiers, purpose keys and times only: the receiving system looks the
// person up by PersonID in its own records, so no email or name leaves
// Vern through a webhook.
type ConsentChange struct {
	EventID       string    `json:"event_id"`
	PersonID      string    `json:"person_id"`
	Kind          string    `json:"kind"`
	Purpose       string    `json:"purpose,omitempty"`
	PolicyVersion string    `json:"policy_version"`
	At            time.Time `json:"at"`
}

// NewConsentChange returns the payload announcing e.
func NewConsentChange(e *ConsentEvent) ConsentChange {
	return ConsentChange{EventID: e.ID, PersonID: e.PersonID, Kind: e.Kind, Purpose: e.Purpose, PolicyVersion: e.PolicyVersion, At: e.At}
}

// OutboxMessage is one notification waiting to be delivered to one
// configured webhook. Services insert it in the same transaction as the
// change it announces (STYLE.md §5), so a change that was rolled back is
// never announced, and one that was committed always is, at least once.
type OutboxMessage struct {
	ID string
	// Topic is one of the Topic* constants.
	Topic string
	// Key orders delivery: messages with the same Key and Sink are
	// delivered one at a time, in the order they were enqueued. It is a
	// person's id.
	Key string
	// Payload is the JSON document delivered. It must not contain emails,
	// names or any other direct identifier: only ids, purpose keys and
	// times (see ConsentChange).
	Payload       []byte
	CreatedAt     time.Time
	NextAttemptAt time.Time
	// Attempts counts the failed delivery attempts so far.
	Attempts int
	// LastError says briefly why the last attempt failed, such as
	// "http 503" or "timeout"; never a response body.
	LastError string
	// DeliveredAt is nil until a delivery succeeds.
	DeliveredAt *time.Time
	// Sink names the configured webhook; a change announced to two
	// webhooks is two messages, each retried on its own.
	Sink string
}

// OutboxStore persists the outbox.
type OutboxStore interface {
	// EnqueueOutbox stores msgs, in order; each must have its ID, Topic,
	// Key, Sink, CreatedAt and NextAttemptAt set. Returns ECONFLICT when an
	// id is taken.
	EnqueueOutbox(ctx context.Context, msgs ...*OutboxMessage) error
	// ClaimOutbox returns up to limit undelivered messages due at now,
	// oldest first, and leases them: their NextAttemptAt moves to
	// now+lease, so that no other claimer takes them until the lease ends.
	// A message is not due while an older message with the same Key and
	// Sink is undelivered, so each key's messages go out in order. A
	// delivery that outlives its lease may be claimed again: delivery is at
	// least once.
	ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*OutboxMessage, error)
	// MarkOutboxDelivered records a successful delivery at at; marking a
	// delivered message again keeps the first time. Returns ENOTFOUND for
	// an unknown id.
	MarkOutboxDelivered(ctx context.Context, id string, at time.Time) error
	// MarkOutboxFailed records a failed attempt: the attempts so far, when
	// to try next and why it failed. It leaves a delivered message as it is.
	// Returns ENOTFOUND for an unknown id.
	MarkOutboxFailed(ctx context.Context, id string, attempts int, next time.Time, lastError string) error
	// CountPendingOutbox returns how many messages are undelivered,
	// including those that are no longer retried.
	CountPendingOutbox(ctx context.Context) (int, error)
}
