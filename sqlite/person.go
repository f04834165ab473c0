package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const personColumns = `id, email_index, wrapped_key, sealed, language, organization_id, source_channel, source_ref, held_until, purposes, created_at, updated_at`

// CreatePerson inserts p.
func (s *store) CreatePerson(ctx context.Context, p *vern.SealedPerson) error {
	_, err := s.exec(ctx, `INSERT INTO people (`+personColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		personArgs(p)...)
	if err != nil {
		return fmt.Errorf("insert person: %w", translateErr(err))
	}
	return nil
}

// CreatePeople inserts ps, skipping existing emails. One prepared
// statement is run per person: SQLite parses a many-row VALUES list slower
// than it executes the rows. Rows go in blind-index order, so consecutive
// inserts land on neighbouring pages of that (random) index.
func (s *store) CreatePeople(ctx context.Context, ps []*vern.SealedPerson) (int, error) {
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, func(a, b *vern.SealedPerson) int { return bytes.Compare(a.EmailIndex, b.EmailIndex) })
	inserted := 0
	err := s.InTx(ctx, func(txs vern.Store) error {
		inserted = 0 // fn may run again
		tx := txs.(*store)
		ctx := context.WithoutCancel(ctx) // see stmt.go: never interrupt the shared writer
		const q = `INSERT INTO people (` + personColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email_index) DO NOTHING`
		st, err := tx.tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare insert people: %w", translateErr(err))
		}
		defer st.Close()
		for _, p := range sorted {
			res, err := st.ExecContext(ctx, personArgs(p)...)
			if err != nil {
				return fmt.Errorf("insert people: %w", translateErr(err))
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("insert people: %w", err)
			}
			inserted += int(n)
		}
		return nil
	})
	return inserted, err
}

func personArgs(p *vern.SealedPerson) []any {
	return []any{p.ID, nullBytes(p.EmailIndex), p.WrappedKey, p.Sealed, p.Language, nullString(p.OrganizationID),
		p.SourceChannel, p.SourceRef, p.HeldUntil, vern.JoinPurposes(p.Purposes), formatTime(p.CreatedAt), formatTime(p.UpdatedAt)}
}

// FindPersonByID returns the person with id, unless erased.
func (s *store) FindPersonByID(ctx context.Context, id string) (*vern.SealedPerson, error) {
	p, err := scanPerson(s.readRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ? AND erased_at IS NULL`, id))
	if err != nil {
		return nil, fmt.Errorf("find person: %w", err)
	}
	return p, nil
}

// FindPersonByIDForUpdate returns the person with id. SQLite transactions
// here are IMMEDIATE on the single writer, so the row cannot change under
// the caller before commit.
func (s *store) FindPersonByIDForUpdate(ctx context.Context, id string) (*vern.SealedPerson, error) {
	return s.FindPersonByID(ctx, id)
}

// FindPersonByEmailIndex returns the person whose email has index.
func (s *store) FindPersonByEmailIndex(ctx context.Context, index []byte) (*vern.SealedPerson, error) {
	p, err := scanPerson(s.readRow(ctx, `SELECT `+personColumns+` FROM people WHERE email_index = ? AND erased_at IS NULL`, index))
	if err != nil {
		return nil, fmt.Errorf("find person by email: %w", err)
	}
	return p, nil
}

// FindPersonIDsByEmailIndex maps each known index to its person's id.
func (s *store) FindPersonIDsByEmailIndex(ctx context.Context, indexes [][]byte) (map[string]string, error) {
	out := make(map[string]string, len(indexes))
	for len(indexes) > 0 {
		chunk := indexes[:min(len(indexes), 5000)]
		indexes = indexes[len(chunk):]
		args := make([]any, len(chunk))
		for i, x := range chunk {
			args[i] = x
		}
		q := `SELECT email_index, id FROM people WHERE email_index IN (?` + strings.Repeat(",?", len(chunk)-1) + `) AND erased_at IS NULL`
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx)
		}
		rows, err := s.r.QueryContext(qctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("find people by email: %w", translateErr(err))
		}
		for rows.Next() {
			var idx []byte
			var id string
			if err := rows.Scan(&idx, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan person id: %w", err)
			}
			out[string(idx)] = id
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("find people by email: %w", translateErr(err))
		}
	}
	return out, nil
}

// UpdatePerson replaces p's stored fields, unless p was erased.
func (s *store) UpdatePerson(ctx context.Context, p *vern.SealedPerson) error {
	res, err := s.exec(ctx, `UPDATE people SET email_index = ?, sealed = ?, language = ?, organization_id = ?, held_until = ?, purposes = ?, updated_at = ?
		WHERE id = ? AND erased_at IS NULL`,
		nullBytes(p.EmailIndex), p.Sealed, p.Language, nullString(p.OrganizationID), p.HeldUntil, vern.JoinPurposes(p.Purposes), formatTime(p.UpdatedAt), p.ID)
	if err != nil {
		return fmt.Errorf("update person: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update person: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Person not found.")
	}
	return nil
}

// CountPeople returns the number of people not erased: all of them, by
// the smallest index as before erasure existed, less the few erased, by
// their partial index, rather than a filter that reads every row.
func (s *store) CountPeople(ctx context.Context) (int, error) {
	var n int
	if err := s.readRow(ctx, `SELECT (SELECT count(*) FROM people) - (SELECT count(*) FROM people WHERE erased_at IS NOT NULL)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count people: %w", translateErr(err))
	}
	return n, nil
}

// ErasePerson overwrites everything of a person but the id with nothing,
// leaving a tombstone; secure_delete (db.go) zeroes the freed bytes.
func (s *store) ErasePerson(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE people SET wrapped_key = X'', sealed = X'', email_index = NULL, language = '',
		organization_id = NULL, source_ref = '', held_until = '', purposes = '', erased_at = ?, updated_at = ?
		WHERE id = ? AND erased_at IS NULL`, formatTime(at), formatTime(at), id)
	if err != nil {
		return fmt.Errorf("erase person: %w", translateErr(err))
	}
	return personUpdated(res, "erase person")
}

// SetPersonHold sets a person's HeldUntil, unless the person was erased.
func (s *store) SetPersonHold(ctx context.Context, id string, heldUntil string) error {
	res, err := s.exec(ctx, `UPDATE people SET held_until = ? WHERE id = ? AND erased_at IS NULL`, heldUntil, id)
	if err != nil {
		return fmt.Errorf("set person hold: %w", translateErr(err))
	}
	return personUpdated(res, "set person hold")
}

// personUpdated turns an update of no row into ENOTFOUND.
func personUpdated(res sql.Result, what string) error {
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Person not found.")
	}
	return nil
}

func scanPerson(row *sql.Row) (*vern.SealedPerson, error) {
	var p vern.SealedPerson
	var org sql.NullString
	var purposes string
	var created, updated string
	err := row.Scan(&p.ID, &p.EmailIndex, &p.WrappedKey, &p.Sealed, &p.Language, &org, &p.SourceChannel, &p.SourceRef, &p.HeldUntil, &purposes, &created, &updated)
	if err != nil {
		return nil, translateErr(err)
	}
	p.OrganizationID = org.String
	p.Purposes = vern.SplitPurposes(purposes)
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &p, nil
}
