package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
)

// OpenSQLiteDB opens (creating if needed) the jobs file at path, such as
// DATA/jobs.db, for Config.DB.
//
// busy_timeout comes first so that every later pragma already waits rather
// than failing while another connection writes. WAL lets River's reads run
// beside its writes. synchronous=FULL syncs the WAL on every commit, so an
// Enqueue that returned survives a power cut, not only a killed process as
// with NORMAL: a lost job is a lost promise (a reply due within a month),
// and jobs commit far less often than the cost of a sync matters. Writes
// take the lock when their transaction begins (_txlock=immediate): two
// nodes on one file then wait for each other instead of failing to upgrade
// a read lock. Foreign keys stay off, as SQLite's documentation asks for
// the table rebuilds River's migrations do; River does not rely on them.
//
// The pool has one connection, as riversqlite advises: River runs many
// operations at once, and SQLite would answer all but one with SQLITE_BUSY.
func OpenSQLiteDB(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open jobs database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	// Switching a new file to WAL fails with SQLITE_BUSY, without waiting,
	// while another process does the same; the first one to finish wins.
	for try := 1; ; try++ {
		err = db.PingContext(context.Background())
		if err == nil {
			return db, nil
		}
		if !errors.Is(err, sqlite3.BUSY) || try == 100 {
			db.Close()
			return nil, fmt.Errorf("open jobs database %s: %w", path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
