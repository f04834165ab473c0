package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

// NewConsentEvent returns the event after prev (nil for the first) in the
// chain of person n, sealed so that its hashes are real. Times stay on
// whole microseconds, which both backends keep.
func NewConsentEvent(n int, personID string, prev *vern.ConsentEvent) *vern.ConsentEvent {
	seq := int64(1)
	if prev != nil {
		seq = prev.Seq + 1
	}
	e := &vern.ConsentEvent{
		ID:            fmt.Sprintf("cev_%08d_%08d", n, seq),
		PersonID:      personID,
		Kind:          vern.EventConsentGranted,
		Purpose:       "newsletter",
		PolicyVersion: "2026-01",
		NoticeHash:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Channel:       vern.ChannelAPI,
		Actor:         "token:tok_test",
		At:            epoch.Add(time.Duration(seq) * time.Second),
	}
	switch seq % 3 {
	case 0:
		e.Kind, e.Purpose = vern.EventObjection, vern.ScopeDirectMarketing
	case 2:
		e.Kind = vern.EventConsentWithdrawn
		e.PageURL, e.UserAgent, e.IPPrefix = "https://example.com/privacy", "Mozilla/5.0", "192.0.2.0/24"
	}
	e.Seal(prev)
	return e
}

// newChain returns a sealed chain of length events for person n.
func newChain(n int, personID string, length int) []*vern.ConsentEvent {
	var chain []*vern.ConsentEvent
	var prev *vern.ConsentEvent
	for range length {
		prev = NewConsentEvent(n, personID, prev)
		chain = append(chain, prev)
	}
	return chain
}

