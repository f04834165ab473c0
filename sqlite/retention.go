package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

// query runs a read with a statement text that varies (IN lists), so it
// bypasses the statement caches; inside a transaction it reads the
// transaction's own writes.
func (s *store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.tx != nil {
		return s.tx.QueryContext(context.WithoutCancel(ctx), q, args...)
	}
	return s.r.QueryContext(ctx, q, args...)
}

// execVar runs a statement whose text varies (IN lists), bypassing the
// statement cache, which is for constant statements.
func (s *store) execVar(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s.tx != nil {
		return s.tx.ExecContext(context.WithoutCancel(ctx), q, args...)
	}
	return s.w.ExecContext(ctx, q, args...)
}

// inList returns "(?,?,…)" for n values and the values as arguments.
func inList(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(?" + strings.Repeat(",?", len(ids)-1) + ")", args
}

// FindRetentionFacts reads a page of living people by id, then each
// table's rows for the page's id range in one range scan of that table's
// person index: no per-person lookups.
func (s *store) FindRetentionFacts(ctx context.Context, after string, limit int) ([]*vern.RetentionFacts, error) {
	facts, err := s.retentionPeople(ctx, `id > ? AND erased_at IS NULL ORDER BY id LIMIT ?`, after, limit)
	if err != nil || len(facts) == 0 {
		return facts, err
	}
	where := `person_id > ? AND person_id <= ?`
	if err := s.retentionDetails(ctx, facts, where, []any{after, facts[len(facts)-1].PersonID}); err != nil {
		return nil, err
	}
	return facts, nil
}

