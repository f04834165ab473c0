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

// NewSealedRequest returns stored-form request n, received at epoch and due
// on dueOn, with synthetic bytes and every optional field unset.
func NewSealedRequest(n int, dueOn string) *vern.SealedRequest {
	return &vern.SealedRequest{
		ID:         fmt.Sprintf("req_%08d", n),
		Kind:       vern.RequestAccess,
		Status:     vern.StatusReceived,
		EmailIndex: fmt.Appendf(nil, "req-index-%d", n),
		WrappedKey: fmt.Appendf(nil, "req-wrapped-%d", n),
		Sealed:     fmt.Appendf(nil, "req-sealed-%d", n),
		Language:   "nb",
		Channel:    "public",
		ReceivedAt: epoch,
		FirstDueOn: dueOn,
		DueOn:      dueOn,
		CreatedAt:  epoch,
		UpdatedAt:  epoch,
	}
}

func timeAt(d time.Duration) *time.Time {
	t := epoch.Add(d)
	return &t
}

func requestIDs(rs []*vern.SealedRequest) []string {
	ids := []string{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func testRequest(t *testing.T, open Opener) {
	t.Run("CreateFind", func(t *testing.T) {
		s := open(t)
		bare := NewSealedRequest(1, "2026-04-14")
		full := NewSealedRequest(2, "2026-05-14")
		full.Kind, full.Status, full.PersonID = vern.RequestErasure, vern.StatusVerified, "per_someone"
		full.CodeHash, full.CodeExpiresAt, full.CodeAttempts = []byte("code-hash"), timeAt(time.Hour), 2
		full.Verification, full.VerifiedAt = "email", timeAt(time.Minute)
		full.FirstDueOn, full.ExtendedAt = "2026-04-14", timeAt(2*time.Hour)
		full.ClosedAt, full.RemindedOn = timeAt(3*time.Hour), "2026-04-10"
		full.UpdatedAt = epoch.Add(3 * time.Hour)
		for _, r := range []*vern.SealedRequest{bare, full} {
			mustNoErr(t, s.CreateRequest(ctx(t), r))
			got, err := s.FindRequest(ctx(t), r.ID)
			mustNoErr(t, err)
			if diff := cmp.Diff(r, got); diff != "" {
				t.Fatalf("FindRequest(%s) mismatch (-want +got):\n%s", r.ID, diff)
			}
		}
		wantCode(t, s.CreateRequest(ctx(t), NewSealedRequest(1, "2026-01-01")), vern.ECONFLICT)
		_, err := s.FindRequest(ctx(t), "req_missing")
		wantCode(t, err, vern.ENOTFOUND)
		_, err = s.FindRequestForUpdate(ctx(t), "req_missing")
		wantCode(t, err, vern.ENOTFOUND)
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			got, err := tx.FindRequestForUpdate(ctx(t), full.ID)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(full, got); diff != "" {
				t.Errorf("FindRequestForUpdate mismatch (-want +got):\n%s", diff)
			}
			return nil
		}))
	})
	t.Run("Update", func(t *testing.T) {
		s := open(t)
		r := NewSealedRequest(1, "2026-04-14")
		r.CodeHash, r.CodeExpiresAt = []byte("code-hash"), timeAt(time.Hour)
		mustNoErr(t, s.CreateRequest(ctx(t), r))
		u := *r
		u.Status, u.PersonID, u.Verification, u.VerifiedAt = vern.StatusCompleted, "per_1", "email", timeAt(time.Minute)
		u.CodeHash, u.CodeExpiresAt, u.CodeAttempts = nil, nil, 1 // the code was used
		u.EmailIndex, u.Sealed, u.Language, u.Channel = []byte("other-index"), []byte("resealed"), "en", "staff"
		u.ReceivedAt, u.DueOn, u.ExtendedAt = epoch.Add(time.Second), "2026-06-14", timeAt(time.Hour)
		u.ClosedAt, u.RemindedOn, u.UpdatedAt = timeAt(2*time.Hour), "2026-06-01", epoch.Add(2*time.Hour)
		// Neither kind, wrapped key nor creation time change.
		u.Kind, u.WrappedKey, u.CreatedAt = vern.RequestObjection, []byte("other-key"), epoch.Add(time.Hour)
		mustNoErr(t, s.UpdateRequest(ctx(t), &u))
		want := u
		want.Kind, want.WrappedKey, want.CreatedAt = r.Kind, r.WrappedKey, r.CreatedAt
		got, err := s.FindRequest(ctx(t), r.ID)
		mustNoErr(t, err)
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Fatalf("after UpdateRequest mismatch (-want +got):\n%s", diff)
		}
		wantCode(t, s.UpdateRequest(ctx(t), NewSealedRequest(9, "2026-04-14")), vern.ENOTFOUND)
	})
	t.Run("List", func(t *testing.T) { testListRequests(t, open) })
	t.Run("CountByEmail", func(t *testing.T) {
		s := open(t)
		for i := range 4 {
			r := NewSealedRequest(i, "2026-04-14")
			r.EmailIndex = []byte("same-index")
			r.ReceivedAt = epoch.Add(time.Duration(i) * time.Hour)
			mustNoErr(t, s.CreateRequest(ctx(t), r))
		}
		mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(9, "2026-04-14")))
		for _, tt := range []struct {
			name  string
			index string
			since time.Time
			want  int
		}{
			{"all", "same-index", epoch, 4},
			{"at a receipt", "same-index", epoch.Add(2 * time.Hour), 2},
			{"just after a receipt", "same-index", epoch.Add(2*time.Hour + time.Microsecond), 1},
			{"after all", "same-index", epoch.Add(4 * time.Hour), 0},
			{"other index", "req-index-9", epoch, 1},
			{"unknown index", "nobody", epoch, 0},
		} {
			n, err := s.CountRequestsByEmailSince(ctx(t), []byte(tt.index), tt.since)
			mustNoErr(t, err)
			if n != tt.want {
				t.Errorf("CountRequestsByEmailSince(%s) = %d, want %d", tt.name, n, tt.want)
			}
		}
	})
	t.Run("Events", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(1, "2026-04-14")))
		mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(2, "2026-04-14")))
		ev := func(id, req, from, to string, at time.Time) *vern.RequestEvent {
			return &vern.RequestEvent{ID: id, RequestID: req, From: from, To: to, Actor: "system", At: at}
		}
		// Appended out of time order; two share an instant and keep the
		// order they were appended in, whatever their ids.
		e3 := ev("rev_c", "req_00000001", vern.StatusVerified, vern.StatusInProgress, epoch.Add(time.Hour))
		e1 := ev("rev_z", "req_00000001", "", vern.StatusReceived, epoch)
		e2 := ev("rev_a", "req_00000001", vern.StatusReceived, vern.StatusVerified, epoch)
		e2.Actor, e2.Note = "staff:1", "identity checked by phone"
		other := ev("rev_b", "req_00000002", "", vern.StatusReceived, epoch)
		for _, e := range []*vern.RequestEvent{e3, e1, other, e2} {
			mustNoErr(t, s.AppendRequestEvent(ctx(t), e))
		}
		wantCode(t, s.AppendRequestEvent(ctx(t), ev("rev_a", "req_00000002", "", vern.StatusReceived, epoch)), vern.ECONFLICT)
		got, err := s.FindRequestEvents(ctx(t), "req_00000001")
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.RequestEvent{e1, e2, e3}, got); diff != "" {
			t.Fatalf("FindRequestEvents mismatch (-want +got):\n%s", diff)
		}
		none, err := s.FindRequestEvents(ctx(t), "req_missing")
		mustNoErr(t, err)
		if len(none) != 0 {
			t.Fatalf("FindRequestEvents of an unknown request = %d events, want 0", len(none))
		}
	})
	t.Run("Steps", func(t *testing.T) { testRequestSteps(t, open) })
	t.Run("ForUpdate", func(t *testing.T) { testRequestForUpdate(t, open) })
}

