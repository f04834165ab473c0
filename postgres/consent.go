package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

const consentEventColumns = `id, person_id, seq, kind, purpose, policy_version, notice_hash, channel, actor, page_url, user_agent, ip_prefix, at, prev_hash, hash, redacted`

// consentBatch is how many events EachConsentChain reads per query.
const consentBatch = 5000

// AppendConsentEvent stores e. The UNIQUE (person_id, seq) constraint turns
// a second append at the same position into ECONFLICT: of two transactions
// appending after the same event, the second waits on the index entry and
// fails once the first commits.
func (s *store) AppendConsentEvent(ctx context.Context, e *vern.ConsentEvent) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO consent_events (`+consentEventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		e.ID, e.PersonID, e.Seq, e.Kind, e.Purpose, e.PolicyVersion, e.NoticeHash, e.Channel, e.Actor,
		e.PageURL, e.UserAgent, e.IPPrefix, e.At.UTC(), nullBytes(e.PrevHash), e.Hash, e.Redacted)
	if err != nil {
		return fmt.Errorf("insert consent event: %w", translateErr(err))
	}
	return nil
}

// FindConsentEvents returns a person's events, oldest first.
func (s *store) FindConsentEvents(ctx context.Context, personID string) ([]*vern.ConsentEvent, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events WHERE person_id = $1 ORDER BY seq`, personID)
	if err != nil {
		return nil, fmt.Errorf("find consent events: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanConsentEvent)
	if err != nil {
		return nil, fmt.Errorf("find consent events: %w", err)
	}
	return out, nil
}

// FindConsentEventsOfPeople returns many people's events, keyed by person.
func (s *store) FindConsentEventsOfPeople(ctx context.Context, personIDs []string) (map[string][]*vern.ConsentEvent, error) {
	out := make(map[string][]*vern.ConsentEvent)
	if len(personIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events WHERE person_id = ANY($1) ORDER BY person_id, seq`, personIDs)
	if err != nil {
		return nil, fmt.Errorf("find consent events of people: %w", translateErr(err))
	}
	events, err := scanRows(rows, scanConsentEvent)
	if err != nil {
		return nil, fmt.Errorf("find consent events of people: %w", err)
	}
	for _, e := range events {
		out[e.PersonID] = append(out[e.PersonID], e)
	}
	return out, nil
}

// FindConsentHead returns the newest event's Seq and Hash.
func (s *store) FindConsentHead(ctx context.Context, personID string) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := s.q.QueryRowContext(ctx, `SELECT seq, hash FROM consent_events WHERE person_id = $1 ORDER BY seq DESC LIMIT 1`, personID).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, fmt.Errorf("find consent head: %w", translateErr(err))
	}
	return seq, hash, nil
}

// FindLastConsentEvent returns the person's event with the highest Seq.
func (s *store) FindLastConsentEvent(ctx context.Context, personID string) (*vern.ConsentEvent, error) {
	e, err := scanConsentEvent(s.q.QueryRowContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events
		WHERE person_id = $1 ORDER BY seq DESC LIMIT 1`, personID))
	if err != nil {
		return nil, fmt.Errorf("find last consent event: %w", err)
	}
	return e, nil
}

// FindConsentEventByID returns one event.
func (s *store) FindConsentEventByID(ctx context.Context, id string) (*vern.ConsentEvent, error) {
	e, err := scanConsentEvent(s.q.QueryRowContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("find consent event: %w", err)
	}
	return e, nil
}

// EachConsentChain walks every chain in (person_id, seq) order, one batch
// per query with keyset pagination. Each batch is read whole and its rows
// closed before fn runs, so no query stays open for the walk and fn may use
// the store. A chain that spans batches is carried over to the next one.
func (s *store) EachConsentChain(ctx context.Context, fn func(personID string, events []*vern.ConsentEvent) error) error {
	next := func(last *vern.ConsentEvent) ([]*vern.ConsentEvent, error) { return s.consentEventsAfter(ctx, last) }
	return walkChains(consentBatch, next, func(r *vern.ConsentEvent) string { return r.PersonID }, fn)
}

// consentEventsAfter returns the next batch of events after last in
// (person_id, seq) order, or the first batch when last is nil.
func (s *store) consentEventsAfter(ctx context.Context, last *vern.ConsentEvent) ([]*vern.ConsentEvent, error) {
	var rows *sql.Rows
	var err error
	if last == nil {
		rows, err = s.q.QueryContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events
			ORDER BY person_id, seq LIMIT $1`, consentBatch)
	} else {
		rows, err = s.q.QueryContext(ctx, `SELECT `+consentEventColumns+` FROM consent_events
			WHERE (person_id, seq) > ($1, $2) ORDER BY person_id, seq LIMIT $3`, last.PersonID, last.Seq, consentBatch)
	}
	if err != nil {
		return nil, fmt.Errorf("walk consent chains: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanConsentEvent)
	if err != nil {
		return nil, fmt.Errorf("walk consent chains: %w", err)
	}
	return out, nil
}

func scanConsentEvent(row scanner) (*vern.ConsentEvent, error) {
	var e vern.ConsentEvent
	var at time.Time
	if err := row.Scan(&e.ID, &e.PersonID, &e.Seq, &e.Kind, &e.Purpose, &e.PolicyVersion, &e.NoticeHash, &e.Channel, &e.Actor,
		&e.PageURL, &e.UserAgent, &e.IPPrefix, &at, &e.PrevHash, &e.Hash, &e.Redacted); err != nil {
		return nil, translateErr(err)
	}
	e.At = at.UTC()
	return &e, nil
}

// RedactConsentEvents clears the evidence fields of a person's events not
// yet redacted. Ids, kinds, purposes, policy versions, times and both
// hashes stay, so the chain's links and every checkpoint still verify.
func (s *store) RedactConsentEvents(ctx context.Context, personID string) (int, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
		user_agent = '', ip_prefix = '', redacted = true WHERE person_id = $1 AND NOT redacted`, personID)
	if err != nil {
		return 0, fmt.Errorf("redact consent events: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("redact consent events: %w", err)
	}
	return int(n), nil
}
