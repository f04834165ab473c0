package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const personColumns = `id, email_index, wrapped_key, sealed, language, organization_id, source_channel, source_ref, held_until, purposes, created_at, updated_at`

// personColumnCount is how many columns personColumns names.
const personColumnCount = 12

// CreatePerson inserts p.
func (s *store) CreatePerson(ctx context.Context, p *vern.SealedPerson) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO people (`+personColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		personArgs(p)...)
	if err != nil {
		return fmt.Errorf("insert person: %w", translateErr(err))
	}
	return nil
}

// peoplePerInsert keeps a multi-row INSERT below PostgreSQL's 65535 parameters.
const peoplePerInsert = 1000

// CreatePeople inserts ps in multi-row statements, skipping existing emails.
func (s *store) CreatePeople(ctx context.Context, ps []*vern.SealedPerson) (int, error) {
	inserted := 0
	for len(ps) > 0 {
		chunk := ps[:min(len(ps), peoplePerInsert)]
		ps = ps[len(chunk):]
		var b strings.Builder
		b.WriteString(`INSERT INTO people (` + personColumns + `) VALUES `)
		args := make([]any, 0, len(chunk)*personColumnCount)
		for i, p := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j := range personColumnCount {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(i*personColumnCount + j + 1))
			}
			b.WriteByte(')')
			args = append(args, personArgs(p)...)
		}
		b.WriteString(` ON CONFLICT (email_index) DO NOTHING`)
		res, err := s.q.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return inserted, fmt.Errorf("insert people: %w", translateErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return inserted, fmt.Errorf("insert people: %w", err)
		}
		inserted += int(n)
	}
	return inserted, nil
}

func personArgs(p *vern.SealedPerson) []any {
	return []any{p.ID, nullBytes(p.EmailIndex), p.WrappedKey, p.Sealed, p.Language, nullString(p.OrganizationID),
		p.SourceChannel, p.SourceRef, p.HeldUntil, vern.JoinPurposes(p.Purposes), p.CreatedAt.UTC(), p.UpdatedAt.UTC()}
}

// FindPersonByID returns the person with id, unless erased.
func (s *store) FindPersonByID(ctx context.Context, id string) (*vern.SealedPerson, error) {
	p, err := scanPerson(s.q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1 AND erased_at IS NULL`, id))
	if err != nil {
		return nil, fmt.Errorf("find person: %w", err)
	}
	return p, nil
}

// FindPersonByIDForUpdate returns the person with id, row-locked until the
// surrounding transaction ends.
func (s *store) FindPersonByIDForUpdate(ctx context.Context, id string) (*vern.SealedPerson, error) {
	p, err := scanPerson(s.q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1 AND erased_at IS NULL FOR UPDATE`, id))
	if err != nil {
		return nil, fmt.Errorf("find person for update: %w", err)
	}
	return p, nil
}

// FindPersonByEmailIndex returns the person whose email has index.
func (s *store) FindPersonByEmailIndex(ctx context.Context, index []byte) (*vern.SealedPerson, error) {
	p, err := scanPerson(s.q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE email_index = $1 AND erased_at IS NULL`, index))
	if err != nil {
		return nil, fmt.Errorf("find person by email: %w", err)
	}
	return p, nil
}

// FindPersonIDsByEmailIndex maps each known index to its person's id.
func (s *store) FindPersonIDsByEmailIndex(ctx context.Context, indexes [][]byte) (map[string]string, error) {
	out := make(map[string]string, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	rows, err := s.q.QueryContext(ctx, `SELECT email_index, id FROM people WHERE email_index = ANY($1) AND erased_at IS NULL`, indexes)
	if err != nil {
		return nil, fmt.Errorf("find people by email: %w", translateErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var idx []byte
		var id string
		if err := rows.Scan(&idx, &id); err != nil {
			return nil, fmt.Errorf("scan person id: %w", err)
		}
		out[string(idx)] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find people by email: %w", translateErr(err))
	}
	return out, nil
}

// UpdatePerson replaces p's stored fields, unless p was erased.
func (s *store) UpdatePerson(ctx context.Context, p *vern.SealedPerson) error {
	res, err := s.q.ExecContext(ctx, `UPDATE people SET email_index = $1, sealed = $2, language = $3, organization_id = $4, held_until = $5, purposes = $6, updated_at = $7
		WHERE id = $8 AND erased_at IS NULL`,
		nullBytes(p.EmailIndex), p.Sealed, p.Language, nullString(p.OrganizationID), p.HeldUntil, vern.JoinPurposes(p.Purposes), p.UpdatedAt.UTC(), p.ID)
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

// CountPeople returns the number of people not erased: all of them less
// the few erased, found through their partial index.
func (s *store) CountPeople(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM people) - (SELECT count(*) FROM people WHERE erased_at IS NOT NULL)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count people: %w", translateErr(err))
	}
	return n, nil
}

// ErasePerson overwrites everything of a person but the id with nothing,
// leaving a tombstone.
func (s *store) ErasePerson(ctx context.Context, id string, at time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE people SET wrapped_key = '\x', sealed = '\x', email_index = NULL, language = '',
		organization_id = NULL, source_ref = '', held_until = '', purposes = '', erased_at = $1, updated_at = $1
		WHERE id = $2 AND erased_at IS NULL`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("erase person: %w", translateErr(err))
	}
	return personUpdated(res, "erase person")
}

// SetPersonHold sets a person's HeldUntil, unless the person was erased.
func (s *store) SetPersonHold(ctx context.Context, id string, heldUntil string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE people SET held_until = $1 WHERE id = $2 AND erased_at IS NULL`, heldUntil, id)
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
	var created, updated time.Time
	if err := row.Scan(&p.ID, &p.EmailIndex, &p.WrappedKey, &p.Sealed, &p.Language, &org, &p.SourceChannel, &p.SourceRef, &p.HeldUntil, &purposes, &created, &updated); err != nil {
		return nil, translateErr(err)
	}
	p.OrganizationID = org.String
	p.Purposes = vern.SplitPurposes(purposes)
	p.CreatedAt, p.UpdatedAt = created.UTC(), updated.UTC()
	return &p, nil
}
