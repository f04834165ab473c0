package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

// NewVisitorConsent returns the choice after (prevSeq, prevHash) in the
// chain of visitor n, sealed so that its hashes are real.
func NewVisitorConsent(n int, prevSeq int64, prevHash []byte) *vern.VisitorConsent {
	seq := prevSeq + 1
	c := &vern.VisitorConsent{
		ID:            fmt.Sprintf("vcs_%08d_%08d", n, seq),
		VisitorID:     fmt.Sprintf("visitor-%012d", n),
		Nonce:         fmt.Sprintf("nonce-%08d-%08d", n, seq),
		PolicyVersion: "2026-01",
		CookieHash:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Granted:       []string{"statistics"},
		Refused:       []string{"remarketing"},
		Language:      "nb",
		Origin:        "https://www.example.com",
		At:            epoch.Add(time.Duration(seq) * time.Second),
	}
	if seq%2 == 0 {
		c.Granted, c.Refused, c.GPC = []string{}, []string{"remarketing", "statistics"}, true
		c.PageURL, c.UserAgent, c.IPPrefix = "https://www.example.com/", "Mozilla/5.0", "192.0.2.0/24"
	}
	c.Seal(prevSeq, prevHash)
	return c
}

func newVisitorChain(n, length int) []*vern.VisitorConsent {
	var out []*vern.VisitorConsent
	var seq int64
	var hash []byte
	for range length {
		c := NewVisitorConsent(n, seq, hash)
		out = append(out, c)
		seq, hash = c.Seq, c.Hash
	}
	return out
}

