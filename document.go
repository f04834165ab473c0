package vern

import (
	"context"
	"time"
)

// Accounting document kinds under bokføringsloven § 13 (REFERENCE.md 2.3).
const (
	// DocumentPrimary is primary documentation, such as an invoice: kept
	// five years after the end of the financial year.
	DocumentPrimary = "primary"
	// DocumentSecondary is secondary documentation, such as an agreement
	// or an order confirmation: kept three and a half years.
	DocumentSecondary = "secondary"
)

// Document is an accounting document that names a person. The law requires
// it to be kept until HoldUntil, so an erasure request does not remove it
// or the personal data it needs (GDPR Art. 17(3)(b)).
type Document struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	Kind     string `json:"kind"`
	// Reference is the document's own number, such as an invoice number.
	Reference string `json:"reference"`
	// DatedOn is the document's date, YYYY-MM-DD.
	DatedOn string `json:"dated_on"`
	// HoldUntil is the last day the document must be kept, YYYY-MM-DD.
	HoldUntil string    `json:"hold_until"`
	CreatedAt time.Time `json:"created_at"`
}

// DocumentStore persists accounting documents.
type DocumentStore interface {
	// CreateDocument stores d. Returns ENOTFOUND for an unknown person.
	CreateDocument(ctx context.Context, d *Document) error
	// FindDocuments returns a person's documents, oldest DatedOn first.
	FindDocuments(ctx context.Context, personID string) ([]*Document, error)
}
