package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vernhq/vern"
)

const audienceColumns = `name, purpose, use_as, description, include, exclude, created_at, updated_at`

// CreateAudience stores a.
func (s *store) CreateAudience(ctx context.Context, a *vern.Audience) error {
	inc, exc, err := encodeRules(a)
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO audiences (`+audienceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.Name, a.Purpose, a.Use, a.Description, inc, exc, a.CreatedAt.UTC(), a.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert audience: %w", translateErr(err))
	}
	return nil
}

// UpdateAudience replaces the definition named a.Name.
func (s *store) UpdateAudience(ctx context.Context, a *vern.Audience) error {
	inc, exc, err := encodeRules(a)
	if err != nil {
		return err
	}
	res, err := s.q.ExecContext(ctx, `UPDATE audiences SET purpose = $1, use_as = $2, description = $3, include = $4, exclude = $5, updated_at = $6 WHERE name = $7`,
		a.Purpose, a.Use, a.Description, inc, exc, a.UpdatedAt.UTC(), a.Name)
	if err != nil {
		return fmt.Errorf("update audience: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update audience: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Audience not found.")
	}
	return nil
}

// FindAudience returns the audience with name.
func (s *store) FindAudience(ctx context.Context, name string) (*vern.Audience, error) {
	a, err := scanAudience(s.q.QueryRowContext(ctx, `SELECT `+audienceColumns+` FROM audiences WHERE name = $1`, name))
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.ENOTFOUND, "Audience not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find audience: %w", err)
	}
	return a, nil
}

// FindAudiences returns every audience by name.
func (s *store) FindAudiences(ctx context.Context) ([]*vern.Audience, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+audienceColumns+` FROM audiences ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find audiences: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanAudience)
	if err != nil {
		return nil, fmt.Errorf("find audiences: %w", err)
	}
	return out, nil
}

// FindAudienceCandidates returns a keyset page of living people by id.
func (s *store) FindAudienceCandidates(ctx context.Context, afterID string, limit int) ([]*vern.AudienceCandidate, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT p.id, p.email_index, p.wrapped_key, p.sealed, p.language, p.organization_id, p.source_channel,
		p.created_at, coalesce(o.country, '')
		FROM people p LEFT JOIN organizations o ON o.id = p.organization_id
		WHERE p.id > $1 AND p.erased_at IS NULL ORDER BY p.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("find audience candidates: %w", translateErr(err))
	}
	defer rows.Close()
	out := make([]*vern.AudienceCandidate, 0, limit)
	for rows.Next() {
		var p vern.SealedPerson
		var org sql.NullString
		var country string
		if err := rows.Scan(&p.ID, &p.EmailIndex, &p.WrappedKey, &p.Sealed, &p.Language, &org, &p.SourceChannel,
			&p.CreatedAt, &country); err != nil {
			return nil, fmt.Errorf("scan audience candidate: %w", translateErr(err))
		}
		p.OrganizationID = org.String
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, &vern.AudienceCandidate{Person: &p, OrgCountry: country})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audience candidates: %w", translateErr(err))
	}
	return out, nil
}

