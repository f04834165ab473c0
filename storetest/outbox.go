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

// NewOutboxMessage returns message n for key and sink, created n
// microseconds after epoch and due at epoch.
func NewOutboxMessage(n int, key, sink string) *vern.OutboxMessage {
	at := epoch.Add(time.Duration(n) * time.Microsecond)
	return &vern.OutboxMessage{
		ID:            fmt.Sprintf("obx_%08d", n),
		Topic:         vern.TopicConsentWithdrawn,
		Key:           key,
		Payload:       fmt.Appendf(nil, `{"event_id":"evt_%08d","person_id":%q,"purpose":"newsletter"}`, n, key),
		CreatedAt:     at,
		NextAttemptAt: epoch,
		Sink:          sink,
	}
}

// outboxOf returns s's outbox, until vern.Store embeds vern.OutboxStore.
func outboxOf(t *testing.T, s any) vern.OutboxStore {
	t.Helper()
	o, ok := s.(vern.OutboxStore)
	if !ok {
		t.Fatalf("%T does not implement vern.OutboxStore", s)
	}
	return o
}

func claimIDs(t *testing.T, o vern.OutboxStore, now time.Time, limit int, lease time.Duration) []string {
	t.Helper()
	msgs, err := o.ClaimOutbox(ctx(t), now, limit, lease)
	mustNoErr(t, err)
	ids := []string{}
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	return ids
}

func wantClaim(t *testing.T, o vern.OutboxStore, now time.Time, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, claimIDs(t, o, now, 100, time.Minute)); diff != "" {
		t.Fatalf("ClaimOutbox(%s) mismatch (-want +got):\n%s", now.Sub(epoch), diff)
	}
}

func wantPending(t *testing.T, o vern.OutboxStore, want int) {
	t.Helper()
	n, err := o.CountPendingOutbox(ctx(t))
	mustNoErr(t, err)
	if n != want {
		t.Fatalf("CountPendingOutbox = %d, want %d", n, want)
	}
}

