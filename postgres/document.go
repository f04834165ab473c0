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

const documentColumns = `id, person_id, kind, reference, dated_on, hold_until, created_at`

func scanDocument(row scanner) (*vern.Document, error) {
	var d vern.Document
	if err := row.Scan(&d.ID, &d.PersonID, &d.Kind, &d.Reference, &d.DatedOn, &d.HoldUntil, &d.CreatedAt); err != nil {
		return nil, translateErr(err)
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// FindDocuments returns a person's documents, oldest DatedOn first.
func (s *store) FindDocuments(ctx context.Context, personID string) ([]*vern.Document, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE person_id = $1 ORDER BY dated_on, created_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanDocument)
	if err != nil {
		return nil, fmt.Errorf("find documents: %w", err)
	}
	return out, nil
}

// FindDocumentsDue reads the documents f selects through the
// documents_hold index (kind, hold_until).
func (s *store) FindDocumentsDue(ctx context.Context, f vern.DocumentDue) ([]*vern.Document, error) {
	q := `SELECT ` + documentColumns + ` FROM documents d WHERE kind = $1 AND hold_until < $2 AND id > $3`
	args := []any{f.Kind, f.HeldBefore, f.After, f.Limit}
	if !f.ContractsEndedBefore.IsZero() {
		q += ` AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.person_id = d.person_id AND (c.ended_at IS NULL OR c.ended_at >= $5))`
		args = append(args, f.ContractsEndedBefore.UTC())
	}
	rows, err := s.q.QueryContext(ctx, q+` ORDER BY id LIMIT $4`, args...)
	if err != nil {
		return nil, fmt.Errorf("find documents due: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanDocument)
	if err != nil {
		return nil, fmt.Errorf("find documents due: %w", err)
	}
	return out, nil
}

// DeleteDocuments deletes the listed documents in one statement.
func (s *store) DeleteDocuments(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.q.ExecContext(ctx, `DELETE FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("delete documents: %w", translateErr(err))
	}
	return affected(res), nil
}
