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

const outboxColumns = `id, topic, ordering_key, sink, payload, created_at, next_attempt_at, attempts, last_error, delivered_at`

// EnqueueOutbox stores msgs in order; the identity column seq records it.
func (s *store) EnqueueOutbox(ctx context.Context, msgs ...*vern.OutboxMessage) error {
	for _, m := range msgs {
		_, err := s.q.ExecContext(ctx, `INSERT INTO outbox (`+outboxColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			m.ID, m.Topic, m.Key, m.Sink, nonNilBytes(m.Payload), m.CreatedAt.UTC(), m.NextAttemptAt.UTC(),
			m.Attempts, m.LastError, nullTime(m.DeliveredAt))
		if err != nil {
			return fmt.Errorf("insert outbox message: %w", translateErr(err))
		}
	}
	return nil
}

// ClaimOutbox leases the due messages. FOR UPDATE SKIP LOCKED lets nodes
// claim side by side: each passes over rows another is leasing, and a row
// leased and committed meanwhile is re-checked against next_attempt_at
// once its lock is free, so it is not taken twice.
func (s *store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*vern.OutboxMessage, error) {
	var out []*vern.OutboxMessage
	err := s.InTx(ctx, func(tx vern.Store) error {
		out = nil
		ts := tx.(*store)
		// Only seq needs its table named: due has no other column.
		rows, err := ts.q.QueryContext(ctx, `WITH due AS (
				SELECT o.seq FROM outbox o
				WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1
				AND NOT EXISTS (SELECT 1 FROM outbox p
					WHERE p.sink = o.sink AND p.ordering_key = o.ordering_key AND p.delivered_at IS NULL AND p.seq < o.seq)
				ORDER BY o.seq LIMIT $2
				FOR UPDATE OF o SKIP LOCKED)
			UPDATE outbox SET next_attempt_at = $3 FROM due WHERE outbox.seq = due.seq
			RETURNING outbox.seq, `+outboxColumns, now.UTC(), limit, now.Add(lease).UTC())
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
	res, err := s.q.ExecContext(ctx, `UPDATE outbox SET delivered_at = COALESCE(delivered_at, $1) WHERE id = $2`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("mark outbox delivered: %w", translateErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("mark outbox delivered: %w", translateErr(err))
	}
	if n == 0 {
		return vern.Errorf(vern.ENOTFOUND, "Outbox message not found.")
	}
	return nil
}

// MarkOutboxFailed records a failed attempt unless the message was
// delivered meanwhile (by a claimer whose lease had not yet ended).
func (s *store) MarkOutboxFailed(ctx context.Context, id string, attempts int, next time.Time, lastError string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3
		WHERE id = $4 AND delivered_at IS NULL`, attempts, next.UTC(), lastError, id)
	if err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	} else if n > 0 {
		return nil
	}
	var one int
	if err := s.q.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE id = $1`, id).Scan(&one); err != nil {
		return fmt.Errorf("mark outbox failed: %w", translateErr(err))
	}
	return nil
}

// CountPendingOutbox counts undelivered messages.
func (s *store) CountPendingOutbox(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbox: %w", translateErr(err))
	}
	return n, nil
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
		var delivered sql.NullTime
		if err := rows.Scan(&c.seq, &m.ID, &m.Topic, &m.Key, &m.Sink, &m.Payload, &m.CreatedAt, &m.NextAttemptAt,
			&m.Attempts, &m.LastError, &delivered); err != nil {
			return nil, translateErr(err)
		}
		m.CreatedAt, m.NextAttemptAt = m.CreatedAt.UTC(), m.NextAttemptAt.UTC()
		if delivered.Valid {
			t := delivered.Time.UTC()
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

// nonNilBytes stores an empty payload as an empty BYTEA, not NULL.
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
	return t.UTC()
}
