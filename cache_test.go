package vern_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
)

func TestCacheKeepsNothingUntilLive(t *testing.T) {
	c := vern.NewCache[int](4)
	c.Put("a", 1, c.Version())
	if _, ok := c.Get("a"); ok {
		t.Fatal("a cache that is not live kept a value")
	}
	select {
	case <-c.Following():
		t.Fatal("Following is closed before the cache turned live")
	default:
	}
	c.Reset(true)
	select {
	case <-c.Following():
	default:
		t.Fatal("Following is still open after the cache turned live")
	}
	c.Put("a", 1, c.Version())
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
	// Turning off again empties it; Following stays closed.
	c.Reset(false)
	if _, ok := c.Get("a"); ok {
		t.Fatal("a cache turned off still answers")
	}
	select {
	case <-c.Following():
	default:
		t.Fatal("Following reopened when the cache turned off")
	}
}

func TestCacheRefusesAStaleRead(t *testing.T) {
	c := vern.NewCache[int](4)
	c.Reset(true)
	seen := c.Version()
	c.Drop("a") // a change lands while the reader is at the store
	c.Put("a", 1, seen)
	if _, ok := c.Get("a"); ok {
		t.Fatal("a value read before a drop was kept")
	}
	c.Put("a", 2, c.Version())
	c.Drop("a")
	if _, ok := c.Get("a"); ok {
		t.Fatal("a dropped entry still answers")
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := vern.NewCache[int](3)
	c.Reset(true)
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		c.Put(k, i, c.Version())
	}
	n := 0
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if _, ok := c.Get(k); ok {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d entries kept, want 3", n)
	}
	if v, ok := c.Get("e"); !ok || v != 4 {
		t.Fatalf("the newest entry is not kept: %d, %v", v, ok)
	}
}

// TestCacheFollowsTheStore follows a real store's change feed: the cache
// turns live once the feed listens, and a committed announcement drops
// the entry under its key, while a rolled-back one does not.
func TestCacheFollowsTheStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := vern.NewCache[string](16)
		done := make(chan struct{})
		go func() { defer close(done); c.Follow(ctx, s, vern.TopicPerson, nil, nil) }()
		defer func() { cancel(); <-done }()

		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		if err := vern.WaitFollowing(wctx, c); err != nil {
			t.Fatalf("the cache did not turn live: %v", err)
		}
		c.Put("kept", "k", c.Version())
		c.Put("changed", "c", c.Version())

		errRollback := vern.Errorf(vern.ECONFLICT, "roll back")
		if err := s.InTx(ctx, func(tx vern.Store) error {
			if err := tx.NotifyChange(ctx, vern.TopicPerson, "kept"); err != nil {
				return err
			}
			return errRollback
		}); !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the rollback error", err)
		}
		if err := s.NotifyChange(ctx, vern.TopicPerson, "changed"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, ok := c.Get("changed"); !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a committed change did not drop its entry")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if v, ok := c.Get("kept"); !ok || v != "k" {
			t.Fatalf("an announcement that was rolled back dropped its entry: %q, %v", v, ok)
		}
	})
}
