package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testCheckpoint(t *testing.T, open Opener) {
	s := open(t)
	none, err := s.FindLedgerCheckpoints(ctx(t))
	mustNoErr(t, err)
	if len(none) != 0 {
		t.Fatalf("checkpoints in a new store: %d", len(none))
	}
	c1 := &vern.LedgerCheckpoint{Seq: 1, At: epoch, Chains: 2, Events: 5, Root: []byte("root-1")}
	c1.Hash = c1.ComputeHash()
	c2 := &vern.LedgerCheckpoint{Seq: 2, At: epoch.Add(3600e9), Chains: 3, Events: 9, Root: []byte("root-2"), PrevHash: c1.Hash}
	c2.Hash = c2.ComputeHash()
	mustNoErr(t, s.CreateLedgerCheckpoint(ctx(t), c1))
	mustNoErr(t, s.CreateLedgerCheckpoint(ctx(t), c2))
	wantCode(t, s.CreateLedgerCheckpoint(ctx(t), c2), vern.ECONFLICT)
	got, err := s.FindLedgerCheckpoints(ctx(t))
	mustNoErr(t, err)
	if diff := cmp.Diff([]*vern.LedgerCheckpoint{c1, c2}, got); diff != "" {
		t.Fatalf("FindLedgerCheckpoints mismatch (-want +got):\n%s", diff)
	}
}
