package vern

import (
	"context"
	"time"
)

// Disclosure records that a person's data was shared with a recipient:
// who got what about whom, when and why (S7; GDPR Art. 15(1)(c), Art. 19).
type Disclosure struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	// Recipient names the recipient: a policy recipient key or a
	// configured webhook name.
	Recipient string `json:"recipient"`
	// Categories names the data categories or fields shared.
	Categories []string `json:"categories,omitempty"`
	// Purpose is the purpose key the data was shared for, if any.
	Purpose string `json:"purpose,omitempty"`
	// Reason says what the disclosure was, such as "webhook consent.granted".
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// DisclosureStore persists the disclosure log.
type DisclosureStore interface {
	// RecordDisclosures stores ds.
	RecordDisclosures(ctx context.Context, ds ...*Disclosure) error
	// FindDisclosures returns a person's disclosures, oldest first.
	FindDisclosures(ctx context.Context, personID string) ([]*Disclosure, error)
}
