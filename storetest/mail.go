package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

// NewSealedMail returns mail n about requestID, created n microseconds
// after epoch and due at epoch, with synthetic sealed bytes.
func NewSealedMail(n int, requestID string) *vern.SealedMail {
	return &vern.SealedMail{
		ID:            fmt.Sprintf("mal_%08d", n),
		RequestID:     requestID,
		Template:      vern.MailAcknowledgment,
		WrappedKey:    fmt.Appendf(nil, "mail-wrapped-%d", n),
		Sealed:        fmt.Appendf(nil, "mail-sealed-%d", n),
		CreatedAt:     epoch.Add(time.Duration(n) * time.Microsecond),
		NextAttemptAt: epoch,
	}
}

func claimMailIDs(t *testing.T, s vern.MailStore, now time.Time, limit int, lease time.Duration) []string {
	t.Helper()
	msgs, err := s.ClaimMail(ctx(t), now, limit, lease)
	mustNoErr(t, err)
	ids := []string{}
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	return ids
}

func wantMailClaim(t *testing.T, s vern.MailStore, now time.Time, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, claimMailIDs(t, s, now, 100, time.Minute)); diff != "" {
		t.Fatalf("ClaimMail(%s) mismatch (-want +got):\n%s", now.Sub(epoch), diff)
	}
}

func wantPendingMail(t *testing.T, s vern.MailStore, want int) {
	t.Helper()
	n, err := s.CountPendingMail(ctx(t))
	mustNoErr(t, err)
	if n != want {
		t.Fatalf("CountPendingMail = %d, want %d", n, want)
	}
}

