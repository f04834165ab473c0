package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// CreateInteraction inserts i.
func (s *store) CreateInteraction(ctx context.Context, i *vern.SealedInteraction) error {
	_, err := s.exec(ctx, `INSERT INTO interactions (id, person_id, channel, kind, sealed_text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		i.ID, i.PersonID, i.Channel, i.Kind, i.SealedText, formatTime(i.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert interaction: %w", translateErr(err))
	}
	return nil
}

// FindInteractions returns a person's interactions, oldest first.
func (s *store) FindInteractions(ctx context.Context, personID string) ([]*vern.SealedInteraction, error) {
	rows, err := s.readRows(ctx, `SELECT id, person_id, channel, kind, sealed_text, created_at FROM interactions
		WHERE person_id = ? ORDER BY created_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find interactions: %w", translateErr(err))
	}
	defer rows.Close()
	var out []*vern.SealedInteraction
	for rows.Next() {
		var i vern.SealedInteraction
		var created string
		if err := rows.Scan(&i.ID, &i.PersonID, &i.Channel, &i.Kind, &i.SealedText, &created); err != nil {
			return nil, fmt.Errorf("scan interaction: %w", err)
		}
		if i.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find interactions: %w", translateErr(err))
	}
	return out, nil
}

// DeleteInteractions deletes a person's interactions and returns how many
// there were.
func (s *store) DeleteInteractions(ctx context.Context, personID string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM interactions WHERE person_id = ?`, personID)
	if err != nil {
		return 0, fmt.Errorf("delete interactions: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete interactions: %w", err)
	}
	return int(n), nil
}
