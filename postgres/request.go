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

const requestColumns = `id, kind, status, person_id, email_index, wrapped_key, sealed, language, channel,
	code_hash, code_expires_at, code_attempts, verification, verified_at, received_at,
	first_due_on, due_on, extended_at, closed_at, reminded_on, created_at, updated_at`

// CreateRequest stores r.
func (s *store) CreateRequest(ctx context.Context, r *vern.SealedRequest) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO requests (`+requestColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		r.ID, r.Kind, r.Status, nullString(r.PersonID), nullBytes(r.EmailIndex), nullBytes(r.WrappedKey), nullBytes(r.Sealed),
		r.Language, r.Channel, nullBytes(r.CodeHash), nullTime(r.CodeExpiresAt), r.CodeAttempts, r.Verification,
		nullTime(r.VerifiedAt), r.ReceivedAt.UTC(), r.FirstDueOn, r.DueOn, nullTime(r.ExtendedAt),
		nullTime(r.ClosedAt), r.RemindedOn, r.CreatedAt.UTC(), r.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert request: %w", translateErr(err))
	}
	return nil
}

// FindRequest returns the request with id.
func (s *store) FindRequest(ctx context.Context, id string) (*vern.SealedRequest, error) {
	r, err := scanRequest(s.q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("find request: %w", requestNotFound(err))
	}
	return r, nil
}

// FindRequestForUpdate returns the request with id, row-locked until the
// surrounding transaction ends.
func (s *store) FindRequestForUpdate(ctx context.Context, id string) (*vern.SealedRequest, error) {
	r, err := scanRequest(s.q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return nil, fmt.Errorf("find request for update: %w", requestNotFound(err))
	}
	return r, nil
}

// UpdateRequest replaces r's stored fields but its id, kind, wrapped key
// and creation time.
func (s *store) UpdateRequest(ctx context.Context, r *vern.SealedRequest) error {
	res, err := s.q.ExecContext(ctx, `UPDATE requests SET status = $1, person_id = $2, email_index = $3, sealed = $4,
		language = $5, channel = $6, code_hash = $7, code_expires_at = $8, code_attempts = $9, verification = $10,
		verified_at = $11, received_at = $12, first_due_on = $13, due_on = $14, extended_at = $15, closed_at = $16,
		reminded_on = $17, updated_at = $18
		WHERE id = $19`,
		r.Status, nullString(r.PersonID), nullBytes(r.EmailIndex), nullBytes(r.Sealed),
		r.Language, r.Channel, nullBytes(r.CodeHash), nullTime(r.CodeExpiresAt), r.CodeAttempts, r.Verification,
		nullTime(r.VerifiedAt), r.ReceivedAt.UTC(), r.FirstDueOn, r.DueOn, nullTime(r.ExtendedAt), nullTime(r.ClosedAt),
		r.RemindedOn, r.UpdatedAt.UTC(), r.ID)
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
	where, args := []string{"TRUE"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Statuses) > 0 {
		where = append(where, `status = ANY(`+arg(f.Statuses)+`)`)
	}
	if f.Kind != "" {
		where = append(where, `kind = `+arg(f.Kind))
	}
	if f.PersonID != "" {
		where = append(where, `person_id = `+arg(f.PersonID))
	}
	if f.DueBefore != "" {
		where = append(where, `due_on < `+arg(f.DueBefore))
	}
	if f.AfterDueOn != "" || f.AfterID != "" {
		where = append(where, `(due_on, id) > (`+arg(f.AfterDueOn)+`, `+arg(f.AfterID)+`)`)
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+requestColumns+` FROM requests
		WHERE `+strings.Join(where, " AND ")+` ORDER BY due_on, id LIMIT `+arg(requestLimit(f.Limit)), args...)
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
	err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE email_index = $1 AND received_at >= $2`,
		emailIndex, since.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count requests: %w", translateErr(err))
	}
	return n, nil
}

// AppendRequestEvent stores e.
func (s *store) AppendRequestEvent(ctx context.Context, e *vern.RequestEvent) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO request_events (id, request_id, from_status, to_status, actor, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.RequestID, e.From, e.To, e.Actor, e.Note, e.At.UTC())
	if err != nil {
		return fmt.Errorf("insert request event: %w", translateErr(err))
	}
	return nil
}

// FindRequestEvents returns a request's history, oldest first; events of
// the same instant in the order they were appended.
func (s *store) FindRequestEvents(ctx context.Context, requestID string) ([]*vern.RequestEvent, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, request_id, from_status, to_status, actor, note, at FROM request_events
		WHERE request_id = $1 ORDER BY at, seq`, requestID)
	if err != nil {
		return nil, fmt.Errorf("find request events: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.RequestEvent, error) {
		var e vern.RequestEvent
		if err := row.Scan(&e.ID, &e.RequestID, &e.From, &e.To, &e.Actor, &e.Note, &e.At); err != nil {
			return nil, translateErr(err)
		}
		e.At = e.At.UTC()
		return &e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find request events: %w", err)
	}
	return out, nil
}

// MarkRequestStep records a step as done. DO NOTHING rather than a failed
// insert, which would end the caller's transaction: a caller told
// ECONFLICT may go on in it.
func (s *store) MarkRequestStep(ctx context.Context, requestID, step string, at time.Time, result []byte) error {
	res, err := s.q.ExecContext(ctx, `INSERT INTO request_steps (request_id, step, at, result) VALUES ($1, $2, $3, $4)
		ON CONFLICT (request_id, step) DO NOTHING`, requestID, step, at.UTC(), nullBytes(result))
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
	rows, err := s.q.QueryContext(ctx, `SELECT step, result FROM request_steps WHERE request_id = $1`, requestID)
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
	var person sql.NullString
	var codeExpires, verified, extended, closed sql.NullTime
	if err := row.Scan(&r.ID, &r.Kind, &r.Status, &person, &r.EmailIndex, &r.WrappedKey, &r.Sealed, &r.Language, &r.Channel,
		&r.CodeHash, &codeExpires, &r.CodeAttempts, &r.Verification, &verified, &r.ReceivedAt,
		&r.FirstDueOn, &r.DueOn, &extended, &closed, &r.RemindedOn, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, translateErr(err)
	}
	r.PersonID = person.String
	r.ReceivedAt, r.CreatedAt, r.UpdatedAt = r.ReceivedAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.CodeExpiresAt, r.VerifiedAt = timePtr(codeExpires), timePtr(verified)
	r.ExtendedAt, r.ClosedAt = timePtr(extended), timePtr(closed)
	return &r, nil
}

// timePtr reads an optional stored time: nil for NULL.
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
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
	if len(personIDs) == 0 {
		return 0, nil
	}
	res, err := s.q.ExecContext(ctx, `UPDATE requests SET wrapped_key = NULL, sealed = NULL, email_index = NULL
		WHERE person_id = ANY($1) AND id <> $2 AND status IN ('completed', 'rejected') AND wrapped_key IS NOT NULL`, personIDs, exceptID)
	if err != nil {
		return 0, fmt.Errorf("shred requests: %w", translateErr(err))
	}
	return affected(res), nil
}
