package sqlite

import (
	"context"
	"sync"
)

// The SQLite change feed is in-process: one server process owns the file.
// Announcements made inside a transaction are delivered by the committer
// once that transaction has committed (commit.go).

type feed struct {
	mu        sync.Mutex
	listeners map[string]map[*listener]struct{}
}

type listener struct{ fn func(string) }

type change struct{ topic, key string }

// NotifyChange queues the announcement on the transaction.
func (s *store) NotifyChange(ctx context.Context, topic, key string) error {
	if s.tx == nil {
		s.db.publish([]change{{topic, key}})
		return nil
	}
	*s.changes = append(*s.changes, change{topic, key})
	return nil
}

// ListenChanges delivers this process's committed announcements.
func (s *store) ListenChanges(ctx context.Context, topic string, ready func(), fn func(string)) error {
	l := &listener{fn: fn}
	f := &s.db.feed
	f.mu.Lock()
	if f.listeners == nil {
		f.listeners = map[string]map[*listener]struct{}{}
	}
	if f.listeners[topic] == nil {
		f.listeners[topic] = map[*listener]struct{}{}
	}
	f.listeners[topic][l] = struct{}{}
	f.mu.Unlock()
	ready()
	<-ctx.Done()
	f.mu.Lock()
	delete(f.listeners[topic], l)
	f.mu.Unlock()
	return ctx.Err()
}

// publish delivers committed changes to the listeners, synchronously, so
// that a cache has dropped the entry before the writer's caller returns.
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
