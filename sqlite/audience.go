package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const audienceColumns = `name, purpose, use_as, description, include, exclude, created_at, updated_at`

// CreateAudience stores a.
func (s *store) CreateAudience(ctx context.Context, a *vern.Audience) error {
	inc, exc, err := encodeRules(a)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO audiences (`+audienceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Name, a.Purpose, a.Use, a.Description, inc, exc, formatTime(a.CreatedAt), formatTime(a.UpdatedAt))
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
	res, err := s.exec(ctx, `UPDATE audiences SET purpose = ?, use_as = ?, description = ?, include = ?, exclude = ?, updated_at = ? WHERE name = ?`,
		a.Purpose, a.Use, a.Description, inc, exc, formatTime(a.UpdatedAt), a.Name)
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
	a, err := scanAudience(s.readRow(ctx, `SELECT `+audienceColumns+` FROM audiences WHERE name = ?`, name))
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.ENOTFOUND, "Audience not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find audience: %w", err)
	}
	return a, nil
}

// FindAudiences returns every audience by name.
func (s *store) FindAudiences(ctx context.Context) ([]*vern.Audience, error) {
	rows, err := s.readRows(ctx, `SELECT `+audienceColumns+` FROM audiences ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find audiences: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanAudience)
	if err != nil {
		return nil, fmt.Errorf("find audiences: %w", err)
	}
	return out, nil
}

// FindAudienceCandidates returns a keyset page of living people by id,
// with only the columns an export needs; organisations' countries are
// read once for the page, not joined per row.
func (s *store) FindAudienceCandidates(ctx context.Context, afterID string, limit int) ([]*vern.AudienceCandidate, error) {
	rows, err := s.readRows(ctx, `SELECT id, email_index, wrapped_key, sealed, language, organization_id, source_channel, created_at
		FROM people WHERE id > ? AND erased_at IS NULL ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("find audience candidates: %w", translateErr(err))
	}
	out := make([]*vern.AudienceCandidate, 0, limit)
	people := make([]vern.SealedPerson, 0, limit)
	orgs := map[string]string{}
	defer rows.Close()
	for rows.Next() {
		people = append(people, vern.SealedPerson{})
		p := &people[len(people)-1]
		var org sql.NullString
		var created string
		if err := rows.Scan(&p.ID, &p.EmailIndex, &p.WrappedKey, &p.Sealed, &p.Language, &org, &p.SourceChannel, &created); err != nil {
			return nil, fmt.Errorf("scan audience candidate: %w", translateErr(err))
		}
		p.OrganizationID = org.String
		if org.Valid {
			orgs[org.String] = ""
		}
		if p.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &vern.AudienceCandidate{Person: p})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("find audience candidates: %w", translateErr(err))
	}
	if len(orgs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(orgs))
	for id := range orgs {
		args = append(args, id)
	}
	crows, err := s.readRows(ctx, `SELECT id, country FROM organizations WHERE id IN (SELECT value FROM json_each(?))`, jsonList(args))
	if err != nil {
		return nil, fmt.Errorf("find audience organisations: %w", translateErr(err))
	}
	for crows.Next() {
		var id, country string
		if err := crows.Scan(&id, &country); err != nil {
			crows.Close()
			return nil, fmt.Errorf("scan audience organisation: %w", translateErr(err))
		}
		orgs[id] = country
	}
	if err := errors.Join(crows.Err(), crows.Close()); err != nil {
		return nil, fmt.Errorf("find audience organisations: %w", translateErr(err))
	}
	for _, c := range out {
		c.OrgCountry = orgs[c.Person.OrganizationID]
	}
	return out, nil
}

// jsonList encodes ids as a JSON array, one bound parameter for any
// number of ids.
func jsonList(ids []any) string {
	b, _ := json.Marshal(ids) // strings only: cannot fail
	return string(b)
}

// CreateAudienceExport records e and sets e.Seq.
func (s *store) CreateAudienceExport(ctx context.Context, e *vern.AudienceExport) error {
	err := s.writeRow(ctx, `INSERT INTO audience_exports (id, audience, purpose, recipient, format, actor, people, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.ID, e.Audience, e.Purpose, e.Recipient, e.Format, e.Actor, e.People, formatTime(e.At)).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("insert audience export: %w", translateErr(err))
	}
	return nil
}

