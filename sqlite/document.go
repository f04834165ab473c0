package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// CreateDocument stores d; the foreign key turns an unknown person into
// ENOTFOUND.
func (s *store) CreateDocument(ctx context.Context, d *vern.Document) error {
	_, err := s.exec(ctx, `INSERT INTO documents (id, person_id, kind, reference, dated_on, hold_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.PersonID, d.Kind, d.Reference, d.DatedOn, d.HoldUntil, formatTime(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert document: %w", translateErr(err))
	}
	return nil
}

// FindDocuments returns a person's documents, oldest DatedOn first.
func (s *store) FindDocuments(ctx context.Context, personID string) ([]*vern.Document, error) {
	rows, err := s.readRows(ctx, `SELECT id, person_id, kind, reference, dated_on, hold_until, created_at FROM documents
		WHERE person_id = ? ORDER BY dated_on, created_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.Document, error) {
		var d vern.Document
		var created string
		if err := row.Scan(&d.ID, &d.PersonID, &d.Kind, &d.Reference, &d.DatedOn, &d.HoldUntil, &created); err != nil {
			return nil, translateErr(err)
		}
		var err error
		if d.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		return &d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", err)
	}
	return out, nil
}
