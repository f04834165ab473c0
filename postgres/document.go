package postgres

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// CreateDocument stores d; the foreign key turns an unknown person into
// ENOTFOUND.
func (s *store) CreateDocument(ctx context.Context, d *vern.Document) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO documents (id, person_id, kind, reference, dated_on, hold_until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ID, d.PersonID, d.Kind, d.Reference, d.DatedOn, d.HoldUntil, d.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert document: %w", translateErr(err))
	}
	return nil
}

// FindDocuments returns a person's documents, oldest DatedOn first.
func (s *store) FindDocuments(ctx context.Context, personID string) ([]*vern.Document, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, person_id, kind, reference, dated_on, hold_until, created_at FROM documents
		WHERE person_id = $1 ORDER BY dated_on, created_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.Document, error) {
		var d vern.Document
		if err := row.Scan(&d.ID, &d.PersonID, &d.Kind, &d.Reference, &d.DatedOn, &d.HoldUntil, &d.CreatedAt); err != nil {
			return nil, translateErr(err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		return &d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", err)
	}
	return out, nil
}
