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

const documentColumns = `id, person_id, kind, reference, dated_on, hold_until, created_at`

func scanDocument(row scanner) (*vern.Document, error) {
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
}

// FindDocuments returns a person's documents, oldest DatedOn first.
func (s *store) FindDocuments(ctx context.Context, personID string) ([]*vern.Document, error) {
	rows, err := s.readRows(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE person_id = ? ORDER BY dated_on, created_at, id`, personID)
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
	q := `SELECT ` + documentColumns + ` FROM documents d WHERE kind = ? AND hold_until < ? AND id > ?`
	args := []any{f.Kind, f.HeldBefore, f.After}
	if !f.ContractsEndedBefore.IsZero() {
		q += ` AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.person_id = d.person_id AND (c.ended_at IS NULL OR c.ended_at >= ?))`
		args = append(args, formatTime(f.ContractsEndedBefore))
	}
	rows, err := s.query(ctx, q+` ORDER BY id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find documents due: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanDocument)
	if err != nil {
		return nil, fmt.Errorf("find documents due: %w", err)
	}
	return out, nil
}

// DeleteDocuments deletes the listed documents; secure_delete (db.go)
// zeroes the freed bytes.
func (s *store) DeleteDocuments(ctx context.Context, ids []string) (int, error) {
	n := 0
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		res, err := s.execVar(ctx, `DELETE FROM documents WHERE id IN `+in, args...)
		if err != nil {
			return 0, fmt.Errorf("delete documents: %w", translateErr(err))
		}
		n += affected(res)
	}
	return n, nil
}
