package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vernhq/vern"
)

func testChangeFeed(t *testing.T, open Opener) {
	s := open(t)
	topic := fmt.Sprintf("vern_test_%d", time.Now().UnixNano()) // channels are shared by every schema of a database
	lctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan string, 16)
	ready := make(chan struct{})
	go func() {
		_ = s.ListenChanges(lctx, topic, func() { close(ready) }, func(k string) { got <- k })
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not start")
	}
	err := s.InTx(ctx(t), func(tx vern.Store) error {
		if err := tx.NotifyChange(ctx(t), topic, "rolled-back"); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error { return tx.NotifyChange(ctx(t), topic, "k1") }))
	select {
	case k := <-got:
		if k != "k1" {
			t.Fatalf("first change = %q, want k1 (a rolled-back change must not be announced)", k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("committed change was not announced")
	}
}

// testChangeFeedAcrossNodes checks that a listener hears the changes its
// own node commits and those another node commits, each once and in commit
// order, and never a rolled-back one.
func testChangeFeedAcrossNodes(t *testing.T, nodes Nodes) {
	a, b := nodes(t)
	topic := fmt.Sprintf("vern_test_%d", time.Now().UnixNano())
	lctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	got := make(chan string, 16)
	ready := make(chan struct{})
	stopped := make(chan error, 1)
	go func() {
		stopped <- a.ListenChanges(lctx, topic, func() { close(ready) }, func(k string) { got <- k })
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not start")
	}
	notify := func(s vern.Store, key string, fail bool) {
		t.Helper()
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.NotifyChange(ctx(t), topic, key); err != nil {
				return err
			}
			if fail {
				return errors.New("roll back")
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("announce %s: %v", key, err)
		}
	}
	notify(b, "other-rolled-back", true)
	notify(a, "own", false)
	notify(b, "other", false)
	notify(a, "own-again", false)
	// Outside a transaction an announcement is committed on its own.
	mustNoErr(t, b.NotifyChange(ctx(t), topic, "other-again"))
	// b's last change arrives after everything committed before it, so a
	// change heard twice would show before it.
	notify(b, "end", false)
	var heard []string
	for len(heard) == 0 || heard[len(heard)-1] != "end" {
		select {
		case k := <-got:
			heard = append(heard, k)
		case err := <-stopped:
			t.Fatalf("listener stopped: %v (heard %q)", err, heard)
		case <-time.After(10 * time.Second):
			t.Fatalf("heard %q and then nothing", heard)
		}
	}
	// Each change once; each node's changes in its commit order. Between
	// nodes there is no order: a's own arrive at its commit, b's when the
	// feed brings them.
	want := []string{"own", "other", "own-again", "other-again", "end"}
	pos := map[string]int{}
	for i, k := range heard {
		if _, dup := pos[k]; dup {
			t.Fatalf("heard %q twice: %q", k, heard)
		}
		pos[k] = i
	}
	for _, k := range want {
		if _, ok := pos[k]; !ok || len(heard) != len(want) {
			t.Fatalf("heard %q, want each of %q once", heard, want)
		}
	}
	if pos["own"] > pos["own-again"] || pos["other"] > pos["other-again"] {
		t.Fatalf("heard %q: a node's changes out of their commit order", heard)
	}
}