// testListRequests checks the order, every filter, the keyset continuation
// and the limit.
func testListRequests(t *testing.T, open Opener) {
	s := open(t)
	// Ids out of due order, two pairs sharing a day.
	for _, r := range []struct {
		n            int
		due, status  string
		kind, person string
	}{
		{5, "2026-04-01", vern.StatusReceived, vern.RequestAccess, "per_a"},
		{3, "2026-04-01", vern.StatusCompleted, vern.RequestErasure, "per_b"},
		{1, "2026-05-01", vern.StatusInProgress, vern.RequestErasure, "per_a"},
		{4, "2026-03-01", vern.StatusWaiting, vern.RequestAccess, ""},
		{2, "2026-05-01", vern.StatusRejected, vern.RequestObjection, "per_b"},
	} {
		req := NewSealedRequest(r.n, r.due)
		req.Status, req.Kind, req.PersonID = r.status, r.kind, r.person
		mustNoErr(t, s.CreateRequest(ctx(t), req))
	}
	for _, tt := range []struct {
		name string
		f    vern.RequestFilter
		want []string
	}{
		{"all", vern.RequestFilter{}, []string{"req_00000004", "req_00000003", "req_00000005", "req_00000001", "req_00000002"}},
		{"open", vern.RequestFilter{Statuses: []string{vern.StatusReceived, vern.StatusInProgress, vern.StatusWaiting}},
			[]string{"req_00000004", "req_00000005", "req_00000001"}},
		{"one status", vern.RequestFilter{Statuses: []string{vern.StatusCompleted}}, []string{"req_00000003"}},
		{"kind", vern.RequestFilter{Kind: vern.RequestErasure}, []string{"req_00000003", "req_00000001"}},
		{"person", vern.RequestFilter{PersonID: "per_b"}, []string{"req_00000003", "req_00000002"}},
		{"due before", vern.RequestFilter{DueBefore: "2026-05-01"}, []string{"req_00000004", "req_00000003", "req_00000005"}},
		{"after", vern.RequestFilter{AfterDueOn: "2026-04-01", AfterID: "req_00000003"}, []string{"req_00000005", "req_00000001", "req_00000002"}},
		{"after a day", vern.RequestFilter{AfterDueOn: "2026-04-01", AfterID: "req_99999999"}, []string{"req_00000001", "req_00000002"}},
		{"combined", vern.RequestFilter{Kind: vern.RequestErasure, PersonID: "per_a", DueBefore: "2026-06-01"}, []string{"req_00000001"}},
		{"limit", vern.RequestFilter{Limit: 2}, []string{"req_00000004", "req_00000003"}},
		{"none", vern.RequestFilter{Kind: vern.RequestComplaint}, []string{}},
	} {
		got, err := s.ListRequests(ctx(t), tt.f)
		mustNoErr(t, err)
		if diff := cmp.Diff(tt.want, requestIDs(got)); diff != "" {
			t.Errorf("ListRequests(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	got, err := s.ListRequests(ctx(t), vern.RequestFilter{Statuses: []string{vern.StatusReceived}})
	mustNoErr(t, err)
	want := NewSealedRequest(5, "2026-04-01")
	want.PersonID = "per_a"
	if diff := cmp.Diff([]*vern.SealedRequest{want}, got); diff != "" {
		t.Fatalf("ListRequests returned fields mismatch (-want +got):\n%s", diff)
	}

	t.Run("PagesAndLimits", func(t *testing.T) {
		s := open(t)
		const n = 1005
		mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
			for i := range n {
				day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7)%40)
				if err := tx.CreateRequest(ctx(t), NewSealedRequest(i, day.Format(time.DateOnly))); err != nil {
					return err
				}
			}
			return nil
		}))
		for _, tt := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {7, 7}, {1000, 1000}, {5000, 1000}} {
			got, err := s.ListRequests(ctx(t), vern.RequestFilter{Limit: tt.limit})
			mustNoErr(t, err)
			if len(got) != tt.want {
				t.Errorf("ListRequests(Limit %d) = %d requests, want %d", tt.limit, len(got), tt.want)
			}
		}
		// Walking page by page visits every request once, in order.
		var all []*vern.SealedRequest
		f := vern.RequestFilter{Limit: 64}
		for {
			page, err := s.ListRequests(ctx(t), f)
			mustNoErr(t, err)
			all = append(all, page...)
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.AfterDueOn, f.AfterID = last.DueOn, last.ID
		}
		if len(all) != n {
			t.Fatalf("paging gave %d requests, want %d", len(all), n)
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.DueOn > b.DueOn || a.DueOn == b.DueOn && a.ID >= b.ID {
				t.Fatalf("paging out of order at %d: (%s, %s) then (%s, %s)", i, a.DueOn, a.ID, b.DueOn, b.ID)
			}
		}
	})
}