// FindRetentionFactsOf reads the facts of the listed living people. SQLite
// has one writer, so inside InTx nothing can change them before commit.
func (s *store) FindRetentionFactsOf(ctx context.Context, ids []string) ([]*vern.RetentionFacts, error) {
	var out []*vern.RetentionFacts
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		facts, err := s.retentionPeople(ctx, `id IN `+in+` AND erased_at IS NULL ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		if len(facts) == 0 {
			continue
		}
		if err := s.retentionDetails(ctx, facts, `person_id IN `+in, args); err != nil {
			return nil, err
		}
		var orgs []string
		for _, f := range facts {
			if f.OrganizationID != "" {
				orgs = append(orgs, f.OrganizationID)
			}
		}
		if len(orgs) > 0 {
			oin, oargs := inList(orgs)
			counts := map[string]int{}
			err := s.each(ctx, `SELECT organization_id, count(*) FROM people WHERE organization_id IN `+oin+` AND erased_at IS NULL GROUP BY organization_id`, oargs,
				func(rows *sql.Rows) error {
					var org string
					var n int
					if err := rows.Scan(&org, &n); err != nil {
						return err
					}
					counts[org] = n
					return nil
				})
			if err != nil {
				return nil, fmt.Errorf("count organisation people: %w", err)
			}
			for _, f := range facts {
				f.OrganizationPeople = counts[f.OrganizationID]
			}
		}
		out = append(out, facts...)
	}
	return out, nil
}

func (s *store) retentionPeople(ctx context.Context, where string, args ...any) ([]*vern.RetentionFacts, error) {
	var out []*vern.RetentionFacts
	err := s.each(ctx, `SELECT id, created_at, source_channel, coalesce(organization_id, ''), email_index, held_until, purposes
		FROM people WHERE `+where, args, func(rows *sql.Rows) error {
		var f vern.RetentionFacts
		var purposes string
		var created string
		if err := rows.Scan(&f.PersonID, &created, &f.SourceChannel, &f.OrganizationID, &f.EmailIndex, &f.HeldUntil, &purposes); err != nil {
			return err
		}
		f.Purposes = vern.SplitPurposes(purposes)
		var err error
		f.CreatedAt, err = parseTime(created)
		out = append(out, &f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find retention facts: %w", err)
	}
	return out, nil
}

// retentionDetails fills in facts from the tables that name a person,
// each read with where over person_id.
func (s *store) retentionDetails(ctx context.Context, facts []*vern.RetentionFacts, where string, args []any) error {
	byID := make(map[string]*vern.RetentionFacts, len(facts))
	for _, f := range facts {
		byID[f.PersonID] = f
	}
	steps := []struct {
		q    string
		scan func(rows *sql.Rows) error
	}{
		{`SELECT person_id, count(*), max(created_at) FROM interactions WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var id string
			var n int
			var last string
			if err := rows.Scan(&id, &n, &last); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				t, err := parseTime(last)
				f.Interactions, f.LastInteraction = n, t
				return err
			}
			return nil
		}},
		{`SELECT person_id, count(*), count(*) - count(ended_at), coalesce(max(ended_at), '') FROM contracts WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var id string
			var n, open int
			var last string
			if err := rows.Scan(&id, &n, &open, &last); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.Contracts, f.ContractInForce = n, open > 0
				if last != "" {
					t, err := parseTime(last)
					f.LastContractEnd = t
					return err
				}
			}
			return nil
		}},
		{`SELECT person_id, max(hold_until) FROM documents WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var id, until string
			if err := rows.Scan(&id, &until); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.DocumentsHeldUntil = until
			}
			return nil
		}},
		{`SELECT person_id, count(*) FROM requests WHERE ` + where + ` AND closed_at IS NULL GROUP BY person_id`, func(rows *sql.Rows) error {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.OpenRequests = n
			}
			return nil
		}},
		{`SELECT person_id, kind, purpose, at, redacted FROM consent_events WHERE ` + where + ` ORDER BY person_id, seq`, func(rows *sql.Rows) error {
			var id, kind, purpose, at string
			var redacted bool
			if err := rows.Scan(&id, &kind, &purpose, &at, &redacted); err != nil {
				return err
			}
			f := byID[id]
			if f == nil {
				return nil
			}
			switch kind {
			case vern.EventConsentGranted, vern.EventConsentWithdrawn:
				t, err := parseTime(at)
				if err != nil {
					return err
				}
				if f.Consents == nil {
					f.Consents = map[string]vern.ConsentFact{}
				}
				f.Consents[purpose] = vern.ConsentFact{Kind: kind, At: t, Redacted: redacted}
			case vern.EventObjection:
				f.Objected = true
			case vern.EventRestrictionPlaced:
				f.Restricted = true
			case vern.EventRestrictionLifted:
				f.Restricted = false
			}
			return nil
		}},
	}
	for _, st := range steps {
		if err := s.each(ctx, st.q, args, st.scan); err != nil {
			return fmt.Errorf("find retention facts: %w", err)
		}
	}
	return nil
}

// each runs q and calls scan for every row.
func (s *store) each(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return translateErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return translateErr(err)
		}
	}
	return translateErr(rows.Err())
}

