// Package sqlite stores Vern's data in an embedded SQLite file.
//
// It only persists: every rule lives in the services, and the postgres
// package implements the same vern.Store, checked by the same storetest suite.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
	"github.com/pressly/goose/v3"

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

// DB is a vern.Store on one SQLite file. SQLite allows one writer at a time,
// so writes go through a single connection (no SQLITE_BUSY between our own
// writers) while reads use a pool that WAL lets run beside the writer.
type DB struct {
	path         string
	writer       *sql.DB
	reader       *sql.DB
	readStmts    *stmtCache
	writeStmts   *stmtCache
	txQueue      chan *txRequest
	committed    chan struct{} // closed when the committer has stopped
	checkpointer *sql.DB       // a connection of its own, so checkpoints never hold up the writer
	stopCkpt     chan struct{} // closed to stop the checkpoint loop
	ckptDone     chan struct{}
	closeOnce    sync.Once
	mu           sync.RWMutex // guards closed against sends on a closed queue
	closed       bool
	closeErr     error
	feed         feed
	// The log reset (checkpoint.go): restartFrames is the log length that
	// asks for it (walRestartFrames except in tests), walLong the request,
	// restartBusyAt the length at which a reset last found readers in the
	// way (0 after one succeeded), walRestarts the resets done.
	restartFrames atomic.Int64
	walLong       atomic.Bool
	restartBusyAt atomic.Int64
	walRestarts   atomic.Int64
	ckptEvery     atomic.Int64 // checkpointEvery in ns, except in tests
	store
}

var _ vern.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at path and applies
// any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	writer, err := sql.Open("sqlite3", dsn(path, false, busyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}

	reader, err := sql.Open("sqlite3", dsn(path, true, busyTimeout))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)

	db := &DB{
		path: path, writer: writer, reader: reader,
		readStmts: newStmtCache(reader), writeStmts: newStmtCache(writer),
		txQueue: make(chan *txRequest, maxGroup), committed: make(chan struct{}),
		feed: feed{origin: newOrigin(), keep: keepChanges, pruneAt: pruneEvery},
	}
	db.store = store{r: reader, w: writer, db: db}
	db.ckptEvery.Store(int64(checkpointEvery))
	db.restartFrames.Store(walRestartFrames)
	if err := db.startCheckpointer(); err != nil {
		reader.Close()
		writer.Close()
		return nil, err
	}
	go db.committer()
	return db, nil
}

// busyTimeout is how long a connection waits for a lock another process
// holds before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// dsn builds the connection string. busy_timeout comes first so that every
// later pragma already waits instead of failing while another process holds
// a lock. WAL lets readers run beside the writer; synchronous=NORMAL in WAL
// mode still survives a killed process (only an OS crash or power loss can
// lose the last commits); foreign keys are off in SQLite unless asked for;
// secure_delete overwrites freed pages, so erased people do not linger in
// the file; the statement journal of multi-row statements stays in memory.
func dsn(path string, readOnly bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "secure_delete(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	// After a reset the log file is cut back to this size; above the reset
	// threshold (checkpoint.go), so that under load it is rewritten in
	// place rather than cut and grown again, and a large import's log
	// shrinks back once checkpointed.
	q.Add("_pragma", "journal_size_limit(536870912)")
	q.Add("_txlock", "immediate")
	if !readOnly {
		// The writer never checkpoints itself (checkpoint.go does, on its
		// own connection), so commits only append to the WAL.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	if readOnly {
		// A reader drops its whole page cache whenever another connection
		// has committed, and the cost of dropping grows with the cache, so
		// readers keep a small one and read through the OS page cache.
		// (mmap_size was measured and halved lookups at 1 M people; see
		// docs/BENCHMARKS.md.)
		q.Add("_pragma", "cache_size(-16384)")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "cache_size(-8192)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, Migrations(),
		goose.WithTableName("schema_migrations"),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("prepare sqlite migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	return nil
}

// SQL returns the writer connection pool, for tests and maintenance
// commands that need to reach the file directly.
func (db *DB) SQL() *sql.DB { return db.writer }

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes both connection pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.stopFeed() // its poller writes through the committer
		db.mu.Lock()
		db.closed = true
		close(db.txQueue)
		db.mu.Unlock()
		<-db.committed
		// Every process, a short CLI command too, leaves no change log
		// rows older than keepFor behind; a failure only keeps them longer.
		_ = pruneOld(context.Background(), &db.store)
		db.stopCheckpointer()
		db.readStmts.close()
		db.writeStmts.close()
		db.closeErr = errors.Join(db.reader.Close(), db.writer.Close(), db.checkpointer.Close())
	})
	return db.closeErr
}

// Checkpoint folds the write-ahead log into the database file, so that the
// file alone is a complete copy.
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.writer.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return translateErr(err)
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store implements vern.Store over a reader and a writer. Outside a
// transaction they are the two pools; inside one both are the *sql.Tx, so a
// transaction reads its own writes.
type store struct {
	r, w    queryer
	db      *DB
	tx      *sql.Tx   // nil outside InTx
	changes *[]change // announcements to publish once tx commits
}

// InTx runs fn inside a transaction on the writer connection, grouped with
// other concurrent calls into one commit (commit.go). It returns once the
// commit is durable, or with fn's error and none of fn's work kept.
func (s *store) InTx(ctx context.Context, fn func(vern.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.db.mu.RLock()
	if s.db.closed {
		s.db.mu.RUnlock()
		return errClosed
	}
	s.db.txQueue <- r
	s.db.mu.RUnlock()
	return <-r.done
}

// translateErr maps driver errors to vern error codes by their codes, never
// by message text.
func translateErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &vern.Error{Code: vern.ENOTFOUND, Message: "Not found."}
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode() {
		case sqlite3.CONSTRAINT_UNIQUE, sqlite3.CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", &vern.Error{Code: vern.ECONFLICT, Message: "Already exists."}, err)
		case sqlite3.CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", &vern.Error{Code: vern.ENOTFOUND, Message: "A referenced record does not exist."}, err)
		}
	}
	return err
}

// Times are stored as RFC 3339 text in UTC with fixed-width nanoseconds, so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time: %w", err)
	}
	return t.UTC(), nil
}

// nullString turns "" into SQL NULL, for optional foreign keys.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes turns an empty slice into SQL NULL, for optional unique indexes.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
