package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vernhq/vern"
)

// The SQLite change feed. Announcements made inside a transaction are kept
// on it and, once the group it ran in has committed, delivered to this
// process's listeners synchronously (commit.go), so a cache has dropped the
// entry before the writer's caller returns.
//
// Other processes may write to the same file: a CLI command beside a
// running server. So the committer also appends every group's
// announcements to the change_log table in the same transaction, and a
// process with listeners polls that table every pollEvery for rows that
// other processes wrote. A change made elsewhere therefore reaches this
// process's caches within about pollEvery of its commit, as a NOTIFY from
// another PostgreSQL node reaches them within the network's delay.

// pollEvery is how often a listening process reads the change log. It
// bounds how long a change committed by another process can go unseen by
// this one's caches; each poll is one indexed read.
const pollEvery = 20 * time.Millisecond

// A listener reads every new row each poll, so the log need only hold the
// last moments: it keeps at most keepChanges rows (pruned by the committer
// every pruneEvery announcements) and none older than keepFor (pruned by a
// polling process every pruneAgeEvery, and by every process as it closes
// the file). A listener that finds rows gone before it read them tells its
// caches to start over.
const (
	keepChanges   = 100_000
	pruneEvery    = 4096
	keepFor       = time.Minute
	pruneAgeEvery = 10 * time.Second
)

// errChangesLost is the feed's failure when a listener fell so far behind
// that rows it had not read were pruned.
var errChangesLost = errors.New("change log pruned past this process's position")

type feed struct {
	mu        sync.Mutex
	listeners map[string]map[*listener]struct{}
	stopPoll  context.CancelFunc // nil while no poller runs
	polling   chan struct{}      // closed when the running poller has returned
	closed    bool               // the store is closed: no new listeners
	sinceLog  int                // announcements logged since the last prune (committer only)

	origin  string // this DB handle's name in change_log
	keep    int64  // rows kept; keepChanges except in tests
	pruneAt int    // announcements between prunes; pruneEvery except in tests
}

type listener struct {
	fn   func(string)
	lost chan error // buffered 1: the poller failed
}

type change struct{ topic, key string }

// newOrigin names this handle in the change log.
func newOrigin() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NotifyChange queues the announcement on the transaction. Outside a
// transaction it runs one of its own, so that the announcement is logged
// for other processes too.
func (s *store) NotifyChange(ctx context.Context, topic, key string) error {
	if s.tx == nil {
		return s.InTx(ctx, func(tx vern.Store) error { return tx.NotifyChange(ctx, topic, key) })
	}
	*s.changes = append(*s.changes, change{topic, key})
	return nil
}

// ListenChanges delivers the announcements of this process as they commit,
// and those of other processes on the same file within about pollEvery.
func (s *store) ListenChanges(ctx context.Context, topic string, ready func(), fn func(string)) error {
	l := &listener{fn: fn, lost: make(chan error, 1)}
	if err := s.db.listen(ctx, topic, l); err != nil {
		return err
	}
	ready()
	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case err = <-l.lost:
	}
	s.db.unlisten(topic, l)
	return err
}

// listen registers l, starting the poller if it is the first listener.
func (db *DB) listen(ctx context.Context, topic string, l *listener) error {
	// Start after the last number given out: whatever came before is
	// already in the store, where an empty cache reads it. That is the
	// log's sequence, not its newest row: pruning may have emptied the log,
	// and new rows continue the sequence. Read before taking the lock,
	// which every commit's publish needs.
	f := &db.feed
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return errClosed
	}
	var cursor int64
	if err := db.reader.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change_log'), 0)`).Scan(&cursor); err != nil {
		return fmt.Errorf("listen for changes: %w", translateErr(err))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errClosed
	}
	if f.stopPoll == nil {
		pctx, cancel := context.WithCancel(context.Background())
		f.stopPoll, f.polling = cancel, make(chan struct{})
		go db.poll(pctx, cursor, f.polling)
	}
	if f.listeners == nil {
		f.listeners = map[string]map[*listener]struct{}{}
	}
	if f.listeners[topic] == nil {
		f.listeners[topic] = map[*listener]struct{}{}
	}
	f.listeners[topic][l] = struct{}{}
	return nil
}

// unlisten removes l, stopping the poller with the last listener.
func (db *DB) unlisten(topic string, l *listener) {
	f := &db.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.listeners[topic][l]; !ok {
		return // already removed by a failed poll
	}
	delete(f.listeners[topic], l)
	if len(f.listeners[topic]) == 0 {
		delete(f.listeners, topic)
	}
	if len(f.listeners) == 0 && f.stopPoll != nil {
		f.stopPoll()
		f.stopPoll, f.polling = nil, nil
	}
}