func testConsent(t *testing.T, open Opener) {
	t.Run("AppendFind", func(t *testing.T) {
		s := open(t)
		cs := s
		p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
		mustNoErr(t, s.CreatePerson(ctx(t), p1))
		mustNoErr(t, s.CreatePerson(ctx(t), p2))
		want1, want2 := newChain(1, p1.ID, 4), newChain(2, p2.ID, 3)
		for i := range want1 { // interleaved, so per-person order does not follow insertion order
			mustNoErr(t, cs.AppendConsentEvent(ctx(t), want1[i]))
			if i < len(want2) {
				mustNoErr(t, cs.AppendConsentEvent(ctx(t), want2[i]))
			}
		}
		for _, want := range [][]*vern.ConsentEvent{want1, want2} {
			got, err := cs.FindConsentEvents(ctx(t), want[0].PersonID)
			mustNoErr(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("FindConsentEvents(%s) mismatch (-want +got):\n%s", want[0].PersonID, diff)
			}
			if i := vern.VerifyChain(got); i != -1 {
				t.Fatalf("VerifyChain(%s) = %d, want -1", want[0].PersonID, i)
			}
			last, err := cs.FindLastConsentEvent(ctx(t), want[0].PersonID)
			mustNoErr(t, err)
			seq, hash, err := cs.FindConsentHead(ctx(t), want[0].PersonID)
			mustNoErr(t, err)
			if seq != last.Seq || string(hash) != string(last.Hash) {
				t.Fatalf("FindConsentHead = %d %x, want %d %x", seq, hash, last.Seq, last.Hash)
			}
			if diff := cmp.Diff(want[len(want)-1], last); diff != "" {
				t.Fatalf("FindLastConsentEvent(%s) mismatch (-want +got):\n%s", want[0].PersonID, diff)
			}
			for _, e := range want { // cmp tells a nil PrevHash (seq 1) from an empty one
				got, err := cs.FindConsentEventByID(ctx(t), e.ID)
				mustNoErr(t, err)
				if diff := cmp.Diff(e, got); diff != "" {
					t.Fatalf("FindConsentEventByID(%s) mismatch (-want +got):\n%s", e.ID, diff)
				}
			}
		}
		many, err := cs.FindConsentEventsOfPeople(ctx(t), []string{p1.ID, "per_without_events", p2.ID})
		mustNoErr(t, err)
		wantMany := map[string][]*vern.ConsentEvent{p1.ID: want1, p2.ID: want2}
		if diff := cmp.Diff(wantMany, many); diff != "" {
			t.Fatalf("FindConsentEventsOfPeople mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		cs := s
		if _, _, err := cs.FindConsentHead(ctx(t), "per_nobody"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("FindConsentHead of a person without events: %v", err)
		}
		p := NewSealedPerson(1)
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		_, err := cs.FindLastConsentEvent(ctx(t), p.ID) // a person without events
		wantCode(t, err, vern.ENOTFOUND)
		_, err = cs.FindLastConsentEvent(ctx(t), "per_missing")
		wantCode(t, err, vern.ENOTFOUND)
		_, err = cs.FindConsentEventByID(ctx(t), "cev_missing")
		wantCode(t, err, vern.ENOTFOUND)
		none, err := cs.FindConsentEvents(ctx(t), "per_missing")
		mustNoErr(t, err)
		if len(none) != 0 {
			t.Fatalf("FindConsentEvents for unknown person = %d events, want 0", len(none))
		}
		orphan := NewConsentEvent(9, "per_missing", nil)
		wantCode(t, cs.AppendConsentEvent(ctx(t), orphan), vern.ENOTFOUND)
	})
	t.Run("Conflict", func(t *testing.T) {
		s := open(t)
		cs := s
		p := NewSealedPerson(1)
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		chain := newChain(1, p.ID, 2)
		for _, e := range chain {
			mustNoErr(t, cs.AppendConsentEvent(ctx(t), e))
		}
		fork := NewConsentEvent(2, p.ID, chain[0]) // a second event at seq 2
		wantCode(t, cs.AppendConsentEvent(ctx(t), fork), vern.ECONFLICT)
		reused := NewConsentEvent(1, p.ID, chain[1]) // seq 3 under a taken id
		reused.ID = chain[0].ID
		reused.Seal(chain[1])
		wantCode(t, cs.AppendConsentEvent(ctx(t), reused), vern.ECONFLICT)
		got, err := cs.FindConsentEvents(ctx(t), p.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff(chain, got); diff != "" {
			t.Fatalf("after conflicts FindConsentEvents mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("EachConsentChain", func(t *testing.T) { testEachConsentChain(t, open) })
	t.Run("ConcurrentAppend", func(t *testing.T) { testConcurrentAppend(t, open) })
}

// testEachConsentChain walks chains that span the 5000-event batches: the
// first boundary falls exactly at the end of a chain, the second inside one.
func testEachConsentChain(t *testing.T, open Opener) {
	s := open(t)
	lengths := []int{2600, 2400, 2600, 2600}
	var people []*vern.SealedPerson
	var want [][]*vern.ConsentEvent
	for i, n := range lengths {
		p := NewSealedPerson(i + 1)
		people = append(people, p)
		want = append(want, newChain(i+1, p.ID, n))
	}
	people = append(people, NewSealedPerson(len(lengths)+1)) // a person without events
	err := s.InTx(ctx(t), func(tx vern.Store) error {
		if _, err := tx.CreatePeople(ctx(t), people); err != nil {
			return err
		}
		cs := tx.(vern.ConsentStore)
		for _, chain := range want {
			for _, e := range chain {
				if err := cs.AppendConsentEvent(ctx(t), e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	mustNoErr(t, err)
	cs := s

	var gotIDs []string
	var got [][]*vern.ConsentEvent
	err = cs.EachConsentChain(ctx(t), func(personID string, events []*vern.ConsentEvent) error {
		gotIDs = append(gotIDs, personID)
		got = append(got, events)
		if i := vern.VerifyChain(events); i != -1 {
			t.Errorf("VerifyChain(%s) = %d, want -1", personID, i)
		}
		return nil
	})
	mustNoErr(t, err)
	var wantIDs []string
	for _, p := range people[:len(lengths)] {
		wantIDs = append(wantIDs, p.ID)
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Fatalf("EachConsentChain persons mismatch (-want +got):\n%s", diff)
	}
	// cmp.Diff over ten thousand events takes seconds under -race. Every
	// field is inside the hash and VerifyChain recomputed it above, so equal
	// ids and hashes mean equal events (AppendFind compares them with cmp).
	for i, chain := range got {
		if len(chain) != len(want[i]) {
			t.Fatalf("EachConsentChain gave %s %d events, want %d", gotIDs[i], len(chain), len(want[i]))
		}
		for j, e := range chain {
			if e.ID != want[i][j].ID || !bytes.Equal(e.Hash, want[i][j].Hash) {
				t.Fatalf("EachConsentChain event %d of %s = %s %x, want %s %x", j, gotIDs[i], e.ID, e.Hash, want[i][j].ID, want[i][j].Hash)
			}
		}
	}

	boom := errors.New("boom")
	calls := 0
	err = cs.EachConsentChain(ctx(t), func(string, []*vern.ConsentEvent) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 2 {
		t.Fatalf("EachConsentChain = %v after %d calls, want boom after 2", err, calls)
	}
}

// testConcurrentAppend has many writers append to one chain at once, each
// reading the last event and sealing after it inside a transaction and
// retrying on ECONFLICT: the chain stays linear and complete.
func testConcurrentAppend(t *testing.T, open Opener) {
	s := open(t)
	p := NewSealedPerson(1)
	mustNoErr(t, s.CreatePerson(ctx(t), p))
	cs := s
	for _, e := range newChain(1, p.ID, 3) {
		mustNoErr(t, cs.AppendConsentEvent(ctx(t), e))
	}
	const writers = 16
	errs := make(chan error, writers)
	conflicts := make(chan int, writers)
	for g := range writers {
		go func() {
			n := 0
			defer func() { conflicts <- n }()
			for range 1000 {
				err := s.InTx(ctx(t), func(tx vern.Store) error {
					txc := tx.(vern.ConsentStore)
					last, err := txc.FindLastConsentEvent(ctx(t), p.ID)
					if err != nil {
						return err
					}
					e := NewConsentEvent(1, p.ID, last)
					e.ID = fmt.Sprintf("cev_writer_%02d", g)
					e.Seal(last)
					return txc.AppendConsentEvent(ctx(t), e)
				})
				if vern.ErrorCode(err) != vern.ECONFLICT {
					errs <- err
					return
				}
				n++
			}
			errs <- fmt.Errorf("writer %d: still conflicting after 1000 attempts", g)
		}()
	}
	total := 0
	for range writers {
		mustNoErr(t, <-errs)
		total += <-conflicts
	}
	t.Logf("%d conflicts retried", total)
	got, err := cs.FindConsentEvents(ctx(t), p.ID)
	mustNoErr(t, err)
	if len(got) != 3+writers {
		t.Fatalf("chain has %d events, want %d", len(got), 3+writers)
	}
	if i := vern.VerifyChain(got); i != -1 {
		t.Fatalf("VerifyChain = %d, want -1", i)
	}
}