func testVisitor(t *testing.T, open Opener) {
	t.Run("AppendFind", func(t *testing.T) {
		s := open(t)
		want1, want2 := newVisitorChain(1, 3), newVisitorChain(2, 2)
		for i := range want1 {
			mustNoErr(t, s.AppendVisitorConsent(ctx(t), want1[i]))
			if i < len(want2) {
				mustNoErr(t, s.AppendVisitorConsent(ctx(t), want2[i]))
			}
		}
		for _, want := range [][]*vern.VisitorConsent{want1, want2} {
			got, err := s.FindVisitorConsents(ctx(t), want[0].VisitorID)
			mustNoErr(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("FindVisitorConsents mismatch (-want +got):\n%s", diff)
			}
			if i := vern.VerifyVisitorChain(got); i != -1 {
				t.Fatalf("VerifyVisitorChain = %d, want -1", i)
			}
			seq, hash, err := s.FindVisitorHead(ctx(t), want[0].VisitorID)
			mustNoErr(t, err)
			if last := want[len(want)-1]; seq != last.Seq || string(hash) != string(last.Hash) {
				t.Fatalf("FindVisitorHead = %d, want %d", seq, last.Seq)
			}
		}
		got, err := s.FindVisitorConsentByNonce(ctx(t), want1[1].Nonce)
		mustNoErr(t, err)
		if diff := cmp.Diff(want1[1], got); diff != "" {
			t.Fatalf("FindVisitorConsentByNonce mismatch (-want +got):\n%s", diff)
		}
		n, err := s.CountVisitorConsents(ctx(t))
		mustNoErr(t, err)
		if n != 5 {
			t.Fatalf("CountVisitorConsents = %d, want 5", n)
		}
		none, err := s.FindVisitorConsents(ctx(t), "visitor-unknown-000")
		mustNoErr(t, err)
		if len(none) != 0 {
			t.Fatalf("FindVisitorConsents(unknown) = %d choices, want 0", len(none))
		}
		_, _, err = s.FindVisitorHead(ctx(t), "visitor-unknown-000")
		wantCode(t, err, vern.ENOTFOUND)
		_, err = s.FindVisitorConsentByNonce(ctx(t), "nonce-unknown-0000")
		wantCode(t, err, vern.ENOTFOUND)
	})

	t.Run("Conflicts", func(t *testing.T) {
		s := open(t)
		c := NewVisitorConsent(1, 0, nil)
		mustNoErr(t, s.AppendVisitorConsent(ctx(t), c))

		sameSeq := NewVisitorConsent(1, 0, nil)
		sameSeq.ID, sameSeq.Nonce = "vcs_other_seq", "nonce-other-seq-000"
		wantCode(t, s.AppendVisitorConsent(ctx(t), sameSeq), vern.ECONFLICT)

		replay := NewVisitorConsent(1, c.Seq, c.Hash)
		replay.Nonce = c.Nonce
		wantCode(t, s.AppendVisitorConsent(ctx(t), replay), vern.ECONFLICT)

		n, err := s.CountVisitorConsents(ctx(t))
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("CountVisitorConsents = %d after refused appends, want 1", n)
		}
	})

	t.Run("Link", func(t *testing.T) {
		s := open(t)
		p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
		mustNoErr(t, s.CreatePerson(ctx(t), p1))
		mustNoErr(t, s.CreatePerson(ctx(t), p2))
		l1 := &vern.VisitorLink{VisitorID: "visitor-000000000001", PersonID: p1.ID, Source: "web_form", At: epoch}
		l2 := &vern.VisitorLink{VisitorID: "visitor-000000000002", PersonID: p1.ID, Source: "request", At: epoch.Add(time.Second)}
		mustNoErr(t, s.LinkVisitor(ctx(t), l2))
		mustNoErr(t, s.LinkVisitor(ctx(t), l1))
		mustNoErr(t, s.LinkVisitor(ctx(t), &vern.VisitorLink{VisitorID: l1.VisitorID, PersonID: p1.ID, Source: "again", At: epoch.Add(time.Hour)}))
		err := s.LinkVisitor(ctx(t), &vern.VisitorLink{VisitorID: l1.VisitorID, PersonID: p2.ID, Source: "web_form", At: epoch})
		wantCode(t, err, vern.ECONFLICT)
		err = s.LinkVisitor(ctx(t), &vern.VisitorLink{VisitorID: "visitor-000000000003", PersonID: "per_missing", Source: "web_form", At: epoch})
		wantCode(t, err, vern.ENOTFOUND)

		got, err := s.FindVisitorLinks(ctx(t), p1.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.VisitorLink{l1, l2}, got); diff != "" {
			t.Fatalf("FindVisitorLinks mismatch (-want +got):\n%s", diff)
		}
		one, err := s.FindVisitorLink(ctx(t), l2.VisitorID)
		mustNoErr(t, err)
		if diff := cmp.Diff(l2, one); diff != "" {
			t.Fatalf("FindVisitorLink mismatch (-want +got):\n%s", diff)
		}
		_, err = s.FindVisitorLink(ctx(t), "visitor-000000000009")
		wantCode(t, err, vern.ENOTFOUND)

		n, err := s.DeleteVisitorLinks(ctx(t), p1.ID)
		mustNoErr(t, err)
		if n != 2 {
			t.Fatalf("DeleteVisitorLinks = %d, want 2", n)
		}
		if got, _ := s.FindVisitorLinks(ctx(t), p1.ID); len(got) != 0 {
			t.Fatalf("%d links left after DeleteVisitorLinks", len(got))
		}
		_, err = s.FindVisitorLink(ctx(t), l1.VisitorID)
		wantCode(t, err, vern.ENOTFOUND)
	})

	t.Run("IdleVisitors", func(t *testing.T) {
		s := open(t)
		// Visitors 1-3 chose at epoch+1..2s; visitor 4 chose later.
		for n := 1; n <= 4; n++ {
			for _, c := range newVisitorChain(n, 2) {
				if n == 4 {
					c.At = c.At.Add(time.Hour)
				}
				mustNoErr(t, s.AppendVisitorConsent(ctx(t), c))
			}
		}
		p := NewSealedPerson(1)
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		mustNoErr(t, s.LinkVisitor(ctx(t), &vern.VisitorLink{VisitorID: fmt.Sprintf("visitor-%012d", 2), PersonID: p.ID, Source: "request", At: epoch}))
		cutoff := epoch.Add(time.Minute)
		ids, err := s.FindIdleVisitors(ctx(t), cutoff, "", 10)
		mustNoErr(t, err)
		want := []string{fmt.Sprintf("visitor-%012d", 1), fmt.Sprintf("visitor-%012d", 3)}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Fatalf("FindIdleVisitors mismatch (-want +got):\n%s", diff)
		}
		page, err := s.FindIdleVisitors(ctx(t), cutoff, want[0], 10)
		mustNoErr(t, err)
		if diff := cmp.Diff(want[1:], page); diff != "" {
			t.Fatalf("FindIdleVisitors after the first (-want +got):\n%s", diff)
		}
		// Visitor 3 chooses again, after the cutoff, before the delete: it is kept.
		again := NewVisitorConsent(3, 2, newVisitorChain(3, 2)[1].Hash)
		again.At = cutoff.Add(time.Minute)
		again.Seal(2, newVisitorChain(3, 2)[1].Hash)
		mustNoErr(t, s.AppendVisitorConsent(ctx(t), again))
		var n int
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			var err error
			n, err = tx.DeleteVisitorConsents(ctx(t), append(ids, fmt.Sprintf("visitor-%012d", 2)), cutoff)
			return err
		}))
		if n != 2 {
			t.Fatalf("DeleteVisitorConsents deleted %d choices, want visitor 1's 2", n)
		}
		for v, wantLen := range map[int]int{1: 0, 2: 2, 3: 3, 4: 2} {
			got, err := s.FindVisitorConsents(ctx(t), fmt.Sprintf("visitor-%012d", v))
			mustNoErr(t, err)
			if len(got) != wantLen {
				t.Errorf("visitor %d has %d choices, want %d", v, len(got), wantLen)
			}
		}
	})

	t.Run("ConcurrentAppendsInTx", func(t *testing.T) {
		// Many visitors appending at once, each through InTx with a head
		// read, as the cookie service does: every choice lands, every chain
		// links up.
		s := open(t)
		const visitors, each = 8, 5
		var wg sync.WaitGroup
		errs := make(chan error, visitors)
		for v := range visitors {
			wg.Go(func() {
				for range each {
					err := s.InTx(ctx(t), func(tx vern.Store) error {
						seq, hash, err := tx.FindVisitorHead(ctx(t), fmt.Sprintf("visitor-%012d", v))
						if err != nil && vern.ErrorCode(err) != vern.ENOTFOUND {
							return err
						}
						return tx.AppendVisitorConsent(ctx(t), NewVisitorConsent(v, seq, hash))
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for v := range visitors {
			got, err := s.FindVisitorConsents(ctx(t), fmt.Sprintf("visitor-%012d", v))
			mustNoErr(t, err)
			if len(got) != each || vern.VerifyVisitorChain(got) != -1 {
				t.Fatalf("visitor %d: %d choices, chain break at %d", v, len(got), vern.VerifyVisitorChain(got))
			}
		}
	})
}
