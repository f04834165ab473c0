package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func wantSuppressions(t *testing.T, s vern.SuppressionStore, want int) {
	t.Helper()
	n, err := s.CountSuppressions(ctx(t))
	mustNoErr(t, err)
	if n != want {
		t.Fatalf("CountSuppressions = %d, want %d", n, want)
	}
}

func testSuppression(t *testing.T, open Opener) {
	t.Run("AddFind", func(t *testing.T) {
		s := open(t)
		hash := func(i int) []byte { return fmt.Appendf(nil, "suppressed-%d", i) }
		// Every third of 1,200 hashes is listed, so the lookup spans chunks.
		want := map[string]bool{}
		var hashes [][]byte
		for i := range 1200 {
			hashes = append(hashes, hash(i))
			if i%3 == 0 {
				mustNoErr(t, s.AddSuppression(ctx(t), &vern.Suppression{Hash: hash(i), Reason: vern.SuppressErasure, At: epoch}))
				want[string(hash(i))] = true
			}
		}
		// Listing a listed hash again is no error and adds nothing.
		mustNoErr(t, s.AddSuppression(ctx(t), &vern.Suppression{Hash: hash(0), Reason: vern.SuppressUnsubscribe, At: epoch.Add(time.Hour)}))
		wantSuppressions(t, s, 400)
		got, err := s.FindSuppressed(ctx(t), hashes)
		mustNoErr(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindSuppressed mismatch (-want +got):\n%s", diff)
		}
		got, err = s.FindSuppressed(ctx(t), [][]byte{hash(1), hash(3), []byte("unknown")})
		mustNoErr(t, err)
		if diff := cmp.Diff(map[string]bool{string(hash(3)): true}, got); diff != "" {
			t.Fatalf("FindSuppressed(few) mismatch (-want +got):\n%s", diff)
		}
		got, err = s.FindSuppressed(ctx(t), nil)
		mustNoErr(t, err)
		if got == nil || len(got) != 0 {
			t.Fatalf("FindSuppressed(nil) = %v, want an empty map", got)
		}
	})
	t.Run("InTx", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.AddSuppression(ctx(t), &vern.Suppression{Hash: []byte("h1"), Reason: vern.SuppressObjection, At: epoch}); err != nil {
				return err
			}
			got, err := tx.FindSuppressed(ctx(t), [][]byte{[]byte("h1")})
			if err != nil {
				return err
			}
			if !got["h1"] {
				t.Error("a transaction does not see its own suppression")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		wantSuppressions(t, s, 0)
	})
}
