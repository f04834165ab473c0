package person

import (
	"context"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/vernhq/vern"
)

// maxCachedIDs bounds the email→id cache; past it the cache starts over.
const maxCachedIDs = 1 << 20

// idCache maps email blind indexes to person ids, so that bulk decisions
// over a mailing list need no store read for people seen before. Only
// found people are kept (a new person may appear at any moment); an email
// stops leading to its person only by rectification or erasure, and both
// announce the old index on the change feed, which drops the entry on
// every node. Without a listening feed there is no cache.
type idCache struct {
	live          atomic.Bool
	invalidations atomic.Uint64
	mu            sync.RWMutex
	ids           map[string]string
}

func (c *idCache) get(index string) (string, bool) {
	if !c.live.Load() {
		return "", false
	}
	c.mu.RLock()
	id, ok := c.ids[index]
	c.mu.RUnlock()
	return id, ok
}

func (c *idCache) put(index, id string, seen uint64) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.invalidations.Load() != seen {
		return
	}
	if c.ids == nil || len(c.ids) >= maxCachedIDs {
		c.ids = make(map[string]string)
	}
	c.ids[index] = id
}

func (c *idCache) drop(hexIndex string) {
	index, err := hex.DecodeString(hexIndex)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidations.Add(1)
	if err != nil {
		c.ids = nil // an unreadable announcement: forget everything
		return
	}
	delete(c.ids, string(index))
}

func (c *idCache) reset(live bool) {
	c.mu.Lock()
	c.invalidations.Add(1)
	c.ids = nil
	c.live.Store(live)
	c.mu.Unlock()
}

// Run keeps the email→id cache coherent with every node's rectifications
// and erasures until ctx ends.
func (s *Service) Run(ctx context.Context, log *slog.Logger) {
	vern.FollowChanges(ctx, s.store, vern.TopicPeople, s.ids.reset, s.ids.drop, func(err error) {
		if log != nil {
			log.Error("people change feed stopped; lookups read the store until it is back", "error", err.Error())
		}
	})
}

// announceEmailGone tells every node that index no longer leads to its person.
func announceEmailGone(ctx context.Context, tx vern.Store, index []byte) error {
	if len(index) == 0 {
		return nil
	}
	return tx.NotifyChange(ctx, vern.TopicPeople, hex.EncodeToString(index))
}
