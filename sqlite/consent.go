package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vernhq/vern"
)

const consentEventColumns = `id, person_id, seq, kind, purpose, policy_version, notice_hash, channel, actor, page_url, user_agent, ip_prefix, at, prev_hash, hash, redacted`

// consentBatch is how many events EachConsentChain reads per query.
const consentBatch = 5000

// AppendConsentEvent stores e. The UNIQUE (person_id, seq) constraint turns
// a second append at the same position into ECONFLICT.
func (s *store) AppendConsentEvent(ctx context.Context, e *vern.ConsentEvent) error {
	_, err := s.exec(ctx, `INSERT INTO consent_events (`+consentEventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.PersonID, e.Seq, e.Kind, e.Purpose, e.PolicyVersion, e.NoticeHash, e.Channel, e.Actor,
		e.PageURL, e.UserAgent, e.IPPrefix, formatTime(e.At), nullBytes(e.PrevHash), e.Hash, e.Redacted)
	if err != nil {
		return fmt.Errorf("insert consent event: %w", translateErr(err))
	}
	return nil
}

// FindConsentEvents returns a person's events, oldest first.
func (s *store) FindConsentEvents(ctx context.Context, personID string) ([]*vern.ConsentEvent, error) {
	rows, err := s.readRows(ctx, `SELECT `+consentEventColumns+` FROM consent_events WHERE person_id = ? ORDER BY seq`, personID)
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
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 5000)]
		personIDs = personIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := `SELECT ` + consentEventColumns + ` FROM consent_events WHERE person_id IN (?` + strings.Repeat(",?", len(chunk)-1) + `) ORDER BY person_id, seq`
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx)
		}
		rows, err := s.r.QueryContext(qctx, q, args...)
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
	}
	return out, nil
}

// FindConsentHead returns the newest event's Seq and Hash.
func (s *store) FindConsentHead(ctx context.Context, personID string) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := s.readRow(ctx, `SELECT seq, hash FROM consent_events WHERE person_id = ? ORDER BY seq DESC LIMIT 1`, personID).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, fmt.Errorf("find consent head: %w", translateErr(err))
	}
	return seq, hash, nil
}

// FindLastConsentEvent returns the person's event with the highest Seq.
func (s *store) FindLastConsentEvent(ctx context.Context, personID string) (*vern.ConsentEvent, error) {
	e, err := scanConsentEvent(s.readRow(ctx, `SELECT `+consentEventColumns+` FROM consent_events
		WHERE person_id = ? ORDER BY seq DESC LIMIT 1`, personID))
	if err != nil {
		return nil, fmt.Errorf("find last consent event: %w", err)
	}
	return e, nil
}

// FindConsentEventByID returns one event.
func (s *store) FindConsentEventByID(ctx context.Context, id string) (*vern.ConsentEvent, error) {
	e, err := scanConsentEvent(s.readRow(ctx, `SELECT `+consentEventColumns+` FROM consent_events WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("find consent event: %w", err)
	}
	return e, nil
}

// EachConsentChain walks every chain in (person_id, seq) order, one batch
// per query with keyset pagination. Each batch is read whole and its
// statement closed before fn runs, so no read transaction stays open for the
// walk (which would keep the WAL from being checkpointed) and fn may use the
// store. A chain that spans batches is carried over to the next one.
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
		rows, err = s.readRows(ctx, `SELECT `+consentEventColumns+` FROM consent_events
			ORDER BY person_id, seq LIMIT ?`, consentBatch)
	} else {
		rows, err = s.readRows(ctx, `SELECT `+consentEventColumns+` FROM consent_events
			WHERE (person_id, seq) > (?, ?) ORDER BY person_id, seq LIMIT ?`, last.PersonID, last.Seq, consentBatch)
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
	var at string
	if err := row.Scan(&e.ID, &e.PersonID, &e.Seq, &e.Kind, &e.Purpose, &e.PolicyVersion, &e.NoticeHash, &e.Channel, &e.Actor,
		&e.PageURL, &e.UserAgent, &e.IPPrefix, &at, &e.PrevHash, &e.Hash, &e.Redacted); err != nil {
		return nil, translateErr(err)
	}
	var err error
	if e.At, err = parseTime(at); err != nil {
		return nil, err
	}
	return &e, nil
}

// RedactConsentEvents clears the evidence fields of a person's events not
// yet redacted. Ids, kinds, purposes, policy versions, times and both
// hashes stay, so the chain's links and every checkpoint still verify.
func (s *store) RedactConsentEvents(ctx context.Context, personID string) (int, error) {
	res, err := s.exec(ctx, `UPDATE consent_events SET notice_hash = '', channel = '', actor = '', page_url = '',
		user_agent = '', ip_prefix = '', redacted = 1 WHERE person_id = ? AND redacted = 0`, personID)
	if err != nil {
		return 0, fmt.Errorf("redact consent events: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("redact consent events: %w", err)
	}
	return int(n), nil
}
