package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// sqliteMigrateTries bounds retries of racing SQLite migrations: more than
// River's 8 versions, so that one racer per version can win.
const sqliteMigrateTries = 20

// Migrate applies River's pending migrations to db; Open calls it. It is
// idempotent: River records applied versions in river_migration.
//
// On PostgreSQL, nodes starting together take turns on an advisory lock
// held by a transaction on a connection of its own, so db needs at least
// two connections. The lock is per schema and ends with the transaction,
// even if the node dies. SQLite has no such lock; there a node that loses
// a race to a version retries after the winner's commit.
func Migrate(ctx context.Context, engine string, db *sql.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mcfg := &rivermigrate.Config{Logger: slog.New(minLevel{slog.LevelWarn, log.Handler()})}
	switch engine {
	case SQLite:
		m, err := rivermigrate.New(riversqlite.New(db), mcfg)
		if err != nil {
			return fmt.Errorf("prepare jobs migrations: %w", err)
		}
		// Each version is applied in a write transaction with its record, so
		// a node that raced another to a version fails that version only
		// ("already exists"), and on retry starts after what the other has
		// committed. Every failure means the other made progress.
		for try := 1; ; try++ {
			_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			if err == nil {
				return nil
			}
			if try == sqliteMigrateTries || ctx.Err() != nil {
				return fmt.Errorf("migrate jobs: %w", err)
			}
		}
	case Postgres:
		m, err := rivermigrate.New(riverdatabasesql.New(db), mcfg)
		if err != nil {
			return fmt.Errorf("prepare jobs migrations: %w", err)
		}
		lock, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate jobs: begin lock: %w", err)
		}
		defer lock.Rollback() //nolint:errcheck // releases the lock; nothing to commit
		if _, err := lock.ExecContext(ctx,
			`SELECT pg_advisory_xact_lock(hashtext('vern.jobs.migrate'), hashtext(coalesce(current_schema(), '')))`); err != nil {
			return fmt.Errorf("migrate jobs: lock: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate jobs: %w", err)
		}
		return nil
	}
	return fmt.Errorf("jobs engine %q: want %q or %q", engine, SQLite, Postgres)
}
