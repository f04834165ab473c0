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