// poll reads other processes' announcements from the change log until ctx
// ends or a read fails; a failure is handed to every listener, which then
// returns it from ListenChanges (and its cache starts over). Now and then
// it prunes rows older than keepFor. It closes done when it returns.
func (db *DB) poll(ctx context.Context, cursor int64, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next, changes, err := db.readChanges(ctx, cursor)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			db.failListeners(ctx, err)
			return
		}
		cursor = next
		db.publish(changes)
		if time.Since(pruned) >= pruneAgeEvery {
			pruned = time.Now()
			// A failed prune is tried again next time; the rows are only
			// kept a little longer.
			_ = db.InTx(ctx, func(tx vern.Store) error { return pruneOld(ctx, tx.(*store)) })
		}
	}
}

// pruneOld deletes change log rows older than keepFor. Rows are in time
// order, so the newest old row bounds a range of the primary key.
func pruneOld(ctx context.Context, s *store) error {
	_, err := s.exec(ctx, `DELETE FROM change_log WHERE seq <= (
		SELECT seq FROM change_log WHERE at < unixepoch() - ? ORDER BY seq DESC LIMIT 1)`, int64(keepFor/time.Second))
	if err != nil {
		return fmt.Errorf("prune change log: %w", translateErr(err))
	}
	return nil
}

// readChanges returns the announcements other processes logged after
// cursor, and the new cursor.
func (db *DB) readChanges(ctx context.Context, cursor int64) (int64, []change, error) {
	st, err := db.readStmts.get(ctx, `SELECT seq, origin, topic, key FROM change_log WHERE seq > ? ORDER BY seq`)
	if err != nil {
		return cursor, nil, fmt.Errorf("read change log: %w", translateErr(err))
	}
	rows, err := st.QueryContext(ctx, cursor)
	if err != nil {
		return cursor, nil, fmt.Errorf("read change log: %w", translateErr(err))
	}
	defer rows.Close()
	var changes []change
	for rows.Next() {
		var seq int64
		var origin string
		var c change
		if err := rows.Scan(&seq, &origin, &c.topic, &c.key); err != nil {
			return cursor, nil, fmt.Errorf("read change log: %w", err)
		}
		// One writer at a time assigns seq, so a committed log has no
		// holes; a hole after the cursor means rows were pruned unread.
		if seq != cursor+1 {
			return cursor, nil, errChangesLost
		}
		cursor = seq
		if origin != db.feed.origin {
			changes = append(changes, c)
		}
	}
	if err := rows.Err(); err != nil {
		return cursor, nil, fmt.Errorf("read change log: %w", err)
	}
	return cursor, changes, nil
}

// failListeners hands err to every listener and forgets them all, so that
// each returns from ListenChanges; the poller stops.
func (db *DB) failListeners(ctx context.Context, err error) {
	f := &db.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if ctx.Err() != nil {
		return // stopped meanwhile; the listeners have left
	}
	f.endLocked(err) // this poller returns right after
}

// endLocked hands err to every listener, forgets them all, so that each
// returns from ListenChanges, and stops the poller without waiting for it;
// it returns the poller's done channel. The caller holds f.mu.
func (f *feed) endLocked(err error) (polling chan struct{}) {
	for _, ls := range f.listeners {
		for l := range ls {
			l.lost <- err
		}
	}
	clear(f.listeners)
	polling = f.polling
	if f.stopPoll != nil {
		f.stopPoll()
	}
	f.stopPoll, f.polling = nil, nil
	return polling
}

// logChanges appends a committing group's announcements to the change log,
// inside its transaction, and now and then prunes the oldest rows.
func (db *DB) logChanges(tx *store, changes []change) error {
	if len(changes) == 0 {
		return nil
	}
	pairs := make([][2]string, len(changes))
	for i, c := range changes {
		pairs[i] = [2]string{c.topic, c.key}
	}
	list, err := json.Marshal(pairs)
	if err != nil {
		return fmt.Errorf("log changes: %w", err)
	}
	ctx := context.Background()
	res, err := tx.exec(ctx, `INSERT INTO change_log (origin, topic, key)
		SELECT ?, value ->> 0, value ->> 1 FROM json_each(?)`, db.feed.origin, string(list))
	if err != nil {
		return fmt.Errorf("log changes: %w", translateErr(err))
	}
	db.feed.sinceLog += len(changes) // only the committer goroutine touches it
	if db.feed.sinceLog < db.feed.pruneAt {
		return nil
	}
	db.feed.sinceLog = 0
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("log changes: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM change_log WHERE seq <= ?`, last-db.feed.keep); err != nil {
		return fmt.Errorf("prune change log: %w", translateErr(err))
	}
	return nil
}

// publish delivers committed changes to this process's listeners,
// synchronously, so that a cache has dropped the entry before the writer's
// caller returns.
func (db *DB) publish(changes []change) {
	if len(changes) == 0 {
		return
	}
	db.feed.mu.Lock()
	defer db.feed.mu.Unlock()
	for _, c := range changes {
		for l := range db.feed.listeners[c.topic] {
			l.fn(c.key)
		}
	}
}

// stopFeed ends every listener with errClosed and waits for the poller,
// at Close, before the connections it reads through are closed.
func (db *DB) stopFeed() {
	f := &db.feed
	f.mu.Lock()
	f.closed = true
	polling := f.endLocked(errClosed)
	f.mu.Unlock()
	if polling != nil {
		<-polling
	}
}
