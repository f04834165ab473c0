package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// listenerPool returns a pgx pool for River's LISTEN connection, built from
// the configuration of a connection of db (address, credentials, TLS and
// search_path alike), so that inserts wake every node at once instead of at
// its next poll. ok is false when db is not a pgx stdlib pool; River then
// polls.
func listenerPool(ctx context.Context, db *sql.DB) (pool *pgxpool.Pool, ok bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("jobs listener: %w", err)
	}
	defer conn.Close()
	var cc *pgx.ConnConfig
	if err = conn.Raw(func(dc any) error {
		if c, ok := dc.(*stdlib.Conn); ok {
			cc = c.Conn().Config()
		}
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("jobs listener: %w", err)
	}
	if cc == nil {
		return nil, false, nil
	}
	pc, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, false, fmt.Errorf("jobs listener: %w", err)
	}
	// The copied config still delivers notifications to the connection it
	// came from; without a handler, pgx buffers them for River's listener.
	cc.OnNotification = nil
	pc.ConnConfig = cc
	// River takes one connection out of the pool for good ("hijacks" it)
	// and never returns it.
	pc.MaxConns, pc.MinConns = 1, 0
	if pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return nil, false, fmt.Errorf("jobs listener: %w", err)
	}
	return pool, true, nil
}