// ErasePeople crypto-shreds the listed people in four statements per
// chunk (their visitor links go too); secure_delete (db.go) zeroes the freed bytes.
func (s *store) ErasePeople(ctx context.Context, ids []string, at time.Time) (people, interactions, events int, err error) {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		res, err := s.execVar(ctx, `DELETE FROM interactions WHERE person_id IN `+in, args...)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
		}
		interactions += affected(res)
		if _, err := s.execVar(ctx, `DELETE FROM visitor_links WHERE person_id IN `+in, args...); err != nil {
			return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
		}
		res, err = s.execVar(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
			user_agent = '', ip_prefix = '', redacted = 1 WHERE person_id IN `+in+` AND redacted = 0`, args...)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
		}
		events += affected(res)
		res, err = s.execVar(ctx, `UPDATE people SET wrapped_key = X'', sealed = X'', email_index = NULL, language = '',
			organization_id = NULL, source_ref = '', held_until = '', purposes = '', erased_at = ?, updated_at = ?
			WHERE id IN `+in+` AND erased_at IS NULL`, append([]any{formatTime(at), formatTime(at)}, args...)...)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
		}
		people += affected(res)
	}
	return people, interactions, events, nil
}

func affected(res sql.Result) int {
	n, _ := res.RowsAffected() // the driver always knows
	return int(n)
}

// NotifyChanges announces each key after commit.
func (s *store) NotifyChanges(ctx context.Context, topic string, keys []string) error {
	for _, k := range keys {
		if err := s.NotifyChange(ctx, topic, k); err != nil {
			return err
		}
	}
	return nil
}

// AddSuppressions adds each entry; inside a transaction the inserts share
// one commit.
func (s *store) AddSuppressions(ctx context.Context, ss []*vern.Suppression) error {
	for _, sup := range ss {
		if err := s.AddSuppression(ctx, sup); err != nil {
			return err
		}
	}
	return nil
}

// RedactConsentEventsByID redacts the listed events in one statement
// per chunk.
func (s *store) RedactConsentEventsByID(ctx context.Context, ids []string) (int, error) {
	n := 0
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		res, err := s.execVar(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
			user_agent = '', ip_prefix = '', redacted = 1 WHERE id IN `+in+` AND redacted = 0`, args...)
		if err != nil {
			return 0, fmt.Errorf("redact consent events: %w", translateErr(err))
		}
		n += affected(res)
	}
	return n, nil
}

// FindInteractionsDue reads the interactions f selects through the
// interactions_kind index (kind, created_at). Erasure deletes a person's
// interactions, so these are all of living people.
func (s *store) FindInteractionsDue(ctx context.Context, f vern.InteractionDue) ([]*vern.SealedInteraction, error) {
	var out []*vern.SealedInteraction
	err := s.each(ctx, `SELECT id, person_id, channel, kind, created_at FROM interactions
		WHERE kind = ? AND created_at < ? AND id > ? ORDER BY id LIMIT ?`, []any{f.Kind, formatTime(f.Before), f.After, f.Limit},
		func(rows *sql.Rows) error {
			var in vern.SealedInteraction
			var created string
			if err := rows.Scan(&in.ID, &in.PersonID, &in.Channel, &in.Kind, &created); err != nil {
				return err
			}
			var err error
			in.CreatedAt, err = parseTime(created)
			out = append(out, &in)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("find interactions due: %w", err)
	}
	return out, nil
}

// DeleteInteractionsByID deletes the listed interactions; secure_delete
// (db.go) zeroes the freed bytes.
func (s *store) DeleteInteractionsByID(ctx context.Context, ids []string) (int, error) {
	n := 0
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		res, err := s.execVar(ctx, `DELETE FROM interactions WHERE id IN `+in, args...)
		if err != nil {
			return 0, fmt.Errorf("delete interactions: %w", translateErr(err))
		}
		n += affected(res)
	}
	return n, nil
}

// leaseTime turns the zero time (a released lease) into SQL NULL.
func leaseTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// CreateRetentionRun stores r; the UNIQUE unfinished column refuses a
// second unfinished run.
func (s *store) CreateRetentionRun(ctx context.Context, r *vern.RetentionRun) error {
	_, err := s.exec(ctx, `INSERT INTO retention_runs (id, as_of, started_at, cursor, report, finished_at, unfinished, lease_owner, lease_until)
		VALUES (?, ?, ?, ?, ?, NULL, 1, ?, ?)`, r.ID, formatTime(r.AsOf), formatTime(r.StartedAt), r.Cursor, r.Report, r.LeaseOwner, leaseTime(r.LeaseUntil))
	if err != nil {
		return fmt.Errorf("create retention run: %w", translateErr(err))
	}
	return nil
}

const retentionRunColumns = `id, as_of, started_at, cursor, report, finished_at, lease_owner, lease_until`