// FindAudienceExports returns an audience's exports, newest first.
func (s *store) FindAudienceExports(ctx context.Context, audience string) ([]*vern.AudienceExport, error) {
	rows, err := s.readRows(ctx, `SELECT id, seq, audience, purpose, recipient, format, actor, people, at FROM audience_exports
		WHERE audience = ? ORDER BY at DESC, seq DESC`, audience)
	if err != nil {
		return nil, fmt.Errorf("find audience exports: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.AudienceExport, error) {
		var e vern.AudienceExport
		var at string
		if err := row.Scan(&e.ID, &e.Seq, &e.Audience, &e.Purpose, &e.Recipient, &e.Format, &e.Actor, &e.People, &at); err != nil {
			return nil, translateErr(err)
		}
		var err error
		e.At, err = parseTime(at)
		return &e, err
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
	var inc, exc, created, updated string
	if err := row.Scan(&a.Name, &a.Purpose, &a.Use, &a.Description, &inc, &exc, &created, &updated); err != nil {
		return nil, translateErr(err)
	}
	if err := json.Unmarshal([]byte(inc), &a.Include); err != nil {
		return nil, fmt.Errorf("decode audience rules: %w", err)
	}
	if err := json.Unmarshal([]byte(exc), &a.Exclude); err != nil {
		return nil, fmt.Errorf("decode audience rules: %w", err)
	}
	if len(a.Include) == 0 {
		a.Include = nil
	}
	if len(a.Exclude) == 0 {
		a.Exclude = nil
	}
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if a.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &a, nil
}

// FindAudienceLedger reads the ledger and contracts of an id range, by
// the (person_id, seq) and (person_id, started_at) indexes.
func (s *store) FindAudienceLedger(ctx context.Context, afterID, lastID string) (map[string][]*vern.ConsentEvent, map[string][]*vern.Contract, error) {
	rows, err := s.readRows(ctx, `SELECT person_id, seq, kind, purpose, policy_version FROM consent_events
		WHERE person_id > ? AND person_id <= ? ORDER BY person_id, seq`, afterID, lastID)
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
	rows, err = s.readRows(ctx, `SELECT `+contractColumns+` FROM contracts WHERE person_id > ? AND person_id <= ? ORDER BY person_id, started_at, id`, afterID, lastID)
	if err != nil {
		return nil, nil, fmt.Errorf("find audience contracts: %w", translateErr(err))
	}
	contracts := map[string][]*vern.Contract{}
	for rows.Next() {
		var c vern.Contract
		var started, created string
		var ended sql.NullString
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Reference, &started, &ended, &created); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan audience contract: %w", translateErr(err))
		}
		if c.StartedAt, err = parseTime(started); err == nil {
			c.CreatedAt, err = parseTime(created)
		}
		if err == nil && ended.Valid {
			var t time.Time
			t, err = parseTime(ended.String)
			c.EndedAt = &t
		}
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		contracts[c.PersonID] = append(contracts[c.PersonID], &c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, nil, fmt.Errorf("find audience contracts: %w", translateErr(err))
	}
	return events, contracts, nil
}

// membersPerInsert is the rows of one multi-row INSERT: the statement is
// prepared once per transaction, so its parse cost is paid once while the
// driver's per-statement cost is shared by every row.
const membersPerInsert = 256

// AddAudienceExportMembers records the export's members in one transaction.
func (s *store) AddAudienceExportMembers(ctx context.Context, seq int64, personIDs []string) error {
	if len(personIDs) == 0 {
		return nil
	}
	insert := func(n int) string {
		return `INSERT INTO audience_export_members (person_id, export_seq) VALUES (?, ?)` + strings.Repeat(", (?, ?)", n-1)
	}
	return s.InTx(ctx, func(txs vern.Store) error {
		tx := txs.(*store)
		ctx := context.WithoutCancel(ctx) // see stmt.go: never interrupt the shared writer
		args := make([]any, 0, 2*membersPerInsert)
		var st *sql.Stmt
		defer func() {
			if st != nil {
				st.Close()
			}
		}()
		for lo := 0; lo < len(personIDs); lo += membersPerInsert {
			chunk := personIDs[lo:min(lo+membersPerInsert, len(personIDs))]
			args = args[:0]
			for _, id := range chunk {
				args = append(args, id, seq)
			}
			var err error
			if len(chunk) < membersPerInsert {
				_, err = tx.tx.ExecContext(ctx, insert(len(chunk)), args...)
			} else {
				if st == nil {
					if st, err = tx.tx.PrepareContext(ctx, insert(membersPerInsert)); err != nil {
						return fmt.Errorf("prepare insert audience export members: %w", translateErr(err))
					}
				}
				_, err = st.ExecContext(ctx, args...)
			}
			if err != nil {
				return fmt.Errorf("insert audience export members: %w", translateErr(err))
			}
		}
		res, err := tx.tx.ExecContext(ctx, `UPDATE audience_exports SET people = people + ? WHERE seq = ?`, len(personIDs), seq)
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
	rows, err := s.readRows(ctx, `SELECT hash FROM suppressions`)
	if err != nil {
		return nil, fmt.Errorf("find suppression hashes: %w", translateErr(err))
	}
	return scanRows(rows, func(row scanner) ([]byte, error) {
		var h []byte
		return h, translateErr(row.Scan(&h))
	})
}