func testMail(t *testing.T, open Opener) {
	const lease = time.Minute
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		m1, m2, m3 := NewSealedMail(1, "req_1"), NewSealedMail(2, "req_1"), NewSealedMail(3, "")
		m2.Template, m2.Attempts, m2.LastError = vern.MailVerification, 2, "smtp 451"
		mustNoErr(t, s.EnqueueMail(ctx(t), m1, m2))
		mustNoErr(t, s.EnqueueMail(ctx(t), m3))
		wantPendingMail(t, s, 3)
		// A batch with a taken id stores none of its messages.
		wantCode(t, s.EnqueueMail(ctx(t), NewSealedMail(4, "req_1"), NewSealedMail(1, "req_2")), vern.ECONFLICT)
		wantPendingMail(t, s, 3)

		got, err := s.ClaimMail(ctx(t), epoch.Add(time.Second), 10, lease)
		mustNoErr(t, err)
		w1, w2, w3 := *m1, *m2, *m3
		w1.NextAttemptAt = epoch.Add(time.Second + lease)
		w2.NextAttemptAt, w3.NextAttemptAt = w1.NextAttemptAt, w1.NextAttemptAt
		if diff := cmp.Diff([]*vern.SealedMail{&w1, &w2, &w3}, got); diff != "" {
			t.Fatalf("ClaimMail mismatch (-want +got):\n%s", diff)
		}

		sent := epoch.Add(2 * time.Second)
		mustNoErr(t, s.MarkMailSent(ctx(t), m1.ID, sent))
		mustNoErr(t, s.MarkMailSent(ctx(t), m1.ID, sent.Add(time.Second))) // keeps the first time
		wantPendingMail(t, s, 2)
		wantCode(t, s.MarkMailSent(ctx(t), "mal_missing", epoch), vern.ENOTFOUND)
		wantCode(t, s.MarkMailFailed(ctx(t), "mal_missing", 1, epoch, "smtp 451"), vern.ENOTFOUND)

		// Sent mail keeps no content.
		w1.WrappedKey, w1.Sealed, w1.SentAt = nil, nil, &sent
		mail, err := s.FindMailOfRequest(ctx(t), "req_1")
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.SealedMail{&w1, &w2}, mail); diff != "" {
			t.Fatalf("FindMailOfRequest mismatch (-want +got):\n%s", diff)
		}
		for _, id := range []string{"", "req_missing"} {
			none, err := s.FindMailOfRequest(ctx(t), id)
			mustNoErr(t, err)
			if len(none) != 0 {
				t.Fatalf("FindMailOfRequest(%q) = %d messages, want 0", id, len(none))
			}
		}
	})
	t.Run("OldestFirst", func(t *testing.T) {
		s := open(t)
		// Enqueued newest first: the claim still goes by creation time.
		mustNoErr(t, s.EnqueueMail(ctx(t), NewSealedMail(3, ""), NewSealedMail(1, ""), NewSealedMail(2, "")))
		if diff := cmp.Diff([]string{"mal_00000001", "mal_00000002"}, claimMailIDs(t, s, epoch, 2, lease)); diff != "" {
			t.Fatalf("ClaimMail(limit 2) mismatch (-want +got):\n%s", diff)
		}
		wantMailClaim(t, s, epoch, "mal_00000003")
	})
	t.Run("InTx", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := tx.EnqueueMail(ctx(t), NewSealedMail(1, "req_1"), NewSealedMail(2, "req_1")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		wantPendingMail(t, s, 0)
		wantMailClaim(t, s, epoch.Add(time.Hour))
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error { return tx.EnqueueMail(ctx(t), NewSealedMail(3, "req_1")) }))
		wantPendingMail(t, s, 1)
		// A claim inside a caller's transaction joins it.
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			if diff := cmp.Diff([]string{"mal_00000003"}, claimMailIDs(t, tx, epoch, 10, lease)); diff != "" {
				t.Errorf("ClaimMail in InTx mismatch (-want +got):\n%s", diff)
			}
			return nil
		}))
	})
	t.Run("Lease", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.EnqueueMail(ctx(t), NewSealedMail(1, "")))
		wantMailClaim(t, s, epoch.Add(-time.Second)) // not yet due
		wantMailClaim(t, s, epoch.Add(time.Second), "mal_00000001")
		wantMailClaim(t, s, epoch.Add(time.Second+lease-time.Microsecond)) // leased
		wantMailClaim(t, s, epoch.Add(time.Second+lease), "mal_00000001")  // the lease ended
	})
	t.Run("FailedReclaimed", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.EnqueueMail(ctx(t), NewSealedMail(1, "")))
		wantMailClaim(t, s, epoch, "mal_00000001")
		mustNoErr(t, s.MarkMailFailed(ctx(t), "mal_00000001", 1, epoch.Add(10*time.Second), "smtp 451"))
		wantMailClaim(t, s, epoch.Add(9*time.Second))
		got, err := s.ClaimMail(ctx(t), epoch.Add(10*time.Second), 10, lease)
		mustNoErr(t, err)
		if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "smtp 451" || got[0].SentAt != nil || got[0].Sealed == nil {
			t.Fatalf("reclaimed = %+v, want mal_00000001 with 1 attempt, its error and its content", got)
		}
	})
	t.Run("SentNeverAgain", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.EnqueueMail(ctx(t), NewSealedMail(1, "req_1")))
		wantMailClaim(t, s, epoch, "mal_00000001")
		mustNoErr(t, s.MarkMailSent(ctx(t), "mal_00000001", epoch))
		// A late failure report from a claimer whose lease ran out changes nothing.
		mustNoErr(t, s.MarkMailFailed(ctx(t), "mal_00000001", 3, epoch, "timeout"))
		wantMailClaim(t, s, epoch.Add(24*time.Hour))
		wantPendingMail(t, s, 0)
		got, err := s.FindMailOfRequest(ctx(t), "req_1")
		mustNoErr(t, err)
		if len(got) != 1 || got[0].Attempts != 0 || got[0].LastError != "" || got[0].SentAt == nil {
			t.Fatalf("after a late failure = %+v, want the sent message unchanged", got)
		}
	})
	t.Run("ConcurrentClaimers", func(t *testing.T) {
		s := open(t)
		const n, claimers = 200, 8
		var msgs []*vern.SealedMail
		for i := range n {
			msgs = append(msgs, NewSealedMail(i, ""))
		}
		mustNoErr(t, s.EnqueueMail(ctx(t), msgs...))
		now := epoch.Add(time.Second)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					got, err := s.ClaimMail(ctx(t), now, 7, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, m := range got {
						mu.Lock()
						seen[m.ID]++
						mu.Unlock()
						if err := s.MarkMailSent(ctx(t), m.ID, now); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s claimed %d times", id, k)
			}
		}
		if len(seen) != n {
			t.Fatalf("%d messages claimed, want %d", len(seen), n)
		}
		wantPendingMail(t, s, 0)
	})
}