// testRequestSteps checks that a step is marked once, also inside a
// transaction that goes on after the conflict, and that a rolled-back mark
// leaves nothing.
func testRequestSteps(t *testing.T, open Opener) {
	s := open(t)
	mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(1, "2026-04-14")))
	mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(2, "2026-04-14")))
	const req = "req_00000001"
	mustNoErr(t, s.MarkRequestStep(ctx(t), req, "erase_interactions", epoch, []byte(`{"deleted":3}`)))
	mustNoErr(t, s.MarkRequestStep(ctx(t), req, "notify_recipients", epoch, nil))
	mustNoErr(t, s.MarkRequestStep(ctx(t), "req_00000002", "erase_interactions", epoch, nil)) // per request
	wantCode(t, s.MarkRequestStep(ctx(t), req, "erase_interactions", epoch.Add(time.Hour), []byte("again")), vern.ECONFLICT)

	// A transaction told ECONFLICT goes on, and its other work commits.
	mustNoErr(t, s.InTx(ctx(t), func(tx vern.Store) error {
		if err := tx.MarkRequestStep(ctx(t), req, "notify_recipients", epoch, nil); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Errorf("MarkRequestStep of a done step in InTx = %v, want ECONFLICT", err)
		}
		return tx.MarkRequestStep(ctx(t), req, "erase_person", epoch, nil)
	}))
	boom := errors.New("boom")
	err := s.InTx(ctx(t), func(tx vern.Store) error {
		if err := tx.MarkRequestStep(ctx(t), req, "suppress", epoch, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v, want boom", err)
	}
	got, err := s.FindRequestSteps(ctx(t), req)
	mustNoErr(t, err)
	want := map[string][]byte{"erase_interactions": []byte(`{"deleted":3}`), "notify_recipients": nil, "erase_person": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FindRequestSteps mismatch (-want +got):\n%s", diff)
	}
	// The rolled-back step can be marked now.
	mustNoErr(t, s.MarkRequestStep(ctx(t), req, "suppress", epoch, nil))
	none, err := s.FindRequestSteps(ctx(t), "req_missing")
	mustNoErr(t, err)
	if len(none) != 0 {
		t.Fatalf("FindRequestSteps of an unknown request = %v, want none", none)
	}
}

// testRequestForUpdate has many transactions read, change and write one
// request at once: none of the changes is lost.
func testRequestForUpdate(t *testing.T, open Opener) {
	s := open(t)
	mustNoErr(t, s.CreateRequest(ctx(t), NewSealedRequest(1, "2026-04-14")))
	const writers = 20
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			err := s.InTx(ctx(t), func(tx vern.Store) error {
				r, err := tx.FindRequestForUpdate(ctx(t), "req_00000001")
				if err != nil {
					return err
				}
				r.CodeAttempts++
				return tx.UpdateRequest(ctx(t), r)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.FindRequest(ctx(t), "req_00000001")
	mustNoErr(t, err)
	if got.CodeAttempts != writers {
		t.Fatalf("CodeAttempts = %d after %d increments, want %d", got.CodeAttempts, writers, writers)
	}
}
