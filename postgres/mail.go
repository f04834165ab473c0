package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/vernhq/vern"
)

const mailColumns = `id, request_id, template, wrapped_key, sealed, created_at, next_attempt_at, attempts, last_error, sent_at`

// EnqueueMail stores msgs in order, all or none.
func (s *store) EnqueueMail(ctx context.Context, msgs ...*vern.SealedMail) error {
	insert := func(tx *store) error {
		for _, m := range msgs {
			_, err := tx.q.ExecContext(ctx, `INSERT INTO mail_outbox (`+mailColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				m.ID, m.RequestID, m.Template, nullBytes(m.WrappedKey), nullBytes(m.Sealed), m.CreatedAt.UTC(),
				m.NextAttemptAt.UTC(), m.Attempts, m.LastError, nullTime(m.SentAt))
			if err != nil {
				return fmt.Errorf("insert mail: %w", translateErr(err))
			}
		}
		return nil
	}
	if len(msgs) == 1 {
		return insert(s)
	}
	return s.InTx(ctx, func(tx vern.Store) error { return insert(tx.(*store)) })
}

// ClaimMail leases the due messages. FOR UPDATE SKIP LOCKED lets nodes
// claim side by side: each passes over rows another is leasing, and a row
// leased and committed meanwhile is re-checked against next_attempt_at
// once its lock is free, so it is not taken twice. Only seq needs its
// table named: due has no other column.
func (s *store) ClaimMail(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*vern.SealedMail, error) {
	rows, err := s.q.QueryContext(ctx, `WITH due AS (
			SELECT seq FROM mail_outbox
			WHERE sent_at IS NULL AND next_attempt_at <= $1
			ORDER BY created_at, seq LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE mail_outbox SET next_attempt_at = $3 FROM due WHERE mail_outbox.seq = due.seq
		RETURNING mail_outbox.seq, `+mailColumns, now.UTC(), limit, now.Add(lease).UTC())
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", translateErr(err))
	}
	out, err := scanMailRows(rows)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return out, nil
}

// MarkMailSent records a delivery, keeping the first time, and destroys
// the sealed content: once sent, the outbox keeps no address.
func (s *store) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = COALESCE(sent_at, $1), wrapped_key = NULL, sealed = NULL
		WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("mark mail sent: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark mail sent: %w", err)
	} else if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Mail not found.")
	}
	return nil
}

// MarkMailFailed records a failed attempt unless the message was sent
// meanwhile (by a claimer whose lease had not yet ended).
func (s *store) MarkMailFailed(ctx context.Context, id string, attempts int, next time.Time, lastError string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE mail_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3
		WHERE id = $4 AND sent_at IS NULL`, attempts, next.UTC(), lastError, id)
	if err != nil {
		return fmt.Errorf("mark mail failed: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark mail failed: %w", err)
	} else if n > 0 {
		return nil
	}
	var one int
	if err := s.q.QueryRowContext(ctx, `SELECT 1 FROM mail_outbox WHERE id = $1`, id).Scan(&one); err != nil {
		if vern.ErrorCode(translateErr(err)) == vern.ENOTFOUND {
			return vern.Errorf(vern.ENOTFOUND, "Mail not found.")
		}
		return fmt.Errorf("mark mail failed: %w", translateErr(err))
	}
	return nil
}

// FindMailOfRequest returns the mail about a request, oldest first.
func (s *store) FindMailOfRequest(ctx context.Context, requestID string) ([]*vern.SealedMail, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT seq, `+mailColumns+` FROM mail_outbox
		WHERE request_id = $1 AND request_id <> '' ORDER BY created_at, seq`, requestID)
	if err != nil {
		return nil, fmt.Errorf("find mail of request: %w", translateErr(err))
	}
	out, err := scanMailRows(rows)
	if err != nil {
		return nil, fmt.Errorf("find mail of request: %w", err)
	}
	return out, nil
}

// CountPendingMail counts unsent messages.
func (s *store) CountPendingMail(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending mail: %w", translateErr(err))
	}
	return n, nil
}

// scanMailRows reads and closes rows of seq plus mailColumns and returns
// them oldest first: RETURNING promises no order.
func scanMailRows(rows *sql.Rows) ([]*vern.SealedMail, error) {
	defer rows.Close()
	type row struct {
		seq int64
		m   *vern.SealedMail
	}
	var rs []row
	for rows.Next() {
		var r row
		var m vern.SealedMail
		var sent sql.NullTime
		if err := rows.Scan(&r.seq, &m.ID, &m.RequestID, &m.Template, &m.WrappedKey, &m.Sealed, &m.CreatedAt, &m.NextAttemptAt,
			&m.Attempts, &m.LastError, &sent); err != nil {
			return nil, translateErr(err)
		}
		m.CreatedAt, m.NextAttemptAt, m.SentAt = m.CreatedAt.UTC(), m.NextAttemptAt.UTC(), timePtr(sent)
		r.m = &m
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translateErr(err)
	}
	slices.SortFunc(rs, func(a, b row) int {
		return cmp.Or(a.m.CreatedAt.Compare(b.m.CreatedAt), cmp.Compare(a.seq, b.seq))
	})
	out := make([]*vern.SealedMail, len(rs))
	for i, r := range rs {
		out[i] = r.m
	}
	return out, nil
}
