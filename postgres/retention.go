package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

// FindRetentionFacts reads a page of living people by id, then each
// table's rows for the page's id range in one range scan of that table's
// person index: no per-person lookups.
func (s *store) FindRetentionFacts(ctx context.Context, after string, limit int) ([]*vern.RetentionFacts, error) {
	facts, err := s.retentionPeople(ctx, `id > $1 AND erased_at IS NULL ORDER BY id LIMIT $2`, after, limit)
	if err != nil || len(facts) == 0 {
		return facts, err
	}
	if err := s.retentionDetails(ctx, facts, `person_id > $1 AND person_id <= $2`, []any{after, facts[len(facts)-1].PersonID}); err != nil {
		return nil, err
	}
	return facts, nil
}

// FindRetentionFactsOf reads the facts of the listed living people,
// locking their rows inside a transaction (FOR UPDATE), so that no
// consent, interaction or contract written meanwhile by another node can
// slip between the decision and the erasure: such writes lock the person
// first.
func (s *store) FindRetentionFactsOf(ctx context.Context, ids []string) ([]*vern.RetentionFacts, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	lock := ""
	if s.inTx {
		lock = " FOR UPDATE"
	}
	facts, err := s.retentionPeople(ctx, `id = ANY($1) AND erased_at IS NULL ORDER BY id`+lock, ids)
	if err != nil || len(facts) == 0 {
		return facts, err
	}
	if err := s.retentionDetails(ctx, facts, `person_id = ANY($1)`, []any{ids}); err != nil {
		return nil, err
	}
	var orgs []string
	for _, f := range facts {
		if f.OrganizationID != "" {
			orgs = append(orgs, f.OrganizationID)
		}
	}
	if len(orgs) == 0 {
		return facts, nil
	}
	counts := map[string]int{}
	err = s.each(ctx, `SELECT organization_id, count(*) FROM people WHERE organization_id = ANY($1) AND erased_at IS NULL GROUP BY organization_id`,
		[]any{orgs}, func(rows *sql.Rows) error {
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
	return facts, nil
}

func (s *store) retentionPeople(ctx context.Context, where string, args ...any) ([]*vern.RetentionFacts, error) {
	var out []*vern.RetentionFacts
	err := s.each(ctx, `SELECT id, created_at, source_channel, coalesce(organization_id, ''), email_index, held_until, purposes
		FROM people WHERE `+where, args, func(rows *sql.Rows) error {
		var f vern.RetentionFacts
		var purposes string
		if err := rows.Scan(&f.PersonID, &f.CreatedAt, &f.SourceChannel, &f.OrganizationID, &f.EmailIndex, &f.HeldUntil, &purposes); err != nil {
			return err
		}
		f.Purposes = vern.SplitPurposes(purposes)
		f.CreatedAt = f.CreatedAt.UTC()
		out = append(out, &f)
		return nil
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
	var id string
	steps := []struct {
		q    string
		scan func(rows *sql.Rows) error
	}{
		{`SELECT person_id, count(*), max(created_at) FROM interactions WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var n int
			var last time.Time
			if err := rows.Scan(&id, &n, &last); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.Interactions, f.LastInteraction = n, last.UTC()
			}
			return nil
		}},
		{`SELECT person_id, count(*), count(*) - count(ended_at), max(ended_at) FROM contracts WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var n, open int
			var last sql.NullTime
			if err := rows.Scan(&id, &n, &open, &last); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.Contracts, f.ContractInForce = n, open > 0
				if last.Valid {
					f.LastContractEnd = last.Time.UTC()
				}
			}
			return nil
		}},
		{`SELECT person_id, max(hold_until) FROM documents WHERE ` + where + ` GROUP BY person_id`, func(rows *sql.Rows) error {
			var until string
			if err := rows.Scan(&id, &until); err != nil {
				return err
			}
			if f := byID[id]; f != nil {
				f.DocumentsHeldUntil = until
			}
			return nil
		}},
		{`SELECT person_id, count(*) FROM requests WHERE ` + where + ` AND closed_at IS NULL GROUP BY person_id`, func(rows *sql.Rows) error {
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
			var kind, purpose string
			var at time.Time
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
				if f.Consents == nil {
					f.Consents = map[string]vern.ConsentFact{}
				}
				f.Consents[purpose] = vern.ConsentFact{Kind: kind, At: at.UTC(), Redacted: redacted}
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
	rows, err := s.q.QueryContext(ctx, q, args...)
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

// ErasePeople crypto-shreds the listed people in four statements (their
// visitor links go too).
func (s *store) ErasePeople(ctx context.Context, ids []string, at time.Time) (people, interactions, events int, err error) {
	if len(ids) == 0 {
		return 0, 0, 0, nil
	}
	res, err := s.q.ExecContext(ctx, `DELETE FROM interactions WHERE person_id = ANY($1)`, ids)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
	}
	interactions = affected(res)
	if _, err := s.q.ExecContext(ctx, `DELETE FROM visitor_links WHERE person_id = ANY($1)`, ids); err != nil {
		return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
	}
	res, err = s.q.ExecContext(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
		user_agent = '', ip_prefix = '', redacted = true WHERE person_id = ANY($1) AND NOT redacted`, ids)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
	}
	events = affected(res)
	res, err = s.q.ExecContext(ctx, `UPDATE people SET wrapped_key = '\x', sealed = '\x', email_index = NULL, language = '',
		organization_id = NULL, source_ref = '', held_until = '', purposes = '', erased_at = $1, updated_at = $1
		WHERE id = ANY($2) AND erased_at IS NULL`, at.UTC(), ids)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("erase people: %w", translateErr(err))
	}
	return affected(res), interactions, events, nil
}

func affected(res sql.Result) int {
	n, _ := res.RowsAffected() // the driver always knows
	return int(n)
}

// NotifyChanges sends every notification in one statement; PostgreSQL
// delivers them at commit.
func (s *store) NotifyChanges(ctx context.Context, topic string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := s.q.ExecContext(ctx, `SELECT pg_notify($1, k) FROM unnest($2::text[]) AS k`, s.channel(topic), keys); err != nil {
		return fmt.Errorf("notify changes: %w", translateErr(err))
	}
	return nil
}

// AddSuppressions inserts every entry in one statement.
func (s *store) AddSuppressions(ctx context.Context, ss []*vern.Suppression) error {
	if len(ss) == 0 {
		return nil
	}
	hashes, reasons, ats := make([][]byte, len(ss)), make([]string, len(ss)), make([]time.Time, len(ss))
	for i, sup := range ss {
		hashes[i], reasons[i], ats[i] = sup.Hash, sup.Reason, sup.At.UTC()
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO suppressions (hash, reason, at)
		SELECT * FROM unnest($1::bytea[], $2::text[], $3::timestamptz[]) ON CONFLICT (hash) DO NOTHING`, hashes, reasons, ats)
	if err != nil {
		return fmt.Errorf("insert suppressions: %w", translateErr(err))
	}
	return nil
}

// RedactConsentEventsByID redacts the listed events in one statement.
func (s *store) RedactConsentEventsByID(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.q.ExecContext(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
		user_agent = '', ip_prefix = '', redacted = true WHERE id = ANY($1) AND NOT redacted`, ids)
	if err != nil {
		return 0, fmt.Errorf("redact consent events: %w", translateErr(err))
	}
	return affected(res), nil
}

// FindInteractionsDue reads the interactions f selects through the
// interactions_kind index (kind, created_at). Erasure deletes a person's
// interactions, so these are all of living people.
func (s *store) FindInteractionsDue(ctx context.Context, f vern.InteractionDue) ([]*vern.SealedInteraction, error) {
	var out []*vern.SealedInteraction
	err := s.each(ctx, `SELECT id, person_id, channel, kind, created_at FROM interactions
		WHERE kind = $1 AND created_at < $2 AND id > $3 ORDER BY id LIMIT $4`, []any{f.Kind, f.Before.UTC(), f.After, f.Limit},
		func(rows *sql.Rows) error {
			var in vern.SealedInteraction
			if err := rows.Scan(&in.ID, &in.PersonID, &in.Channel, &in.Kind, &in.CreatedAt); err != nil {
				return err
			}
			in.CreatedAt = in.CreatedAt.UTC()
			out = append(out, &in)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("find interactions due: %w", err)
	}
	return out, nil
}

// DeleteInteractionsByID deletes the listed interactions in one statement.
func (s *store) DeleteInteractionsByID(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.q.ExecContext(ctx, `DELETE FROM interactions WHERE id = ANY($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("delete interactions: %w", translateErr(err))
	}
	return affected(res), nil
}

// leaseTime turns the zero time (a released lease) into SQL NULL.
func leaseTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// CreateRetentionRun stores r; the UNIQUE unfinished column refuses a
// second unfinished run.
func (s *store) CreateRetentionRun(ctx context.Context, r *vern.RetentionRun) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO retention_runs (id, as_of, started_at, cursor, report, finished_at, unfinished, lease_owner, lease_until)
		VALUES ($1, $2, $3, $4, $5, NULL, true, $6, $7)`, r.ID, r.AsOf.UTC(), r.StartedAt.UTC(), r.Cursor, r.Report, r.LeaseOwner, leaseTime(r.LeaseUntil))
	if err != nil {
		return fmt.Errorf("create retention run: %w", translateErr(err))
	}
	return nil
}

const retentionRunColumns = `id, as_of, started_at, cursor, report, finished_at, lease_owner, lease_until`

func scanRetentionRun(row scanner) (*vern.RetentionRun, error) {
	var r vern.RetentionRun
	var finished, leaseUntil sql.NullTime
	if err := row.Scan(&r.ID, &r.AsOf, &r.StartedAt, &r.Cursor, &r.Report, &finished, &r.LeaseOwner, &leaseUntil); err != nil {
		return nil, translateErr(err)
	}
	r.AsOf, r.StartedAt = r.AsOf.UTC(), r.StartedAt.UTC()
	if finished.Valid {
		t := finished.Time.UTC()
		r.FinishedAt = &t
	}
	if leaseUntil.Valid {
		r.LeaseUntil = leaseUntil.Time.UTC()
	}
	return &r, nil
}

// FindUnfinishedRetentionRun returns the run not yet finished.
func (s *store) FindUnfinishedRetentionRun(ctx context.Context) (*vern.RetentionRun, error) {
	r, err := scanRetentionRun(s.q.QueryRowContext(ctx, `SELECT `+retentionRunColumns+` FROM retention_runs WHERE unfinished`))
	if err != nil {
		return nil, fmt.Errorf("find unfinished retention run: %w", err)
	}
	return r, nil
}

// TakeRetentionRun leases the run in one UPDATE whose WHERE is the
// compare-and-set: a concurrent batch of the owner holds the row lock
// until it commits its renewal, after which the WHERE is checked again
// and fails.
func (s *store) TakeRetentionRun(ctx context.Context, r *vern.RetentionRun, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE retention_runs SET lease_owner = $1, lease_until = $2
		WHERE id = $3 AND unfinished AND (lease_owner IN ('', $1) OR lease_until IS NULL OR lease_until < $4)`,
		r.LeaseOwner, leaseTime(r.LeaseUntil), r.ID, now.UTC())
	if err != nil {
		return fmt.Errorf("take retention run: %w", translateErr(err))
	}
	if affected(res) == 0 {
		return s.retentionRunMissed(ctx, r.ID, `unfinished AND `)
	}
	return nil
}

// retentionRunMissed tells why an update of run id matched no row:
// ENOTFOUND when no such run (matching cond) exists, ECONFLICT when
// another sweep holds it.
func (s *store) retentionRunMissed(ctx context.Context, id, cond string) error {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM retention_runs WHERE `+cond+`id = $1`, id).Scan(&n); err != nil {
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
	var finished, unfinished any = nil, true
	if r.FinishedAt != nil {
		finished, unfinished = r.FinishedAt.UTC(), nil
	}
	res, err := s.q.ExecContext(ctx, `UPDATE retention_runs SET cursor = $1, report = $2, finished_at = $3, unfinished = $4, lease_until = $5
		WHERE id = $6 AND lease_owner = $7`,
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
	rows, err := s.q.QueryContext(ctx, `SELECT `+retentionRunColumns+` FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("find retention runs: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanRetentionRun)
	if err != nil {
		return nil, fmt.Errorf("find retention runs: %w", err)
	}
	return out, nil
}
