package storetest

import (
	"errors"
	"testing"

	"github.com/vernhq/vern"
)

func testTx(t *testing.T, open Opener) {
	t.Run("RollbackLeavesNothing", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.CreatePerson(ctx(t), NewSealedPerson(1)); err != nil {
				return err
			}
			if _, err := tx.FindPersonByID(ctx(t), NewSealedPerson(1).ID); err != nil {
				t.Errorf("transaction does not read its own write: %v", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		_, err = s.FindPersonByID(ctx(t), NewSealedPerson(1).ID)
		wantCode(t, err, vern.ENOTFOUND)
	})
	t.Run("CommitAndNest", func(t *testing.T) {
		s := open(t)
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.CreatePerson(ctx(t), NewSealedPerson(1)); err != nil {
				return err
			}
			return tx.InTx(ctx(t), func(inner vern.Store) error {
				return inner.CreatePerson(ctx(t), NewSealedPerson(2))
			})
		})
		mustNoErr(t, err)
		n, err := s.CountPeople(ctx(t))
		mustNoErr(t, err)
		if n != 2 {
			t.Fatalf("CountPeople = %d, want 2", n)
		}
	})
}

// testConcurrentTx runs many transactions at once, every third failing:
// the failing ones leave nothing and the others all commit, however the
// backend groups them.
func testConcurrentTx(t *testing.T, open Opener) {
	s := open(t)
	const n = 300
	errs := make(chan error, n)
	boom := errors.New("boom")
	for i := range n {
		go func() {
			errs <- s.InTx(ctx(t), func(tx vern.Store) error {
				if err := tx.CreatePerson(ctx(t), NewSealedPerson(i)); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				if i%3 == 1 { // a failed statement fails its own transaction only
					dup := NewSealedPerson(100000 + i)
					dup.EmailIndex = NewSealedPerson(i).EmailIndex
					return tx.CreatePerson(ctx(t), dup)
				}
				return nil
			})
		}()
	}
	failed, conflicted := 0, 0
	for range n {
		err := <-errs
		switch {
		case errors.Is(err, boom):
			failed++
		case vern.ErrorCode(err) == vern.ECONFLICT:
			conflicted++
		case err != nil:
			t.Fatal(err)
		}
	}
	if failed != n/3 || conflicted != n/3 {
		t.Fatalf("%d failed and %d conflicted, want %d each", failed, conflicted, n/3)
	}
	for i := range n {
		_, err := s.FindPersonByID(ctx(t), NewSealedPerson(i).ID)
		if i%3 != 2 {
			wantCode(t, err, vern.ENOTFOUND)
		} else if err != nil {
			t.Fatalf("person %d of a committed transaction: %v", i, err)
		}
	}
}
