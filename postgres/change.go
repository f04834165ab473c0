package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// NotifyChange sends a PostgreSQL notification; inside a transaction
// PostgreSQL delivers it only on commit, to every listening node.
func (s *store) NotifyChange(ctx context.Context, topic, key string) error {
	if _, err := s.q.ExecContext(ctx, `SELECT pg_notify($1, $2)`, topic, key); err != nil {
		return fmt.Errorf("notify change: %w", translateErr(err))
	}
	return nil
}

// ListenChanges holds a connection of its own that LISTENs on topic.
func (s *store) ListenChanges(ctx context.Context, topic string, ready func(), fn func(string)) error {
	conn, err := pgx.Connect(ctx, s.db.url)
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{topic}.Sanitize()); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for change: %w", err)
		}
		fn(n.Payload)
	}
}
