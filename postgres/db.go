// Package postgres stores Vern's data in PostgreSQL, so that several Vern
// nodes can share one database.
//
// It only persists: every rule lives in the services, and the sqlite
// package implements the same vern.Store, checked by the same storetest suite.
package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"runtime"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/vernhq/vern"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded migration files, for the test that keeps
// both backends' migration lists equal.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return sub
}

// DB is a vern.Store on a PostgreSQL database.
type DB struct {
	db  *sql.DB
	url string // for connections of its own, such as the change listener
	// channelSuffix scopes change notifications to this database schema
	// (see channel).
	channelSuffix string
	store
}

var _ vern.Store = (*DB)(nil)

// Open connects to the database at url (postgres://...) and applies any
// pending migrations. Concurrent nodes migrating at once are serialised by
// an advisory lock.
func Open(ctx context.Context, url string) (*DB, error) {
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := max(8, runtime.GOMAXPROCS(0)*4)
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	var schema string
	if err := sqldb.QueryRowContext(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := migrate(ctx, sqldb, schema); err != nil {
		sqldb.Close()
		return nil, err
	}
	db := &DB{db: sqldb, url: url, channelSuffix: channelSuffix(schema)}
	db.store = store{q: sqldb, db: db}
	return db, nil
}

// migrate applies pending migrations to schema. Nodes of one deployment
// take turns through an advisory lock scoped to the schema, trying every
// second for up to five minutes; deployments in other schemas of the same
// database do not wait for each other.
func migrate(ctx context.Context, db *sql.DB, schema string) error {
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID(schema)),
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return fmt.Errorf("prepare migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations(),
		goose.WithTableName("schema_migrations"),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
	if err != nil {
		return fmt.Errorf("prepare postgres migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate postgres: %w", err)
	}
	return nil
}

// migrationLockID is the advisory lock key of schema's migrations: in the
// public schema the key every version of Vern has used there, so that
// nodes of an older and a newer version still take turns.
func migrationLockID(schema string) int64 {
	if schema == "public" {
		return lock.DefaultLockID
	}
	h := sha256.Sum256([]byte("vern.migrate." + schema))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// Close closes the connection pool.
func (db *DB) Close() error { return db.db.Close() }

// SQL returns the underlying pool, for tests and maintenance commands.
func (db *DB) SQL() *sql.DB { return db.db }

type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store implements vern.Store over the pool or, inside InTx, one transaction.
type store struct {
	q    queryer
	db   *DB
	inTx bool
}

// InTx runs fn inside one transaction.
func (s *store) InTx(ctx context.Context, fn func(vern.Store) error) error {
	if s.inTx {
		return fn(s)
	}
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translateErr(err))
	}
	if err := fn(&store{q: tx, db: s.db, inTx: true}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translateErr(err))
	}
	return nil
}

// translateErr maps driver errors to vern error codes by SQLSTATE, never by
// message text.
func translateErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &vern.Error{Code: vern.ENOTFOUND, Message: "Not found."}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", &vern.Error{Code: vern.ECONFLICT, Message: "Already exists."}, err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: %w", &vern.Error{Code: vern.ENOTFOUND, Message: "A referenced record does not exist."}, err)
		}
	}
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
