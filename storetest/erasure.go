package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testErasure(t *testing.T, open Opener) {
	t.Run("Hold", func(t *testing.T) {
		s := open(t)
		held := NewSealedPerson(1)
		held.HeldUntil = "2031-12-31"
		mustNoErr(t, s.CreatePerson(ctx(t), held))
		bulk := NewSealedPerson(2)
		bulk.HeldUntil = "2030-06-30"
		_, err := s.CreatePeople(ctx(t), []*vern.SealedPerson{bulk})
		mustNoErr(t, err)
		for _, p := range []*vern.SealedPerson{held, bulk} {
			got, err := s.FindPersonByID(ctx(t), p.ID)
			mustNoErr(t, err)
			if diff := cmp.Diff(p, got); diff != "" {
				t.Fatalf("FindPersonByID(%s) mismatch (-want +got):\n%s", p.ID, diff)
			}
		}
		mustNoErr(t, s.SetPersonHold(ctx(t), held.ID, "2032-01-31"))
		got, err := s.FindPersonByEmailIndex(ctx(t), held.EmailIndex)
		mustNoErr(t, err)
		if got.HeldUntil != "2032-01-31" {
			t.Fatalf("after SetPersonHold HeldUntil = %q, want 2032-01-31", got.HeldUntil)
		}
		mustNoErr(t, s.SetPersonHold(ctx(t), held.ID, ""))
		got, err = s.FindPersonByID(ctx(t), held.ID)
		mustNoErr(t, err)
		if got.HeldUntil != "" {
			t.Fatalf("after clearing the hold HeldUntil = %q, want empty", got.HeldUntil)
		}
		got.HeldUntil, got.UpdatedAt = "2033-03-03", epoch.Add(time.Hour)
		mustNoErr(t, s.UpdatePerson(ctx(t), got))
		again, err := s.FindPersonByID(ctx(t), held.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("after UpdatePerson mismatch (-want +got):\n%s", diff)
		}
		wantCode(t, s.SetPersonHold(ctx(t), "per_missing", "2031-12-31"), vern.ENOTFOUND)
	})
	t.Run("ErasePerson", func(t *testing.T) { testErasePerson(t, open) })
	t.Run("DeleteInteractions", func(t *testing.T) {
		s := open(t)
		p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
		mustNoErr(t, s.CreatePerson(ctx(t), p1))
		mustNoErr(t, s.CreatePerson(ctx(t), p2))
		for i, id := range []string{"int_1", "int_2", "int_3", "int_4"} {
			person := p1.ID
			if i == 3 {
				person = p2.ID
			}
			mustNoErr(t, s.CreateInteraction(ctx(t), &vern.SealedInteraction{ID: id, PersonID: person,
				Channel: vern.ChannelEmail, Kind: vern.KindNote, SealedText: []byte("sealed"), CreatedAt: epoch}))
		}
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if _, err := tx.DeleteInteractions(ctx(t), p1.ID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		for _, tt := range []struct {
			person     string
			want, left int
		}{{p1.ID, 3, 0}, {p1.ID, 0, 0}, {"per_missing", 0, 0}} {
			n, err := s.DeleteInteractions(ctx(t), tt.person)
			mustNoErr(t, err)
			if n != tt.want {
				t.Fatalf("DeleteInteractions(%s) = %d, want %d", tt.person, n, tt.want)
			}
			got, err := s.FindInteractions(ctx(t), tt.person)
			mustNoErr(t, err)
			if len(got) != tt.left {
				t.Fatalf("after DeleteInteractions(%s) %d interactions left, want %d", tt.person, len(got), tt.left)
			}
		}
		kept, err := s.FindInteractions(ctx(t), p2.ID)
		mustNoErr(t, err)
		if len(kept) != 1 {
			t.Fatalf("another person's interactions = %d, want 1", len(kept))
		}
	})
	t.Run("RedactConsentEvents", func(t *testing.T) { testRedactConsentEvents(t, open) })
}

// testErasePerson checks that an erased person is gone from every read and
// write but leaves its ledger intact, and that a rolled-back erasure keeps
// the person.
func testErasePerson(t *testing.T, open Opener) {
	s := open(t)
	org := &vern.Organization{ID: "org_1", MatchKey: "123456789", Name: "Acme AS", CreatedAt: epoch}
	mustNoErr(t, s.EnsureOrganization(ctx(t), org))
	p, kept := NewSealedPerson(1), NewSealedPerson(2)
	p.OrganizationID, p.HeldUntil = org.ID, "2031-12-31"
	mustNoErr(t, s.CreatePerson(ctx(t), p))
	mustNoErr(t, s.CreatePerson(ctx(t), kept))
	chain := newChain(1, p.ID, 3)
	for _, e := range chain {
		mustNoErr(t, s.AppendConsentEvent(ctx(t), e))
	}

	boom := errors.New("boom")
	err := s.InTx(ctx(t), func(tx vern.Store) error {
		if err := tx.ErasePerson(ctx(t), p.ID, epoch.Add(time.Hour)); err != nil {
			return err
		}
		if _, err := tx.FindPersonByID(ctx(t), p.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Errorf("FindPersonByID of a person erased in this transaction = %v, want ENOTFOUND", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v, want boom", err)
	}
	got, err := s.FindPersonByID(ctx(t), p.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Fatalf("after a rolled-back erasure mismatch (-want +got):\n%s", diff)
	}

	mustNoErr(t, s.ErasePerson(ctx(t), p.ID, epoch.Add(time.Hour)))
	_, err = s.FindPersonByID(ctx(t), p.ID)
	wantCode(t, err, vern.ENOTFOUND)
	_, err = s.FindPersonByEmailIndex(ctx(t), p.EmailIndex)
	wantCode(t, err, vern.ENOTFOUND)
	mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
		if _, err := tx.FindPersonByIDForUpdate(ctx(t), p.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Errorf("FindPersonByIDForUpdate of an erased person = %v, want ENOTFOUND", err)
		}
		return nil
	}))
	ids, err := s.FindPersonIDsByEmailIndex(ctx(t), [][]byte{p.EmailIndex, kept.EmailIndex})
	mustNoErr(t, err)
	if diff := cmp.Diff(map[string]string{string(kept.EmailIndex): kept.ID}, ids); diff != "" {
		t.Fatalf("FindPersonIDsByEmailIndex mismatch (-want +got):\n%s", diff)
	}
	n, err := s.CountPeople(ctx(t))
	mustNoErr(t, err)
	if n != 1 {
		t.Fatalf("CountPeople = %d, want 1", n)
	}
	wantCode(t, s.UpdatePerson(ctx(t), p), vern.ENOTFOUND)
	wantCode(t, s.SetPersonHold(ctx(t), p.ID, "2031-12-31"), vern.ENOTFOUND)
	wantCode(t, s.ErasePerson(ctx(t), p.ID, epoch.Add(2*time.Hour)), vern.ENOTFOUND)
	wantCode(t, s.ErasePerson(ctx(t), "per_missing", epoch), vern.ENOTFOUND)

	// The email index is free for someone new.
	again := NewSealedPerson(3)
	again.EmailIndex = p.EmailIndex
	mustNoErr(t, s.CreatePerson(ctx(t), again))
	// The ledger naming the erased id stays readable and whole.
	events, err := s.FindConsentEvents(ctx(t), p.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(chain, events); diff != "" {
		t.Fatalf("ledger of an erased person mismatch (-want +got):\n%s", diff)
	}
	// The other person is untouched.
	got, err = s.FindPersonByID(ctx(t), kept.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(kept, got); diff != "" {
		t.Fatalf("another person after erasure mismatch (-want +got):\n%s", diff)
	}
}

// testRedactConsentEvents checks that redaction clears exactly the evidence
// fields, that every read reports it, and that the chain still verifies
// and can be appended to.
func testRedactConsentEvents(t *testing.T, open Opener) {
	s := open(t)
	p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
	mustNoErr(t, s.CreatePerson(ctx(t), p1))
	mustNoErr(t, s.CreatePerson(ctx(t), p2))
	chain1, chain2 := newChain(1, p1.ID, 4), newChain(2, p2.ID, 2)
	for _, e := range append(append([]*vern.ConsentEvent{}, chain1...), chain2...) {
		mustNoErr(t, s.AppendConsentEvent(ctx(t), e))
	}

	boom := errors.New("boom")
	err := s.InTx(ctx(t), func(tx vern.Store) error {
		if _, err := tx.RedactConsentEvents(ctx(t), p1.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v, want boom", err)
	}
	got, err := s.FindConsentEvents(ctx(t), p1.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(chain1, got); diff != "" {
		t.Fatalf("after a rolled-back redaction mismatch (-want +got):\n%s", diff)
	}

	n, err := s.RedactConsentEvents(ctx(t), p1.ID)
	mustNoErr(t, err)
	if n != len(chain1) {
		t.Fatalf("RedactConsentEvents = %d, want %d", n, len(chain1))
	}
	var want []*vern.ConsentEvent
	for _, e := range chain1 {
		r := *e
		r.NoticeHash, r.Channel, r.Actor, r.PageURL, r.UserAgent, r.IPPrefix = "", "", "", "", "", ""
		r.Redacted = true
		want = append(want, &r)
	}
	got, err = s.FindConsentEvents(ctx(t), p1.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FindConsentEvents after redaction mismatch (-want +got):\n%s", diff)
	}
	if i := vern.VerifyChain(got); i != -1 {
		t.Fatalf("VerifyChain of a redacted chain = %d, want -1", i)
	}
	last, err := s.FindLastConsentEvent(ctx(t), p1.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(want[len(want)-1], last); diff != "" {
		t.Fatalf("FindLastConsentEvent after redaction mismatch (-want +got):\n%s", diff)
	}
	byID, err := s.FindConsentEventByID(ctx(t), want[1].ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(want[1], byID); diff != "" {
		t.Fatalf("FindConsentEventByID after redaction mismatch (-want +got):\n%s", diff)
	}
	many, err := s.FindConsentEventsOfPeople(ctx(t), []string{p1.ID, p2.ID})
	mustNoErr(t, err)
	if diff := cmp.Diff(map[string][]*vern.ConsentEvent{p1.ID: want, p2.ID: chain2}, many); diff != "" {
		t.Fatalf("FindConsentEventsOfPeople after redaction mismatch (-want +got):\n%s", diff)
	}
	walked := map[string][]*vern.ConsentEvent{}
	mustNoErr(t, s.EachConsentChain(ctx(t), func(personID string, events []*vern.ConsentEvent) error {
		walked[personID] = events
		if i := vern.VerifyChain(events); i != -1 {
			t.Errorf("VerifyChain(%s) in EachConsentChain = %d, want -1", personID, i)
		}
		return nil
	}))
	if diff := cmp.Diff(map[string][]*vern.ConsentEvent{p1.ID: want, p2.ID: chain2}, walked); diff != "" {
		t.Fatalf("EachConsentChain after redaction mismatch (-want +got):\n%s", diff)
	}

	// Redacting again redacts nothing more.
	n, err = s.RedactConsentEvents(ctx(t), p1.ID)
	mustNoErr(t, err)
	if n != 0 {
		t.Fatalf("RedactConsentEvents again = %d, want 0", n)
	}
	// An event appended after the redacted head links to its kept hash.
	next := NewConsentEvent(1, p1.ID, last)
	mustNoErr(t, s.AppendConsentEvent(ctx(t), next))
	got, err = s.FindConsentEvents(ctx(t), p1.ID)
	mustNoErr(t, err)
	if len(got) != len(chain1)+1 || got[len(got)-1].Redacted {
		t.Fatalf("after appending to a redacted chain: %d events, last redacted %v", len(got), got[len(got)-1].Redacted)
	}
	if i := vern.VerifyChain(got); i != -1 {
		t.Fatalf("VerifyChain after appending to a redacted chain = %d, want -1", i)
	}
}
