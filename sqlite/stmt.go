package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements for one pool. SQLite spends more time
// parsing a point query than running it, so the hot queries are prepared
// once per connection (database/sql re-prepares a *sql.Stmt lazily on each
// connection it meets) instead of on every call.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// get returns the prepared statement for query, preparing it if needed.
// The lock is not held while preparing, which may wait for a connection.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.lookup(query); st != nil {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing := c.m[query]; existing != nil {
		st.Close()
		return existing, nil
	}
	c.m[query] = st
	return st, nil
}

// prepareLater prepares query in the background. A transaction holds the
// writer's only connection, so preparing on the pool from inside one would
// wait for itself; the statement is ready for the next transaction instead.
func (c *stmtCache) prepareLater(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[query] || c.m[query] != nil {
		return
	}
	c.pending[query] = true
	go func() {
		_, _ = c.get(context.Background(), query) // on failure the query keeps running unprepared
		c.mu.Lock()
		delete(c.pending, query)
		c.mu.Unlock()
	}()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// readRow runs a constant single-row query through the reader's prepared
// statements, or through the transaction inside InTx.
func (s *store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.tx != nil {
		return s.txRow(ctx, query, args...)
	}
	st, err := s.db.readStmts.get(ctx, query)
	if err != nil {
		return s.r.QueryRowContext(ctx, query, args...) // reports the same error through the Row
	}
	// A point read takes microseconds; with a cancellable context
	// database/sql starts a goroutine per query to watch it, which costs
	// more than the read. A cancelled caller just discards the row.
	return st.QueryRowContext(context.WithoutCancel(ctx), args...)
}

// readRows runs a constant query through the reader's prepared statements.
func (s *store) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.tx != nil {
		ctx = context.WithoutCancel(ctx)
		if st := s.txStmt(query); st != nil {
			return st.QueryContext(ctx, args...)
		}
		return s.tx.QueryContext(ctx, query, args...)
	}
	st, err := s.db.readStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// writeRow runs a constant single-row query on the writer (in the
// transaction inside InTx).
func (s *store) writeRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.tx != nil {
		return s.txRow(ctx, query, args...)
	}
	st, err := s.db.writeStmts.get(ctx, query)
	if err != nil {
		return s.w.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *store) txRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := s.txStmt(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.tx.QueryRowContext(ctx, query, args...)
}

// Statements inside a transaction run without the caller's cancellation:
// SQLite answers an interrupted write by rolling back the whole
// transaction, which on the shared writer would undo other callers' work
// too. A cancelled caller is dropped before its turn instead (commit.go).

// txStmt returns the cached statement bound to the transaction, or nil
// (and prepares it for next time) when it is not cached yet.
func (s *store) txStmt(query string) *sql.Stmt {
	st := s.db.writeStmts.lookup(query)
	if st == nil {
		s.db.writeStmts.prepareLater(query)
		return nil
	}
	return s.tx.Stmt(st)
}

// exec runs a constant statement on the writer (in the transaction inside InTx).
func (s *store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.tx != nil {
		ctx = context.WithoutCancel(ctx)
		if st := s.txStmt(query); st != nil {
			return st.ExecContext(ctx, args...)
		}
		return s.tx.ExecContext(ctx, query, args...)
	}
	st, err := s.db.writeStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
