package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/vernhq/vern"
)

// maxGroup bounds how many transactions share one commit.
const maxGroup = 256

// Group commit. SQLite has one writer, and most of the cost of a small
// transaction is its commit: writing the WAL frames of every page it
// touched. So InTx calls that arrive while a commit is in progress are
// queued and then run together in one SQLite transaction, each inside its
// own savepoint: a call that fails rolls back only its own work, and every
// call returns only after the shared commit is durable. To the caller this
// is exactly an ordinary transaction, acknowledged when committed.
type txRequest struct {
	ctx  context.Context
	fn   func(vern.Store) error
	done chan error
}

// linger is how long the committer waits for more calls to join a group
// once the previous group showed concurrent writers. It trades a fraction
// of a millisecond of latency for fewer, larger commits under load.
const linger = 300 * time.Microsecond

// committer runs queued transactions until the queue is closed.
func (db *DB) committer() {
	defer close(db.committed)
	busy := false // the previous group had company
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range db.txQueue {
		group := []*txRequest{first}
		if busy {
			timer.Reset(linger)
		}
	fill:
		for len(group) < maxGroup {
			select {
			case r, ok := <-db.txQueue:
				if !ok {
					break fill
				}
				group = append(group, r)
			default:
				if !busy {
					break fill
				}
				select {
				case r, ok := <-db.txQueue:
					if !ok {
						break fill
					}
					group = append(group, r)
				case <-timer.C:
					break fill
				}
			}
		}
		if busy && !timer.Stop() {
			select { // drain a fired timer so the next Reset starts clean
			case <-timer.C:
			default:
			}
		}
		busy = len(group) > 1
		db.runGroup(group)
		if db.walLong.Load() {
			db.restartWAL()
		}
	}
}

// runGroup commits a group. Calls rarely fail, so the group first runs
// without savepoints; only if a call fails is the transaction rolled back
// and the group run again with a savepoint around each call. A call's fn
// may therefore run twice, as with any retried transaction, and must not
// depend on running once.
func (db *DB) runGroup(group []*txRequest) {
	results := make([]error, len(group))
	if len(group) > 1 {
		if db.tryGroup(group, results, false) {
			return
		}
		clear(results)
	}
	db.tryGroup(group, results, true)
}

// tryGroup runs the group in one transaction and reports whether it
// finished (answering every caller). Without savepoints it gives up, rolling
// back, at the first failed call.
func (db *DB) tryGroup(group []*txRequest, results []error, savepoints bool) bool {
	finish := func(groupErr error) bool {
		for i, r := range group {
			if results[i] == nil {
				results[i] = groupErr
			}
			r.done <- results[i]
		}
		return true
	}
	tx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return finish(fmt.Errorf("begin: %w", translateErr(err)))
	}
	var changes []change
	txs := &store{r: tx, w: tx, db: db, tx: tx, changes: &changes}
	ran := 0 // calls whose work is part of the transaction
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if !savepoints {
			if results[i] = call(r.fn, txs); results[i] != nil {
				_ = tx.Rollback()
				if len(group) == 1 {
					return finish(nil)
				}
				return false
			}
			ran++
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT grp`); err != nil {
			_ = tx.Rollback()
			return finish(fmt.Errorf("savepoint: %w", translateErr(err)))
		}
		if results[i] = call(r.fn, txs); results[i] != nil {
			if _, err := tx.Exec(`ROLLBACK TO grp; RELEASE grp`); err != nil {
				// SQLite rolled the whole transaction back (a disk or
				// memory error): nothing of the group is kept.
				_ = tx.Rollback()
				return finish(fmt.Errorf("roll back to savepoint: %w", translateErr(err)))
			}
			continue
		}
		if _, err := tx.Exec(`RELEASE grp`); err != nil {
			_ = tx.Rollback()
			return finish(fmt.Errorf("release savepoint: %w", translateErr(err)))
		}
		ran++
	}
	if ran == 0 {
		_ = tx.Rollback()
		return finish(nil)
	}
	if err := db.logChanges(txs, changes); err != nil {
		_ = tx.Rollback()
		return finish(err)
	}
	if err := tx.Commit(); err != nil {
		return finish(fmt.Errorf("commit: %w", translateErr(err)))
	}
	// Calls rolled back to their savepoint may have announced changes too;
	// an extra announcement only costs a cache miss.
	db.publish(changes)
	return finish(nil)
}

// call runs fn, turning a panic into an error so that one bad call cannot
// take the writer down with the rest of its group.
func call(fn func(vern.Store) error, s vern.Store) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in transaction: %s", debug.Stack())
		}
	}()
	return fn(s)
}

// errClosed is returned by InTx after Close.
var errClosed = errors.New("sqlite store is closed")
