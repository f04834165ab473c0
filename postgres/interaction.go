package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

// CreateInteraction inserts i.
func (s *store) CreateInteraction(ctx context.Context, i *vern.SealedInteraction) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO interactions (id, person_id, channel, kind, sealed_text, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		i.ID, i.PersonID, i.Channel, i.Kind, i.SealedText, i.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert interaction: %w", translateErr(err))
	}
	return nil
}

// FindInteractions returns a person's interactions, oldest first.
func (s *store) FindInteractions(ctx context.Context, personID string) ([]*vern.SealedInteraction, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, person_id, channel, kind, sealed_text, created_at FROM interactions
		WHERE person_id = $1 ORDER BY created_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find interactions: %w", translateErr(err))
	}
	defer rows.Close()
	var out []*vern.SealedInteraction
	for rows.Next() {
		var i vern.SealedInteraction
		var created time.Time
		if err := rows.Scan(&i.ID, &i.PersonID, &i.Channel, &i.Kind, &i.SealedText, &created); err != nil {
			return nil, fmt.Errorf("scan interaction: %w", err)
		}
		i.CreatedAt = created.UTC()
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
	res, err := s.q.ExecContext(ctx, `DELETE FROM interactions WHERE person_id = $1`, personID)
	if err != nil {
		return 0, fmt.Errorf("delete interactions: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete interactions: %w", err)
	}
	return int(n), nil
}
