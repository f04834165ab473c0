package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/vernhq/vern"
)

const outboxColumns = `id, topic, ordering_key, sink, payload, created_at, next_attempt_at, attempts, last_error, delivered_at`

// EnqueueOutbox stores msgs in order; seq, the table's rowid, records it.
func (s *store) EnqueueOutbox(ctx context.Context, msgs ...*vern.OutboxMessage) error {
	for _, m := range msgs {
		_, err := s.exec(ctx, `INSERT INTO outbox (`+outboxColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Topic, m.Key, m.Sink, nonNilBytes(m.Payload), formatTime(m.CreatedAt), formatTime(m.NextAttemptAt),
			m.Attempts, m.LastError, nullTime(m.DeliveredAt))
		if err != nil {
			return fmt.Errorf("insert outbox message: %w", translateErr(err))
		}
	}
	return nil
}

// ClaimOutbox leases the due messages with one UPDATE … RETURNING on the
// single writer, so two claimers in this process cannot take the same row,
// and another process waits for the write lock and then sees the new lease.
func (s *store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*vern.OutboxMessage, error) {
	var out []*vern.OutboxMessage
	err := s.InTx(ctx, func(tx vern.Store) error {
		out = nil // the group commit may run this twice
		ts := tx.(*store)
		rows, err := ts.w.QueryContext(context.WithoutCancel(ctx), `UPDATE outbox SET next_attempt_at = ?
			WHERE seq IN (
				SELECT o.seq FROM outbox o
				WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?
				AND NOT EXISTS (SELECT 1 FROM outbox p
					WHERE p.sink = o.sink AND p.ordering_key = o.ordering_key AND p.delivered_at IS NULL AND p.seq < o.seq)
				ORDER BY o.seq LIMIT ?)
			RETURNING seq, `+outboxColumns, formatTime(now.Add(lease)), formatTime(now), limit)
		if err != nil {
			return translateErr(err)
		}
		out, err = scanClaimedOutbox(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// MarkOutboxDelivered records a delivery, keeping the first time.
func (s *store) MarkOutboxDelivered(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("mark outbox delivered: %w", translateErr(err))
	}
	return outboxUpdated(res, "mark outbox delivered")
}

// MarkOutboxFailed records a failed attempt unless the message was
// delivered meanwhile (by a claimer whose lease had not yet ended).
func (s *store) MarkOutboxFailed(ctx context.Context, id string, attempts int, next time.Time, lastError string) error {
	res, err := s.exec(ctx, `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?
		WHERE id = ? AND delivered_at IS NULL`, attempts, formatTime(next), lastError, id)
	if err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	} else if n > 0 {
		return nil
	}
	var one int
	if err := s.readRow(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one); err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	}
	return nil
}

// CountPendingOutbox counts undelivered messages.
func (s *store) CountPendingOutbox(ctx context.Context) (int, error) {
	var n int
	if err := s.readRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbox: %w", translateErr(err))
	}
	return n, nil
}

func outboxUpdated(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, translateErr(err))
	}
	if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Outbox message not found.")
	}
	return nil
}

// scanClaimedOutbox reads and closes rows of seq plus outboxColumns and
// returns them in seq order: RETURNING promises no order.
func scanClaimedOutbox(rows *sql.Rows) ([]*vern.OutboxMessage, error) {
	defer rows.Close()
	type claimed struct {
		seq int64
		m   *vern.OutboxMessage
	}
	var cs []claimed
	for rows.Next() {
		var c claimed
		var m vern.OutboxMessage
		var created, next string
		var delivered sql.NullString
		if err := rows.Scan(&c.seq, &m.ID, &m.Topic, &m.Key, &m.Sink, &m.Payload, &created, &next,
			&m.Attempts, &m.LastError, &delivered); err != nil {
			return nil, translateErr(err)
		}
		var err error
		if m.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if m.NextAttemptAt, err = parseTime(next); err != nil {
			return nil, err
		}
		if delivered.Valid {
			t, err := parseTime(delivered.String)
			if err != nil {
				return nil, err
			}
			m.DeliveredAt = &t
		}
		c.m = &m
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translateErr(err)
	}
	slices.SortFunc(cs, func(a, b claimed) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*vern.OutboxMessage, len(cs))
	for i, c := range cs {
		out[i] = c.m
	}
	return out, nil
}

// nonNilBytes stores an empty payload as an empty BLOB, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}
