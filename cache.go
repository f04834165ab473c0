package vern

import (
	"context"
	"sync"
	"sync/atomic"
)

// Cache is a bounded in-memory map that the change feed keeps coherent
// with every node's writes: each change announced under its topic drops
// the entry with that key, on every node. It answers only while its feed
// is listening (see Follow); before that, and whenever the feed fails, it
// is empty and stores nothing, so readers go to the store.
//
// A reader that misses takes a Version before it reads the store and
// passes it to Put, which keeps the value only if nothing was dropped in
// between: a slow read can never put back a value that a change has
// already superseded.
//
// Its methods are safe for concurrent use. The zero Cache is unusable;
// use NewCache.
type Cache[V any] struct {
	max  int
	live atomic.Bool
	// drops counts every dropped entry and reset; see Version.
	drops atomic.Uint64

	mu sync.RWMutex
	m  map[string]V

	following     chan struct{} // closed the first time the cache turns live
	followingOnce sync.Once
}

// NewCache returns a cache that holds at most max entries; past that each
// new entry replaces an arbitrary old one.
func NewCache[V any](max int) *Cache[V] {
	return &Cache[V]{max: max, following: make(chan struct{})}
}

// Following returns a channel closed once the cache has first turned live,
// that is once its feed listens: a server waits on it before it takes
// requests, so that its first answers are already kept.
func (c *Cache[V]) Following() <-chan struct{} { return c.following }

// Get returns the value cached under key.
func (c *Cache[V]) Get(key string) (V, bool) {
	if !c.live.Load() {
		var zero V
		return zero, false
	}
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	return v, ok
}

// Version returns the cache's version, to take before reading the store
// for a value that will be Put.
func (c *Cache[V]) Version() uint64 { return c.drops.Load() }

// Put caches v under key, unless the cache is not live or an entry was
// dropped since version was taken.
func (c *Cache[V]) Put(key string, v V, version uint64) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drops.Load() != version {
		return
	}
	if c.m == nil {
		c.m = make(map[string]V)
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for old := range c.m { // map order is random: evict any one
			delete(c.m, old)
			break
		}
	}
	c.m[key] = v
}

// Drop forgets the entry under key.
func (c *Cache[V]) Drop(key string) {
	c.mu.Lock()
	c.drops.Add(1)
	delete(c.m, key)
	c.mu.Unlock()
}

// Reset forgets every entry and turns the cache on (live) or off.
func (c *Cache[V]) Reset(live bool) {
	c.mu.Lock()
	c.drops.Add(1)
	c.m = nil
	c.live.Store(live)
	c.mu.Unlock()
	if live {
		c.followingOnce.Do(func() { close(c.following) })
	}
}

// WaitFollowing waits until every one of caches has turned live once, or
// ctx ends.
func WaitFollowing(ctx context.Context, caches ...interface{ Following() <-chan struct{} }) error {
	for _, c := range caches {
		select {
		case <-c.Following():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Follow keeps the cache coherent with topic until ctx ends: it turns the
// cache on once feed listens, drops the entry under key(announcement) for
// each change (an announcement key cannot read empties the cache), and
// empties and turns it off while the feed is down, calling lost with the
// feed's error. key nil means announcements are the keys themselves.
func (c *Cache[V]) Follow(ctx context.Context, feed ChangeFeed, topic string, key func(announced string) (string, bool), lost func(error)) {
	drop := c.Drop
	if key != nil {
		drop = func(announced string) {
			if k, ok := key(announced); ok {
				c.Drop(k)
			} else {
				c.Reset(c.live.Load())
			}
		}
	}
	FollowChanges(ctx, feed, topic, c.Reset, drop, lost)
}
