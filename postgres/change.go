package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification channels are database-wide, while a deployment is a schema:
// two deployments sharing one database must not hear each other. So a
// topic's channel is the topic itself in the public schema (the usual
// case, and what every version of Vern has used there) and the topic with
// a hash of the schema name appended in any other.

// channelSuffix returns what schema appends to a topic's channel.
func channelSuffix(schema string) string {
	if schema == "public" {
		return ""
	}
	h := sha256.Sum256([]byte(schema))
	return "_" + hex.EncodeToString(h[:6])
}

// channel names topic's notification channel in this store's schema.
func (s *store) channel(topic string) string { return topic + s.db.channelSuffix }

// NotifyChange sends a PostgreSQL notification; inside a transaction
// PostgreSQL delivers it only on commit, to every listening node.
func (s *store) NotifyChange(ctx context.Context, topic, key string) error {
	if _, err := s.q.ExecContext(ctx, `SELECT pg_notify($1, $2)`, s.channel(topic), key); err != nil {
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
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel(topic)}.Sanitize()); err != nil {
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
