package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const contractColumns = `id, person_id, reference, started_at, ended_at, created_at`

// CreateContract stores c.
func (s *store) CreateContract(ctx context.Context, c *vern.Contract) error {
	var ended any
	if c.EndedAt != nil {
		ended = formatTime(*c.EndedAt)
	}
	_, err := s.exec(ctx, `INSERT INTO contracts (`+contractColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.PersonID, c.Reference, formatTime(c.StartedAt), ended, formatTime(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert contract: %w", translateErr(err))
	}
	return nil
}

// EndContract sets a contract's end and returns its person's id.
func (s *store) EndContract(ctx context.Context, id string, at time.Time) (string, error) {
	var personID string
	if err := s.writeRow(ctx, `UPDATE contracts SET ended_at = ? WHERE id = ? RETURNING person_id`, formatTime(at), id).Scan(&personID); err != nil {
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
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 5000)]
		personIDs = personIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx)
		}
		rows, err := s.r.QueryContext(qctx, `SELECT `+contractColumns+` FROM contracts WHERE person_id IN (?`+strings.Repeat(",?", len(chunk)-1)+`) ORDER BY person_id, started_at, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("find contracts: %w", translateErr(err))
		}
		for rows.Next() {
			var c vern.Contract
			var started, created string
			var ended sql.NullString
			if err := rows.Scan(&c.ID, &c.PersonID, &c.Reference, &started, &ended, &created); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan contract: %w", err)
			}
			if c.StartedAt, err = parseTime(started); err != nil {
				rows.Close()
				return nil, err
			}
			if c.CreatedAt, err = parseTime(created); err != nil {
				rows.Close()
				return nil, err
			}
			if ended.Valid {
				t, err := parseTime(ended.String)
				if err != nil {
					rows.Close()
					return nil, err
				}
				c.EndedAt = &t
			}
			out[c.PersonID] = append(out[c.PersonID], &c)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("find contracts: %w", translateErr(err))
		}
	}
	return out, nil
}
