package person

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
)

// DocumentInput registers an accounting document that names a person.
type DocumentInput struct {
	// Kind is primary (invoices and other booked entries) or secondary
	// (agreements, order confirmations).
	Kind      string `json:"kind" enum:"primary,secondary"`
	Reference string `json:"reference" maxLength:"100"`
	// DatedOn is the document's date, YYYY-MM-DD.
	DatedOn string `json:"dated_on" maxLength:"10"`
}

// AddDocument records an accounting document of a person, with the last
// day bokføringsloven § 13 requires it to be kept (calendar years as
// financial years): while it is held, an erasure keeps what it needs.
//
// Returns EINVALID naming the field and ENOTFOUND.
func (s *Service) AddDocument(ctx context.Context, personID string, in DocumentInput) (*vern.Document, error) {
	var fs vern.Fields
	in.Reference = strings.TrimSpace(in.Reference)
	if in.Kind != vern.DocumentPrimary && in.Kind != vern.DocumentSecondary {
		fs.Add("kind", "unknown", "The kind must be primary or secondary.")
	}
	if in.Reference == "" {
		fs.Add("reference", "required", "The document's reference, such as the invoice number, is required.")
	} else {
		text(&fs, "reference", in.Reference, 100)
	}
	dated, err := calendar.ParseDate(in.DatedOn)
	if err != nil {
		fs.Add("dated_on", "invalid", "The date must be a real date written YYYY-MM-DD.")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	until, err := calendar.AccountingHoldUntil(dated, in.Kind, calendar.FiscalYear{})
	if err != nil {
		return nil, vern.Invalid(vern.FieldError{Field: "kind", Code: "unknown", Message: "The kind must be primary or secondary."})
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	d := &vern.Document{ID: vern.NewID("doc", now), PersonID: personID, Kind: in.Kind, Reference: in.Reference,
		DatedOn: dated.String(), HoldUntil: until.String(), CreatedAt: now}
	if err := s.store.CreateDocument(ctx, d); err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, vern.Errorf(vern.ENOTFOUND, "Person not found.")
		}
		return nil, fmt.Errorf("add document: %w", err)
	}
	return d, nil
}

// Documents returns a person's accounting documents.
func (s *Service) Documents(ctx context.Context, personID string) ([]*vern.Document, error) {
	if err := s.PersonExists(ctx, personID); err != nil {
		return nil, err
	}
	return s.store.FindDocuments(ctx, personID)
}
