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