func testOutbox(t *testing.T, open Opener) {
	const lease = time.Minute
	t.Run("RoundTrip", func(t *testing.T) {
		o := outboxOf(t, open(t))
		m1, m2 := NewOutboxMessage(1, "per_a", "crm"), NewOutboxMessage(2, "per_b", "crm")
		m2.Payload = nil // stored as empty, not NULL
		mustNoErr(t, o.EnqueueOutbox(ctx(t), m1, m2))
		wantPending(t, o, 2)
		wantCode(t, o.EnqueueOutbox(ctx(t), NewOutboxMessage(1, "per_c", "crm")), vern.ECONFLICT)

		got, err := o.ClaimOutbox(ctx(t), epoch.Add(time.Second), 10, lease)
		mustNoErr(t, err)
		w1, w2 := *m1, *m2
		w1.NextAttemptAt = epoch.Add(time.Second + lease)
		w2.NextAttemptAt, w2.Payload = w1.NextAttemptAt, []byte{}
		if diff := cmp.Diff([]*vern.OutboxMessage{&w1, &w2}, got); diff != "" {
			t.Fatalf("ClaimOutbox mismatch (-want +got):\n%s", diff)
		}

		mustNoErr(t, o.MarkOutboxDelivered(ctx(t), m1.ID, epoch.Add(2*time.Second)))
		mustNoErr(t, o.MarkOutboxDelivered(ctx(t), m1.ID, epoch.Add(3*time.Second))) // keeps the first time
		wantPending(t, o, 1)
		wantCode(t, o.MarkOutboxDelivered(ctx(t), "obx_missing", epoch), vern.ENOTFOUND)
		wantCode(t, o.MarkOutboxFailed(ctx(t), "obx_missing", 1, epoch, "timeout"), vern.ENOTFOUND)
	})
	t.Run("InTx", func(t *testing.T) {
		s := open(t)
		o := outboxOf(t, s)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			if err := outboxOf(t, tx).EnqueueOutbox(ctx(t), NewOutboxMessage(1, "per_a", "crm")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		wantPending(t, o, 0)
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			return outboxOf(t, tx).EnqueueOutbox(ctx(t), NewOutboxMessage(2, "per_a", "crm"))
		}))
		wantPending(t, o, 1)
		// A claim inside a caller's transaction joins it.
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			ids := claimIDs(t, outboxOf(t, tx), epoch, 10, lease)
			if diff := cmp.Diff([]string{"obx_00000002"}, ids); diff != "" {
				t.Errorf("ClaimOutbox in InTx mismatch (-want +got):\n%s", diff)
			}
			return nil
		}))
	})
	t.Run("Lease", func(t *testing.T) {
		o := outboxOf(t, open(t))
		mustNoErr(t, o.EnqueueOutbox(ctx(t), NewOutboxMessage(1, "per_a", "crm")))
		wantClaim(t, o, epoch.Add(-time.Second)) // not yet due
		wantClaim(t, o, epoch.Add(time.Second), "obx_00000001")
		wantClaim(t, o, epoch.Add(time.Second+lease-time.Microsecond)) // leased
		wantClaim(t, o, epoch.Add(time.Second+lease), "obx_00000001")  // the lease ended
	})
	t.Run("PerKeyOrder", func(t *testing.T) {
		o := outboxOf(t, open(t))
		mustNoErr(t, o.EnqueueOutbox(ctx(t),
			NewOutboxMessage(1, "per_a", "crm"),
			NewOutboxMessage(2, "per_b", "crm"),
			NewOutboxMessage(3, "per_a", "crm"),
			NewOutboxMessage(4, "per_a", "newsletter"), // another sink has its own order
			NewOutboxMessage(5, "per_a", "crm"),
		))
		now := epoch.Add(time.Second)
		wantClaim(t, o, now, "obx_00000001", "obx_00000002", "obx_00000004")
		now = now.Add(lease)
		wantClaim(t, o, now, "obx_00000001", "obx_00000002", "obx_00000004") // leases ended, 1 still first
		mustNoErr(t, o.MarkOutboxFailed(ctx(t), "obx_00000001", 1, now.Add(time.Hour), "http 503"))
		wantClaim(t, o, now.Add(lease), "obx_00000002", "obx_00000004") // failed 1 still holds 3 and 5 back
		mustNoErr(t, o.MarkOutboxDelivered(ctx(t), "obx_00000001", now))
		wantClaim(t, o, now, "obx_00000003")
		mustNoErr(t, o.MarkOutboxDelivered(ctx(t), "obx_00000003", now))
		wantClaim(t, o, now, "obx_00000005")
	})
	t.Run("FailedReclaimed", func(t *testing.T) {
		o := outboxOf(t, open(t))
		mustNoErr(t, o.EnqueueOutbox(ctx(t), NewOutboxMessage(1, "per_a", "crm")))
		wantClaim(t, o, epoch, "obx_00000001")
		mustNoErr(t, o.MarkOutboxFailed(ctx(t), "obx_00000001", 1, epoch.Add(10*time.Second), "http 503"))
		wantClaim(t, o, epoch.Add(9*time.Second))
		got, err := o.ClaimOutbox(ctx(t), epoch.Add(10*time.Second), 10, lease)
		mustNoErr(t, err)
		if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "http 503" || got[0].DeliveredAt != nil {
			t.Fatalf("reclaimed = %+v, want obx_00000001 with 1 attempt and its error", got)
		}
	})
	t.Run("DeliveredNeverAgain", func(t *testing.T) {
		o := outboxOf(t, open(t))
		mustNoErr(t, o.EnqueueOutbox(ctx(t), NewOutboxMessage(1, "per_a", "crm")))
		wantClaim(t, o, epoch, "obx_00000001")
		mustNoErr(t, o.MarkOutboxDelivered(ctx(t), "obx_00000001", epoch))
		// A late failure report from a claimer whose lease ran out changes nothing.
		mustNoErr(t, o.MarkOutboxFailed(ctx(t), "obx_00000001", 3, epoch, "timeout"))
		wantClaim(t, o, epoch.Add(24*time.Hour))
		wantPending(t, o, 0)
	})
	t.Run("ConcurrentClaimers", func(t *testing.T) {
		o := outboxOf(t, open(t))
		const n, claimers = 300, 8
		var msgs []*vern.OutboxMessage
		for i := range n {
			msgs = append(msgs, NewOutboxMessage(i, fmt.Sprintf("per_%d", i%100), "crm"))
		}
		mustNoErr(t, o.EnqueueOutbox(ctx(t), msgs...))
		now := epoch.Add(time.Second)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					got, err := o.ClaimOutbox(ctx(t), now, 7, time.Hour)
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
						if err := o.MarkOutboxDelivered(ctx(t), m.ID, now); err != nil {
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
		// A claimer stops at an empty claim, which another claimer's pending
		// deliveries may cause; finish what is left.
		for {
			ids := claimIDs(t, o, now, 100, time.Hour)
			if len(ids) == 0 {
				break
			}
			for _, id := range ids {
				seen[id]++
				mustNoErr(t, o.MarkOutboxDelivered(ctx(t), id, now))
			}
		}
		if len(seen) != n {
			t.Fatalf("%d messages claimed, want %d", len(seen), n)
		}
		wantPending(t, o, 0)
	})
}
