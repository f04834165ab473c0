package postgres

import (
	"context"
	"fmt"
	"time"

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
		// A connection that died without a word (a firewall's idle timeout,
		// a failover) would wait forever while the caches trusted it, so
		// every few seconds without news the connection is pinged.
		wctx, cancel := context.WithTimeout(ctx, listenHeartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			fn(n.Payload)
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if wctx.Err() == nil {
			return fmt.Errorf("wait for change: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, listenHeartbeat)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("change listener lost its connection: %w", err)
		}
	}
}

// listenHeartbeat bounds how long a dead listening connection can go
// unnoticed.
const listenHeartbeat = 5 * time.Second
