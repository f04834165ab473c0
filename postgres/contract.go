package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

const contractColumns = `id, person_id, reference, started_at, ended_at, created_at`

// CreateContract stores c.
func (s *store) CreateContract(ctx context.Context, c *vern.Contract) error {
	var ended any
	if c.EndedAt != nil {
		ended = c.EndedAt.UTC()
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO contracts (`+contractColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.PersonID, c.Reference, c.StartedAt.UTC(), ended, c.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert contract: %w", translateErr(err))
	}
	return nil
}

// EndContract sets a contract's end and returns its person's id.
func (s *store) EndContract(ctx context.Context, id string, at time.Time) (string, error) {
	var personID string
	if err := s.q.QueryRowContext(ctx, `UPDATE contracts SET ended_at = $1 WHERE id = $2 RETURNING person_id`, at.UTC(), id).Scan(&personID); err != nil {
		if vern.ErrorCode(translateErr(err)) == vern.ENOTFOUND {
			return "", vern.Errorf(vern.ENOTFOUND, "Contract not found.")
		}
		return "", fmt.Errorf("end contract: %w", translateErr(err))
	}
	return personID, nil
}

// FindContractsOfPeople returns many people's contracts, keyed by person.
func (s *store) FindContractsOfPeople(ctx context.Context, personIDs []string) (map[string][]*vern.Contract, error) {
	out := make(map[string][]*vern.Contract)
	if len(personIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+contractColumns+` FROM contracts WHERE person_id = ANY($1) ORDER BY person_id, started_at, id`, personIDs)
	if err != nil {
		return nil, fmt.Errorf("find contracts: %w", translateErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var c vern.Contract
		var ended sql.NullTime
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Reference, &c.StartedAt, &ended, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan contract: %w", err)
		}
		c.StartedAt, c.CreatedAt = c.StartedAt.UTC(), c.CreatedAt.UTC()
		if ended.Valid {
			t := ended.Time.UTC()
			c.EndedAt = &t
		}
		out[c.PersonID] = append(out[c.PersonID], &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find contracts: %w", translateErr(err))
	}
	return out, nil
}