func scanRetentionRun(row scanner) (*vern.RetentionRun, error) {
	var r vern.RetentionRun
	var asOf, started string
	var finished, leaseUntil sql.NullString
	if err := row.Scan(&r.ID, &asOf, &started, &r.Cursor, &r.Report, &finished, &r.LeaseOwner, &leaseUntil); err != nil {
		return nil, translateErr(err)
	}
	var err error
	if r.AsOf, err = parseTime(asOf); err != nil {
		return nil, err
	}
	if r.StartedAt, err = parseTime(started); err != nil {
		return nil, err
	}
	if err := parseNullTime(finished, &r.FinishedAt); err != nil {
		return nil, err
	}
	if leaseUntil.Valid {
		if r.LeaseUntil, err = parseTime(leaseUntil.String); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// FindUnfinishedRetentionRun returns the run not yet finished.
func (s *store) FindUnfinishedRetentionRun(ctx context.Context) (*vern.RetentionRun, error) {
	r, err := scanRetentionRun(s.readRow(ctx, `SELECT `+retentionRunColumns+` FROM retention_runs WHERE unfinished = 1`))
	if err != nil {
		return nil, fmt.Errorf("find unfinished retention run: %w", err)
	}
	return r, nil
}

// TakeRetentionRun leases the run in one UPDATE whose WHERE is the
// compare-and-set; the single writer orders it with every batch's renewal.
func (s *store) TakeRetentionRun(ctx context.Context, r *vern.RetentionRun, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE retention_runs SET lease_owner = ?, lease_until = ?
		WHERE id = ? AND unfinished = 1 AND (lease_owner IN ('', ?) OR lease_until IS NULL OR lease_until < ?)`,
		r.LeaseOwner, leaseTime(r.LeaseUntil), r.ID, r.LeaseOwner, formatTime(now))
	if err != nil {
		return fmt.Errorf("take retention run: %w", translateErr(err))
	}
	if affected(res) == 0 {
		return s.retentionRunMissed(ctx, r.ID, `unfinished = 1 AND `)
	}
	return nil
}

// retentionRunMissed tells why an update of run id matched no row:
// ENOTFOUND when no such run (matching cond) exists, ECONFLICT when
// another sweep holds it.
func (s *store) retentionRunMissed(ctx context.Context, id, cond string) error {
	var n int
	if err := s.readRow(ctx, `SELECT count(*) FROM retention_runs WHERE `+cond+`id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("find retention run: %w", translateErr(err))
	}
	if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Retention run not found.")
	}
	return vern.Errorf(vern.ECONFLICT, "Another retention sweep is working on run %s.", id)
}

// UpdateRetentionRun stores r's progress and renews its lease, if r's
// owner still holds it; a finished run leaves the unfinished slot free.
func (s *store) UpdateRetentionRun(ctx context.Context, r *vern.RetentionRun) error {
	var finished, unfinished any = nil, 1
	if r.FinishedAt != nil {
		finished, unfinished = formatTime(*r.FinishedAt), nil
	}
	res, err := s.exec(ctx, `UPDATE retention_runs SET cursor = ?, report = ?, finished_at = ?, unfinished = ?, lease_until = ?
		WHERE id = ? AND lease_owner = ?`,
		r.Cursor, r.Report, finished, unfinished, leaseTime(r.LeaseUntil), r.ID, r.LeaseOwner)
	if err != nil {
		return fmt.Errorf("update retention run: %w", translateErr(err))
	}
	if affected(res) == 0 {
		return s.retentionRunMissed(ctx, r.ID, "")
	}
	return nil
}

// FindRetentionRuns returns the newest runs first.
func (s *store) FindRetentionRuns(ctx context.Context, limit int) ([]*vern.RetentionRun, error) {
	rows, err := s.readRows(ctx, `SELECT `+retentionRunColumns+` FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("find retention runs: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanRetentionRun)
	if err != nil {
		return nil, fmt.Errorf("find retention runs: %w", err)
	}
	return out, nil
}
