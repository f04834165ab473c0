package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/vernhq/vern"
)

// RecordDisclosures stores ds in order, all or none.
func (s *store) RecordDisclosures(ctx context.Context, ds ...*vern.Disclosure) error {
	args := make([][]any, len(ds))
	for i, d := range ds {
		cats, err := encodeCategories(d.Categories)
		if err != nil {
			return err
		}
		args[i] = []any{d.ID, d.PersonID, d.Recipient, cats, d.Purpose, d.Reason, d.At.UTC()}
	}
	insert := func(tx *store) error {
		for _, a := range args {
			_, err := tx.q.ExecContext(ctx, `INSERT INTO disclosures (id, person_id, recipient, categories, purpose, reason, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, a...)
			if err != nil {
				return fmt.Errorf("insert disclosure: %w", translateErr(err))
			}
		}
		return nil
	}
	if len(args) <= 1 {
		return insert(s)
	}
	return s.InTx(ctx, func(tx vern.Store) error { return insert(tx.(*store)) })
}

// FindDisclosures returns a person's disclosures, oldest first; those of
// the same instant in the order they were recorded. Audience exports
// record their members compactly (audience.go) and appear here too.
func (s *store) FindDisclosures(ctx context.Context, personID string) ([]*vern.Disclosure, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, person_id, recipient, categories, purpose, reason, at FROM (
		SELECT id, person_id, recipient, categories, purpose, reason, at, seq, 0 AS src FROM disclosures WHERE person_id = $1
		UNION ALL
		SELECT e.id, m.person_id, e.recipient, '["contact"]', e.purpose, 'audience export ' || e.audience || ' (' || e.format || ', hashed)', e.at, e.seq, 1
		FROM audience_export_members m JOIN audience_exports e ON e.seq = m.export_seq WHERE m.person_id = $1
	) d ORDER BY at, src, seq`, personID)
	if err != nil {
		return nil, fmt.Errorf("find disclosures: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.Disclosure, error) {
		var d vern.Disclosure
		var cats string
		if err := row.Scan(&d.ID, &d.PersonID, &d.Recipient, &cats, &d.Purpose, &d.Reason, &d.At); err != nil {
			return nil, translateErr(err)
		}
		d.At = d.At.UTC()
		var err error
		if d.Categories, err = decodeCategories(cats); err != nil {
			return nil, err
		}
		return &d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find disclosures: %w", err)
	}
	return out, nil
}

// encodeCategories stores categories as a JSON array, "[]" for none.
func encodeCategories(cats []string) (string, error) {
	if len(cats) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(cats)
	if err != nil {
		return "", fmt.Errorf("encode disclosure categories: %w", err)
	}
	return string(b), nil
}

// decodeCategories reads the JSON array back; an empty one is nil.
func decodeCategories(s string) ([]string, error) {
	var cats []string
	if err := json.Unmarshal([]byte(s), &cats); err != nil {
		return nil, fmt.Errorf("decode stored disclosure categories: %w", err)
	}
	if len(cats) == 0 {
		cats = nil
	}
	return cats, nil
}