// CreateAudienceExport records e and sets e.Seq.
func (s *store) CreateAudienceExport(ctx context.Context, e *vern.AudienceExport) error {
	err := s.q.QueryRowContext(ctx, `INSERT INTO audience_exports (id, audience, purpose, recipient, format, actor, people, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		e.ID, e.Audience, e.Purpose, e.Recipient, e.Format, e.Actor, e.People, e.At.UTC()).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("insert audience export: %w", translateErr(err))
	}
	return nil
}

// FindAudienceExports returns an audience's exports, newest first.
func (s *store) FindAudienceExports(ctx context.Context, audience string) ([]*vern.AudienceExport, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, seq, audience, purpose, recipient, format, actor, people, at FROM audience_exports
		WHERE audience = $1 ORDER BY at DESC, seq DESC`, audience)
	if err != nil {
		return nil, fmt.Errorf("find audience exports: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.AudienceExport, error) {
		var e vern.AudienceExport
		if err := row.Scan(&e.ID, &e.Seq, &e.Audience, &e.Purpose, &e.Recipient, &e.Format, &e.Actor, &e.People, &e.At); err != nil {
			return nil, translateErr(err)
		}
		e.At = e.At.UTC()
		return &e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find audience exports: %w", err)
	}
	return out, nil
}

func encodeRules(a *vern.Audience) (inc, exc string, err error) {
	enc := func(rs []vern.AudienceRule) (string, error) {
		if rs == nil {
			rs = []vern.AudienceRule{}
		}
		b, err := json.Marshal(rs)
		return string(b), err
	}
	if inc, err = enc(a.Include); err != nil {
		return "", "", fmt.Errorf("encode audience rules: %w", err)
	}
	if exc, err = enc(a.Exclude); err != nil {
		return "", "", fmt.Errorf("encode audience rules: %w", err)
	}
	return inc, exc, nil
}

func scanAudience(row scanner) (*vern.Audience, error) {
	var a vern.Audience
	var inc, exc []byte
	if err := row.Scan(&a.Name, &a.Purpose, &a.Use, &a.Description, &inc, &exc, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, translateErr(err)
	}
	if err := json.Unmarshal(inc, &a.Include); err != nil {
		return nil, fmt.Errorf("decode audience rules: %w", err)
	}
	if err := json.Unmarshal(exc, &a.Exclude); err != nil {
		return nil, fmt.Errorf("decode audience rules: %w", err)
	}
	if len(a.Include) == 0 {
		a.Include = nil
	}
	if len(a.Exclude) == 0 {
		a.Exclude = nil
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// FindAudienceLedger reads the ledger and contracts of an id range.
func (s *store) FindAudienceLedger(ctx context.Context, afterID, lastID string) (map[string][]*vern.ConsentEvent, map[string][]*vern.Contract, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT person_id, seq, kind, purpose, policy_version FROM consent_events
		WHERE person_id > $1 AND person_id <= $2 ORDER BY person_id, seq`, afterID, lastID)
	if err != nil {
		return nil, nil, fmt.Errorf("find audience ledger: %w", translateErr(err))
	}
	events := map[string][]*vern.ConsentEvent{}
	for rows.Next() {
		var e vern.ConsentEvent
		if err := rows.Scan(&e.PersonID, &e.Seq, &e.Kind, &e.Purpose, &e.PolicyVersion); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan audience ledger: %w", translateErr(err))
		}
		events[e.PersonID] = append(events[e.PersonID], &e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, nil, fmt.Errorf("find audience ledger: %w", translateErr(err))
	}
	rows, err = s.q.QueryContext(ctx, `SELECT id, person_id, reference, started_at, ended_at, created_at FROM contracts
		WHERE person_id > $1 AND person_id <= $2 ORDER BY person_id, started_at, id`, afterID, lastID)
	if err != nil {
		return nil, nil, fmt.Errorf("find audience contracts: %w", translateErr(err))
	}
	contracts := map[string][]*vern.Contract{}
	for rows.Next() {
		var c vern.Contract
		var ended sql.NullTime
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Reference, &c.StartedAt, &ended, &c.CreatedAt); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan audience contract: %w", translateErr(err))
		}
		c.StartedAt, c.CreatedAt = c.StartedAt.UTC(), c.CreatedAt.UTC()
		if ended.Valid {
			t := ended.Time.UTC()
			c.EndedAt = &t
		}
		contracts[c.PersonID] = append(contracts[c.PersonID], &c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, nil, fmt.Errorf("find audience contracts: %w", translateErr(err))
	}
	return events, contracts, nil
}

// AddAudienceExportMembers records the export's members in one statement.
func (s *store) AddAudienceExportMembers(ctx context.Context, seq int64, personIDs []string) error {
	if len(personIDs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(txs vern.Store) error {
		tx := txs.(*store)
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO audience_export_members (person_id, export_seq)
			SELECT p, $2 FROM unnest($1::text[]) AS t(p)`, personIDs, seq); err != nil {
			return fmt.Errorf("insert audience export members: %w", translateErr(err))
		}
		res, err := tx.q.ExecContext(ctx, `UPDATE audience_exports SET people = people + $1 WHERE seq = $2`, len(personIDs), seq)
		if err != nil {
			return fmt.Errorf("count audience export members: %w", translateErr(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("count audience export members: %w", err)
		} else if n == 0 {
			return vern.Errorf(vern.ENOTFOUND, "Audience export not found.")
		}
		return nil
	})
}

// FindSuppressionHashes returns every listed hash.
func (s *store) FindSuppressionHashes(ctx context.Context) ([][]byte, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT hash FROM suppressions`)
	if err != nil {
		return nil, fmt.Errorf("find suppression hashes: %w", translateErr(err))
	}
	return scanRows(rows, func(row scanner) ([]byte, error) {
		var h []byte
		return h, translateErr(row.Scan(&h))
	})
}
