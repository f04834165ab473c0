package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vernhq/vern"
)

// TestChangeLogIsPrunedAndLossIsReported fills the change log past what
// the writers keep, checks it stays bounded, and checks that a reader whose
// position was pruned away is told so instead of silently missing changes.
func TestChangeLogIsPrunedAndLossIsReported(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "vern.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.feed.keep, db.feed.pruneAt = 10, 5

	for i := range 40 {
		err := db.InTx(ctx, func(tx vern.Store) error {
			return tx.NotifyChange(ctx, "vern_test", fmt.Sprint(i))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var rows, newest int64
	if err := db.reader.QueryRow(`SELECT count(*), max(seq) FROM change_log`).Scan(&rows, &newest); err != nil {
		t.Fatal(err)
	}
	if newest != 40 || rows > db.feed.keep+int64(db.feed.pruneAt) {
		t.Fatalf("change log holds %d rows up to seq %d; want seq 40 and at most %d rows", rows, newest, db.feed.keep+int64(db.feed.pruneAt))
	}

	// A reader that last saw seq 35 is fine; one that last saw seq 1 lost
	// changes to pruning.
	next, _, err := db.readChanges(ctx, 35)
	if err != nil || next != 40 {
		t.Fatalf("read from 35 = %d, %v; want 40", next, err)
	}
	if _, _, err := db.readChanges(ctx, 1); !errors.Is(err, errChangesLost) {
		t.Fatalf("read from 1 = %v, want errChangesLost", err)
	}
}

// TestListenerHearsOfAFailedPoll checks that a failed poll ends every
// listener with the error, which is what makes their caches start over,
// and that listening again starts a new poller that hears the other
// process.
func TestListenerHearsOfAFailedPoll(t *testing.T) {
	ctx := context.Background()
	a, b := openTwo(t, filepath.Join(t.TempDir(), "vern.db"))
	stopped, _ := listenTest(t, ctx, a)
	a.failListeners(ctx, errChangesLost) // as the poller does when a read fails
	if err := <-stopped; !errors.Is(err, errChangesLost) {
		t.Fatalf("listener ended with %v, want errChangesLost", err)
	}

	stopped, heard := listenTest(t, ctx, a)
	mustHear(t, b, stopped, heard, "after")
}

// openTwo opens two handles on the file at path, as two processes would,
// closed at cleanup.
func openTwo(t *testing.T, path string) (*DB, *DB) {
	t.Helper()
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// listenTest listens on topic vern_test of db until ctx ends, and returns
// what it hears and the error it stops with.
func listenTest(t *testing.T, ctx context.Context, db *DB) (stopped <-chan error, heard <-chan string) {
	t.Helper()
	errc, keys, ready := make(chan error, 1), make(chan string, 8), make(chan struct{})
	go func() {
		errc <- db.ListenChanges(ctx, "vern_test", func() { close(ready) }, func(k string) { keys <- k })
	}()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatalf("listening failed: %v", err)
	}
	return errc, keys
}

// mustHear announces key on from and checks that the listener hears it
// next, and does not stop instead.
func mustHear(t *testing.T, from *DB, stopped <-chan error, heard <-chan string, key string) {
	t.Helper()
	if err := from.NotifyChange(context.Background(), "vern_test", key); err != nil {
		t.Fatal(err)
	}
	select {
	case k := <-heard:
		if k != key {
			t.Fatalf("heard %q, want %q", k, key)
		}
	case err := <-stopped:
		t.Fatalf("the listener stopped with %v instead of hearing %q", err, key)
	case <-time.After(10 * time.Second):
		t.Fatalf("the listener did not hear %q from the other process", key)
	}
}

// TestOldChangesArePrunedOnClose checks that a process closing the file
// leaves no change log row older than keepFor: rows link ids to the email
// indexes they had, which erasure destroys everywhere else.
func TestOldChangesArePrunedOnClose(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vern.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old-1", "old-2", "old-3"} {
		if err := db.NotifyChange(ctx, "vern_test", k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.writer.Exec(`UPDATE change_log SET at = at - ?`, int64(2*keepFor/time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := db.NotifyChange(ctx, "vern_test", "fresh"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	rows, err := db.reader.Query(`SELECT key FROM change_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if fmt.Sprint(keys) != "[fresh]" {
		t.Fatalf("after close the change log holds %q, want only the fresh row", keys)
	}
}

// TestCloseEndsListeners checks that closing the store ends its listeners
// (their caches turn off) instead of leaving them waiting on a dead feed.
func TestCloseEndsListeners(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "vern.db"))
	if err != nil {
		t.Fatal(err)
	}
	stopped, ready := make(chan error, 1), make(chan struct{})
	go func() { stopped <- db.ListenChanges(ctx, "vern_test", func() { close(ready) }, func(string) {}) }()
	<-ready
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		if !errors.Is(err, errClosed) {
			t.Fatalf("listener ended with %v, want errClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the listener outlived Close")
	}
	if err := db.ListenChanges(ctx, "vern_test", func() {}, func(string) {}); !errors.Is(err, errClosed) {
		t.Fatalf("listening on a closed store: %v, want errClosed", err)
	}
}

// TestListenAfterTheLogWasEmptied reopens a file whose change log was
// pruned empty (a server restarted after a quiet minute) and checks that a
// listener starts after the last number ever given out, not after the
// newest row left: new rows continue that numbering, and counting from
// the empty log would take them for a gap and reset every cache.
func TestListenAfterTheLogWasEmptied(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vern.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old-1", "old-2"} {
		if err := db.NotifyChange(ctx, "vern_test", k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.writer.Exec(`UPDATE change_log SET at = at - ?`, int64(2*keepFor/time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // prunes both rows
		t.Fatal(err)
	}

	a, b := openTwo(t, path)
	var rows int
	if err := a.reader.QueryRow(`SELECT count(*) FROM change_log`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("the log holds %d rows after close (%v), want none", rows, err)
	}
	stopped, heard := listenTest(t, ctx, a)
	mustHear(t, b, stopped, heard, "new")
}
