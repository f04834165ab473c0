package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

const requestColumns = `id, kind, status, person_id, email_index, wrapped_key, sealed, language, channel,
	code_hash, code_expires_at, code_attempts, verification, verified_at, received_at,
	first_due_on, due_on, extended_at, closed_at, reminded_on, created_at, updated_at`

// CreateRequest stores r.
func (s *store) CreateRequest(ctx context.Context, r *vern.SealedRequest) error {
	_, err := s.exec(ctx, `INSERT INTO requests (`+requestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.Status, nullString(r.PersonID), nullBytes(r.EmailIndex), nullBytes(r.WrappedKey), nullBytes(r.Sealed),
		r.Language, r.Channel, nullBytes(r.CodeHash), nullTime(r.CodeExpiresAt), r.CodeAttempts, r.Verification,
		nullTime(r.VerifiedAt), formatTime(r.ReceivedAt), r.FirstDueOn, r.DueOn, nullTime(r.ExtendedAt),
		nullTime(r.ClosedAt), r.RemindedOn, formatTime(r.CreatedAt), formatTime(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert request: %w", translateErr(err))
	}
	return nil
}

// FindRequest returns the request with id.
func (s *store) FindRequest(ctx context.Context, id string) (*vern.SealedRequest, error) {
	r, err := scanRequest(s.readRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("find request: %w", requestNotFound(err))
	}
	return r, nil
}

// FindRequestForUpdate returns the request with id. Transactions run on
// the single writer, so inside InTx the row cannot change under the caller
// before commit, and the read goes through the transaction.
func (s *store) FindRequestForUpdate(ctx context.Context, id string) (*vern.SealedRequest, error) {
	return s.FindRequest(ctx, id)
}

// UpdateRequest replaces r's stored fields but its id, kind, wrapped key
// and creation time.
func (s *store) UpdateRequest(ctx context.Context, r *vern.SealedRequest) error {
	res, err := s.exec(ctx, `UPDATE requests SET status = ?, person_id = ?, email_index = ?, sealed = ?, language = ?,
		channel = ?, code_hash = ?, code_expires_at = ?, code_attempts = ?, verification = ?, verified_at = ?,
		received_at = ?, first_due_on = ?, due_on = ?, extended_at = ?, closed_at = ?, reminded_on = ?, updated_at = ?
		WHERE id = ?`,
		r.Status, nullString(r.PersonID), nullBytes(r.EmailIndex), nullBytes(r.Sealed), r.Language,
		r.Channel, nullBytes(r.CodeHash), nullTime(r.CodeExpiresAt), r.CodeAttempts, r.Verification, nullTime(r.VerifiedAt),
		formatTime(r.ReceivedAt), r.FirstDueOn, r.DueOn, nullTime(r.ExtendedAt), nullTime(r.ClosedAt), r.RemindedOn,
		formatTime(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("update request: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update request: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Request not found.")
	}
	return nil
}

// ListRequests returns the requests matching f by due day, then id; the
// (due_on, id) index serves both the order and the continuation.
func (s *store) ListRequests(ctx context.Context, f vern.RequestFilter) ([]*vern.SealedRequest, error) {
	where, args := []string{"1 = 1"}, []any{}
	if len(f.Statuses) > 0 {
		where = append(where, `status IN (?`+strings.Repeat(",?", len(f.Statuses)-1)+`)`)
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if f.Kind != "" {
		where, args = append(where, `kind = ?`), append(args, f.Kind)
	}
	if f.PersonID != "" {
		where, args = append(where, `person_id = ?`), append(args, f.PersonID)
	}
	if f.DueBefore != "" {
		where, args = append(where, `due_on < ?`), append(args, f.DueBefore)
	}
	if f.AfterDueOn != "" || f.AfterID != "" {
		where, args = append(where, `(due_on, id) > (?, ?)`), append(args, f.AfterDueOn, f.AfterID)
	}
	args = append(args, requestLimit(f.Limit))
	qctx := ctx
	if s.tx != nil {
		qctx = context.WithoutCancel(ctx) // see stmt.go: never interrupt the shared writer
	}
	rows, err := s.r.QueryContext(qctx, `SELECT `+requestColumns+` FROM requests
		WHERE `+strings.Join(where, " AND ")+` ORDER BY due_on, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", translateErr(err))
	}
	out, err := scanRows(rows, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// requestLimit applies RequestFilter.Limit's default and ceiling.
func requestLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// CountRequestsByEmailSince counts an address's requests received since.
func (s *store) CountRequestsByEmailSince(ctx context.Context, emailIndex []byte, since time.Time) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT count(*) FROM requests WHERE email_index = ? AND received_at >= ?`,
		emailIndex, formatTime(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count requests: %w", translateErr(err))
	}
	return n, nil
}

// AppendRequestEvent stores e.
func (s *store) AppendRequestEvent(ctx context.Context, e *vern.RequestEvent) error {
	_, err := s.exec(ctx, `INSERT INTO request_events (id, request_id, from_status, to_status, actor, note, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.RequestID, e.From, e.To, e.Actor, e.Note, formatTime(e.At))
	if err != nil {
		return fmt.Errorf("insert request event: %w", translateErr(err))
	}
	return nil
}

// FindRequestEvents returns a request's history, oldest first; events of
// the same instant in the order they were appended.
func (s *store) FindRequestEvents(ctx context.Context, requestID string) ([]*vern.RequestEvent, error) {
	rows, err := s.readRows(ctx, `SELECT id, request_id, from_status, to_status, actor, note, at FROM request_events
		WHERE request_id = ? ORDER BY at, seq`, requestID)
	if err != nil {
		return nil, fmt.Errorf("find request events: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.RequestEvent, error) {
		var e vern.RequestEvent
		var at string
		if err := row.Scan(&e.ID, &e.RequestID, &e.From, &e.To, &e.Actor, &e.Note, &at); err != nil {
			return nil, translateErr(err)
		}
		var err error
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		return &e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find request events: %w", err)
	}
	return out, nil
}

// MarkRequestStep records a step as done. DO NOTHING rather than a failed
// insert, so that a caller told ECONFLICT may go on in the same
// transaction, as on PostgreSQL, where a failed statement ends it.
func (s *store) MarkRequestStep(ctx context.Context, requestID, step string, at time.Time, result []byte) error {
	res, err := s.exec(ctx, `INSERT INTO request_steps (request_id, step, at, result) VALUES (?, ?, ?, ?)
		ON CONFLICT (request_id, step) DO NOTHING`, requestID, step, formatTime(at), nullBytes(result))
	if err != nil {
		return fmt.Errorf("mark request step: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark request step: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ECONFLICT, "Request step already done.")
	}
	return nil
}

// FindRequestSteps returns a request's steps done, with their results.
func (s *store) FindRequestSteps(ctx context.Context, requestID string) (map[string][]byte, error) {
	rows, err := s.readRows(ctx, `SELECT step, result FROM request_steps WHERE request_id = ?`, requestID)
	if err != nil {
		return nil, fmt.Errorf("find request steps: %w", translateErr(err))
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var step string
		var result []byte
		if err := rows.Scan(&step, &result); err != nil {
			return nil, fmt.Errorf("scan request step: %w", err)
		}
		out[step] = result
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find request steps: %w", translateErr(err))
	}
	return out, nil
}

func scanRequest(row scanner) (*vern.SealedRequest, error) {
	var r vern.SealedRequest
	var person, codeExpires, verified, extended, closed sql.NullString
	var received, created, updated string
	if err := row.Scan(&r.ID, &r.Kind, &r.Status, &person, &r.EmailIndex, &r.WrappedKey, &r.Sealed, &r.Language, &r.Channel,
		&r.CodeHash, &codeExpires, &r.CodeAttempts, &r.Verification, &verified, &received,
		&r.FirstDueOn, &r.DueOn, &extended, &closed, &r.RemindedOn, &created, &updated); err != nil {
		return nil, translateErr(err)
	}
	r.PersonID = person.String
	var err error
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{received, &r.ReceivedAt}, {created, &r.CreatedAt}, {updated, &r.UpdatedAt}} {
		if *t.dst, err = parseTime(t.s); err != nil {
			return nil, err
		}
	}
	for _, t := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{codeExpires, &r.CodeExpiresAt}, {verified, &r.VerifiedAt}, {extended, &r.ExtendedAt}, {closed, &r.ClosedAt}} {
		if err := parseNullTime(t.s, t.dst); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// parseNullTime reads an optional stored time into *dst, nil for NULL.
func parseNullTime(s sql.NullString, dst **time.Time) error {
	*dst = nil
	if !s.Valid {
		return nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return err
	}
	*dst = &t
	return nil
}

// requestNotFound names the request in a not-found error.
func requestNotFound(err error) error {
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return vern.Errorf(vern.ENOTFOUND, "Request not found.")
	}
	return err
}

// ShredRequestsOfPeople destroys the sealed content of the people's
// closed requests but exceptID.
func (s *store) ShredRequestsOfPeople(ctx context.Context, personIDs []string, exceptID string) (int, error) {
	total := 0
	for len(personIDs) > 0 {
		chunk := personIDs[:min(len(personIDs), 500)]
		personIDs = personIDs[len(chunk):]
		in, args := inList(chunk)
		res, err := s.execVar(ctx, `UPDATE requests SET wrapped_key = NULL, sealed = NULL, email_index = NULL
			WHERE person_id IN `+in+` AND id <> ? AND status IN ('completed', 'rejected') AND wrapped_key IS NOT NULL`,
			append(args, exceptID)...)
		if err != nil {
			return 0, fmt.Errorf("shred requests: %w", translateErr(err))
		}
		total += affected(res)
	}
	return total, nil
}
