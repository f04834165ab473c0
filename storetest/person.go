package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

// NewSealedPerson returns a stored-form person with synthetic bytes; the
// store never interprets them.
func NewSealedPerson(n int) *vern.SealedPerson {
	return &vern.SealedPerson{
		ID:            fmt.Sprintf("per_%026d", n),
		EmailIndex:    []byte(fmt.Sprintf("index-%d", n)),
		WrappedKey:    []byte(fmt.Sprintf("wrapped-%d", n)),
		Sealed:        []byte(fmt.Sprintf("sealed-%d", n)),
		Language:      "nb",
		SourceChannel: vern.ChannelAPI,
		SourceRef:     "test",
		CreatedAt:     epoch,
		UpdatedAt:     epoch,
	}
}

func testPerson(t *testing.T, open Opener) {
	t.Run("CreateFind", func(t *testing.T) {
		s := open(t)
		p := NewSealedPerson(1)
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		got, err := s.FindPersonByID(ctx(t), p.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("FindPersonByID mismatch (-want +got):\n%s", diff)
		}
		got, err = s.FindPersonByEmailIndex(ctx(t), p.EmailIndex)
		mustNoErr(t, err)
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("FindPersonByEmailIndex mismatch (-want +got):\n%s", diff)
		}
		n, err := s.CountPeople(ctx(t))
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("CountPeople = %d, want 1", n)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		_, err := s.FindPersonByID(ctx(t), "per_missing")
		wantCode(t, err, vern.ENOTFOUND)
		_, err = s.FindPersonByEmailIndex(ctx(t), []byte("nope"))
		wantCode(t, err, vern.ENOTFOUND)
		wantCode(t, s.UpdatePerson(ctx(t), NewSealedPerson(9)), vern.ENOTFOUND)
	})
	t.Run("DuplicateEmailConflicts", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.CreatePerson(ctx(t), NewSealedPerson(1)))
		dup := NewSealedPerson(2)
		dup.EmailIndex = NewSealedPerson(1).EmailIndex
		wantCode(t, s.CreatePerson(ctx(t), dup), vern.ECONFLICT)
	})
	t.Run("PeopleWithoutEmail", func(t *testing.T) {
		s := open(t)
		for i := range 3 {
			p := NewSealedPerson(i)
			p.EmailIndex = nil
			mustNoErr(t, s.CreatePerson(ctx(t), p))
		}
		got, err := s.FindPersonByID(ctx(t), NewSealedPerson(2).ID)
		mustNoErr(t, err)
		if got.EmailIndex != nil {
			t.Fatalf("EmailIndex = %q, want nil", got.EmailIndex)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.CreatePerson(ctx(t), NewSealedPerson(1)))
		mustNoErr(t, s.CreatePerson(ctx(t), NewSealedPerson(2)))
		p := NewSealedPerson(1)
		p.EmailIndex = []byte("new-index")
		p.Sealed = []byte("resealed")
		p.Language = "en"
		p.UpdatedAt = epoch.Add(90 * 60e9)
		mustNoErr(t, s.UpdatePerson(ctx(t), p))
		got, err := s.FindPersonByEmailIndex(ctx(t), []byte("new-index"))
		mustNoErr(t, err)
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("after UpdatePerson mismatch (-want +got):\n%s", diff)
		}
		p.EmailIndex = NewSealedPerson(2).EmailIndex
		wantCode(t, s.UpdatePerson(ctx(t), p), vern.ECONFLICT)
	})
	t.Run("CreatePeopleSkipsExisting", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.CreatePerson(ctx(t), NewSealedPerson(5)))
		var batch []*vern.SealedPerson
		for i := range 1234 {
			batch = append(batch, NewSealedPerson(i))
		}
		n, err := s.CreatePeople(ctx(t), batch)
		mustNoErr(t, err)
		if n != 1233 {
			t.Fatalf("CreatePeople inserted %d, want 1233", n)
		}
		count, err := s.CountPeople(ctx(t))
		mustNoErr(t, err)
		if count != 1234 {
			t.Fatalf("CountPeople = %d, want 1234", count)
		}
		ids, err := s.FindPersonIDsByEmailIndex(ctx(t), [][]byte{NewSealedPerson(7).EmailIndex, []byte("unknown"), NewSealedPerson(1000).EmailIndex})
		mustNoErr(t, err)
		want := map[string]string{"index-7": NewSealedPerson(7).ID, "index-1000": NewSealedPerson(1000).ID}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Fatalf("FindPersonIDsByEmailIndex mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Purposes", func(t *testing.T) {
		s := open(t)
		p := NewSealedPerson(1)
		p.Purposes = []string{"event_info", "sales_contact"}
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		bulk := NewSealedPerson(2)
		bulk.Purposes = []string{"inquiries"}
		_, err := s.CreatePeople(ctx(t), []*vern.SealedPerson{bulk, NewSealedPerson(3)})
		mustNoErr(t, err)
		for _, want := range []*vern.SealedPerson{p, bulk, NewSealedPerson(3)} {
			got, err := s.FindPersonByID(ctx(t), want.ID)
			mustNoErr(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("FindPersonByID mismatch (-want +got):\n%s", diff)
			}
			got, err = s.FindPersonByIDForUpdate(ctx(t), want.ID)
			mustNoErr(t, err)
			if diff := cmp.Diff(want.Purposes, got.Purposes); diff != "" {
				t.Fatalf("FindPersonByIDForUpdate purposes mismatch (-want +got):\n%s", diff)
			}
		}
		p.Purposes = []string{"inquiries"}
		mustNoErr(t, s.UpdatePerson(ctx(t), p))
		got, err := s.FindPersonByEmailIndex(ctx(t), p.EmailIndex)
		mustNoErr(t, err)
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("after UpdatePerson mismatch (-want +got):\n%s", diff)
		}
		p.Purposes = nil
		mustNoErr(t, s.UpdatePerson(ctx(t), p))
		got, err = s.FindPersonByID(ctx(t), p.ID)
		mustNoErr(t, err)
		if got.Purposes != nil {
			t.Fatalf("cleared purposes = %q, want nil", got.Purposes)
		}
		facts, err := s.FindRetentionFactsOf(ctx(t), []string{p.ID, bulk.ID})
		mustNoErr(t, err)
		if len(facts) != 2 || facts[0].Purposes != nil || !cmp.Equal(facts[1].Purposes, []string{"inquiries"}) {
			t.Fatalf("retention facts purposes = %+v, want none and [inquiries]", facts)
		}
		all, err := s.FindRetentionFacts(ctx(t), "", 10)
		mustNoErr(t, err)
		if len(all) != 3 || !cmp.Equal(all[1].Purposes, []string{"inquiries"}) {
			t.Fatalf("FindRetentionFacts = %+v, want [inquiries] on the second", all)
		}
	})
}
