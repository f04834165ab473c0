package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/webhook"
)

var (
	epoch  = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	secret = []byte("s3cret-shared-with-the-crm")
)

const tolerance = 5 * time.Minute

// received is one delivery as a receiver saw it.
type received struct {
	id, signature string
	body          []byte
	err           error // from webhook.Verify
}

// receiver is an integrator's endpoint: it verifies each delivery and
// answers 503 while fail is above zero.
type receiver struct {
	t     *testing.T
	clock *mock.Clock
	mu    sync.Mutex
	fail  int
	all   []received
	ok    []received          // verified, processed, in arrival order
	done  map[string]bool     // processed ids
	byKey map[string][]string // key → topics, in processing order
	srv   *httptest.Server
}

func newReceiver(t *testing.T, clock *mock.Clock) *receiver {
	r := &receiver{t: t, clock: clock, done: map[string]bool{}, byKey: map[string][]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id := req.Header.Get("Vern-Delivery")
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("delivery %s: %s with Content-Type %q", id, req.Method, req.Header.Get("Content-Type"))
	}
	err := webhook.Verify(secret, req.Header.Get("Vern-Signature"), id, body, r.clock.Now(), tolerance,
		func(id string) bool { return r.done[id] })
	r.all = append(r.all, received{id: id, signature: req.Header.Get("Vern-Signature"), body: body, err: err})
	if r.fail > 0 {
		r.fail--
		http.Error(w, "busy, and this text must not reach the outbox", http.StatusServiceUnavailable)
		return
	}
	switch {
	case errors.Is(err, webhook.ErrReplayed):
		w.WriteHeader(http.StatusOK) // already processed: change nothing
		return
	case err != nil:
		r.t.Errorf("delivery %s: %v", id, err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var d struct {
		ID, Topic, Key string
		CreatedAt      time.Time `json:"created_at"`
		Payload        json.RawMessage
	}
	if err := json.Unmarshal(body, &d); err != nil || d.ID != id || d.CreatedAt.IsZero() {
		r.t.Errorf("delivery %s: body %s (%v)", id, body, err)
	}
	r.done[id] = true
	r.ok = append(r.ok, received{id: id, body: body})
	r.byKey[d.Key] = append(r.byKey[d.Key], d.Topic)
}

func outbox(t *testing.T, s vern.Store) webhook.Store {
	t.Helper()
	return s
}

func newWorker(t *testing.T, s vern.Store, clock *mock.Clock, sinks ...webhook.Sink) *webhook.Worker {
	t.Helper()
	w, err := webhook.New(outbox(t, s), sinks, clock, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// enqueue announces a change the way a service does: inside its InTx.
func enqueue(t *testing.T, s vern.Store, w *webhook.Worker, topic, personID string, n int) {
	t.Helper()
	err := s.InTx(t.Context(), func(tx vern.Store) error {
		return w.Enqueue(t.Context(), outbox(t, tx), topic, personID, vern.ConsentChange{
			EventID: "evt_" + string(rune('a'+n)), PersonID: personID, Kind: topic, Purpose: "newsletter",
			PolicyVersion: "2026-01", At: epoch.Add(time.Duration(n) * time.Second),
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func pending(t *testing.T, s vern.Store) int {
	t.Helper()
	n, err := outbox(t, s).CountPendingOutbox(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func runOnce(t *testing.T, w *webhook.Worker) (delivered, failed int) {
	t.Helper()
	delivered, failed, err := w.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return delivered, failed
}

var emailPattern = regexp.MustCompile(`[^\s"@]+@[^\s"@]+`)

func TestDeliverInOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(epoch)
		crm, news := newReceiver(t, clock), newReceiver(t, clock)
		w := newWorker(t, s, clock,
			webhook.Sink{Name: "crm", URL: crm.srv.URL, Secret: secret},
			webhook.Sink{Name: "newsletter", URL: news.srv.URL, Secret: secret, Topics: []string{vern.TopicConsentWithdrawn}})
		enqueue(t, s, w, vern.TopicConsentGranted, "per_a", 1)
		enqueue(t, s, w, vern.TopicConsentWithdrawn, "per_b", 2)
		enqueue(t, s, w, vern.TopicConsentWithdrawn, "per_a", 3)
		enqueue(t, s, w, vern.TopicConsentGranted, "per_a", 4)
		if n := pending(t, s); n != 6 { // 4 for the crm, 2 withdrawals for the newsletter
			t.Fatalf("pending = %d, want 6", n)
		}
		total := 0
		for range 10 {
			d, f := runOnce(t, w)
			if f != 0 {
				t.Fatalf("%d deliveries failed", f)
			}
			total += d
			if d == 0 {
				break
			}
		}
		if total != 6 || pending(t, s) != 0 {
			t.Fatalf("delivered %d, %d pending; want 6 and 0", total, pending(t, s))
		}
		wantCRM := map[string][]string{
			"per_a": {vern.TopicConsentGranted, vern.TopicConsentWithdrawn, vern.TopicConsentGranted},
			"per_b": {vern.TopicConsentWithdrawn},
		}
		if diff := cmp.Diff(wantCRM, crm.byKey); diff != "" {
			t.Fatalf("crm deliveries mismatch (-want +got):\n%s", diff)
		}
		wantNews := map[string][]string{"per_a": {vern.TopicConsentWithdrawn}, "per_b": {vern.TopicConsentWithdrawn}}
		if diff := cmp.Diff(wantNews, news.byKey); diff != "" {
			t.Fatalf("newsletter deliveries mismatch (-want +got):\n%s", diff)
		}
		for _, r := range append(crm.all, news.all...) {
			if r.err != nil {
				t.Errorf("delivery %s: %v", r.id, r.err)
			}
			if emailPattern.Match(r.body) {
				t.Errorf("delivery %s holds an email address: %s", r.id, r.body)
			}
		}
		if n := attempted(t, w); n != 0 {
			t.Fatalf("a second round delivered %d messages again", n)
		}
	})
}

// attempted returns how many messages one round tried.
func attempted(t *testing.T, w *webhook.Worker) int {
	d, f := runOnce(t, w)
	return d + f
}

func TestEnqueueRefusesEmail(t *testing.T) {
	s := testdb.SQLite(t)
	clock := mock.NewClock(epoch)
	w := newWorker(t, s, clock, webhook.Sink{Name: "crm", URL: "https://crm.example/hook", Secret: secret})
	err := w.Enqueue(t.Context(), outbox(t, s), vern.TopicConsentWithdrawn, "per_a",
		map[string]string{"person_id": "per_a", "email": "alice@example.com"})
	if err == nil {
		t.Fatal("Enqueue accepted a payload with an email address")
	}
	if n := pending(t, s); n != 0 {
		t.Fatalf("pending = %d, want 0", n)
	}
}

func TestEnqueueRolledBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(epoch)
		w := newWorker(t, s, clock, webhook.Sink{Name: "crm", URL: "https://crm.example/hook", Secret: secret})
		boom := errors.New("boom")
		err := s.InTx(t.Context(), func(tx vern.Store) error {
			if err := w.Enqueue(t.Context(), outbox(t, tx), vern.TopicConsentWithdrawn, "per_a", map[string]string{"person_id": "per_a"}); err != nil {
				return err
			}
			return boom // the change failed: nothing may be announced
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if n := pending(t, s); n != 0 {
			t.Fatalf("pending = %d, want 0", n)
		}
	})
}

func TestRetryUntilDelivered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(epoch)
		crm := newReceiver(t, clock)
		crm.fail = 2
		w := newWorker(t, s, clock, webhook.Sink{Name: "crm", URL: crm.srv.URL, Secret: secret})
		enqueue(t, s, w, vern.TopicConsentWithdrawn, "per_a", 1)

		if d, f := runOnce(t, w); d != 0 || f != 1 {
			t.Fatalf("first round: %d delivered, %d failed; want 0, 1", d, f)
		}
		if n := attempted(t, w); n != 0 {
			t.Fatalf("retried %d before the backoff ended", n)
		}
		clock.Advance(3 * time.Second) // past the first backoff (2 s + up to a fifth)
		if d, f := runOnce(t, w); d != 0 || f != 1 {
			t.Fatalf("second round: %d delivered, %d failed; want 0, 1", d, f)
		}
		clock.Advance(5 * time.Second) // past the second (4 s + up to a fifth)
		msgs, err := outbox(t, s).ClaimOutbox(t.Context(), clock.Now(), 10, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Attempts != 2 || msgs[0].LastError != "http 503" {
			t.Fatalf("after two failures: %+v, want one message, 2 attempts, last error http 503", msgs)
		}
		clock.Advance(time.Second) // the test's own lease
		if d, f := runOnce(t, w); d != 1 || f != 0 {
			t.Fatalf("third round: %d delivered, %d failed; want 1, 0", d, f)
		}
		if len(crm.all) != 3 || len(crm.ok) != 1 || pending(t, s) != 0 {
			t.Fatalf("%d requests, %d processed, %d pending; want 3, 1, 0", len(crm.all), len(crm.ok), pending(t, s))
		}
		for _, r := range crm.all {
			if r.id != crm.ok[0].id || r.err != nil {
				t.Fatalf("attempt %s (%v); want every attempt to carry id %s and a valid signature", r.id, r.err, crm.ok[0].id)
			}
		}
	})
}

func TestReceiverDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(epoch)
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close() // nothing listens there any more
		w := newWorker(t, s, clock, webhook.Sink{Name: "crm", URL: down.URL, Secret: secret})
		enqueue(t, s, w, vern.TopicConsentWithdrawn, "per_a", 1)
		for i := range webhook.MaxAttempts {
			if d, f := runOnce(t, w); d != 0 || f != 1 {
				t.Fatalf("attempt %d: %d delivered, %d failed; want 0, 1", i+1, d, f)
			}
			if n := pending(t, s); n != 1 {
				t.Fatalf("attempt %d: pending = %d, want 1", i+1, n)
			}
			if i == 0 {
				clock.Advance(3 * time.Second)
				msgs, err := outbox(t, s).ClaimOutbox(t.Context(), clock.Now(), 10, time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) != 1 || msgs[0].LastError != "connection refused" {
					t.Fatalf("after one failure: %+v, want last error connection refused", msgs)
				}
			}
			clock.Advance(13 * time.Minute) // past the longest backoff and any lease
		}
		// Given up on, but kept: an operator can see it is pending.
		clock.Advance(365 * 24 * time.Hour)
		if n := attempted(t, w); n != 0 {
			t.Fatalf("retried %d times after %d attempts", n, webhook.MaxAttempts)
		}
		if n := pending(t, s); n != 1 {
			t.Fatalf("pending = %d, want 1", n)
		}
	})
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"whk_1","topic":"consent.withdrawn","key":"per_a","created_at":"2026-03-14T09:26:53Z","payload":{"person_id":"per_a"}}`)
	now := epoch
	header := webhook.Sign(secret, now, "whk_1", body)
	processed := map[string]bool{}
	seen := func(id string) bool { return processed[id] }
	tests := []struct {
		name   string
		secret []byte
		header string
		id     string
		body   []byte
		now    time.Time
		want   error
	}{
		{name: "valid", header: header, id: "whk_1", body: body, now: now.Add(tolerance)},
		{name: "tampered body", header: header, id: "whk_1", body: []byte(string(body[:len(body)-2]) + `,"x":1}}`), now: now, want: webhook.ErrBadSignature},
		{name: "other id", header: header, id: "whk_2", body: body, now: now, want: webhook.ErrBadSignature},
		{name: "wrong secret", secret: []byte("guess"), header: header, id: "whk_1", body: body, now: now, want: webhook.ErrBadSignature},
		{name: "no header", header: "", id: "whk_1", body: body, now: now, want: webhook.ErrBadSignature},
		{name: "no signature", header: "t=1773480413", id: "whk_1", body: body, now: now, want: webhook.ErrBadSignature},
		{name: "time changed", header: strings.Replace(header, fmt.Sprintf("t=%d,", now.Unix()), fmt.Sprintf("t=%d,", now.Unix()+1), 1), id: "whk_1", body: body, now: now, want: webhook.ErrBadSignature},
		{name: "old", header: header, id: "whk_1", body: body, now: now.Add(tolerance + time.Second), want: webhook.ErrStale},
		{name: "from the future", header: header, id: "whk_1", body: body, now: now.Add(-tolerance - time.Second), want: webhook.ErrStale},
		{name: "replayed", header: header, id: "whk_1", body: body, now: now, want: webhook.ErrReplayed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := secret
			if tt.secret != nil {
				key = tt.secret
			}
			err := webhook.Verify(key, tt.header, tt.id, tt.body, tt.now, tolerance, seen)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err == nil {
				processed[tt.id] = true
			}
		})
	}
}

// TestReplayedDelivery replays a captured delivery at the receiver: it is
// recognised, answered, and changes nothing.
func TestReplayedDelivery(t *testing.T) {
	s := testdb.SQLite(t)
	clock := mock.NewClock(epoch)
	crm := newReceiver(t, clock)
	w := newWorker(t, s, clock, webhook.Sink{Name: "crm", URL: crm.srv.URL, Secret: secret})
	enqueue(t, s, w, vern.TopicConsentWithdrawn, "per_a", 1)
	if d, _ := runOnce(t, w); d != 1 {
		t.Fatalf("delivered %d, want 1", d)
	}
	first := crm.all[0]
	clock.Advance(time.Minute)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, crm.srv.URL, bytesReader(first.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Vern-Delivery", first.id)
	req.Header.Set("Vern-Signature", first.signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(crm.all) != 2 || !errors.Is(crm.all[1].err, webhook.ErrReplayed) || len(crm.ok) != 1 {
		t.Fatalf("replay: %d requests, verdict %v, %d processed; want 2, ErrReplayed, 1", len(crm.all), crm.all[len(crm.all)-1].err, len(crm.ok))
	}
	clock.Advance(tolerance) // once the window has passed, the replay is stale instead
	if err := webhook.Verify(secret, first.signature, first.id, first.body, clock.Now(), tolerance, nil); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("late replay: Verify = %v, want ErrStale", err)
	}
}

func TestNewRefusesBadSinks(t *testing.T) {
	s := testdb.SQLite(t)
	ok := webhook.Sink{Name: "crm", URL: "https://crm.example/hook", Secret: secret}
	tests := []struct {
		name  string
		sinks []webhook.Sink
	}{
		{name: "ftp", sinks: []webhook.Sink{{Name: "crm", URL: "ftp://crm.example/hook", Secret: secret}}},
		{name: "javascript", sinks: []webhook.Sink{{Name: "crm", URL: "javascript:alert(1)", Secret: secret}}},
		{name: "file", sinks: []webhook.Sink{{Name: "crm", URL: "file:///etc/passwd", Secret: secret}}},
		{name: "no host", sinks: []webhook.Sink{{Name: "crm", URL: "http://", Secret: secret}}},
		{name: "relative", sinks: []webhook.Sink{{Name: "crm", URL: "/hook", Secret: secret}}},
		{name: "no secret", sinks: []webhook.Sink{{Name: "crm", URL: "https://crm.example/hook"}}},
		{name: "no name", sinks: []webhook.Sink{{URL: "https://crm.example/hook", Secret: secret}}},
		{name: "duplicate", sinks: []webhook.Sink{ok, ok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := webhook.New(outbox(t, s), tt.sinks, mock.NewClock(epoch), nil, slog.New(slog.DiscardHandler)); err == nil {
				t.Fatal("New accepted the sink")
			}
		})
	}
	if _, err := webhook.New(outbox(t, s), []webhook.Sink{ok, {Name: "local", URL: "http://127.0.0.1:8080/x", Secret: secret}}, mock.NewClock(epoch), nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	for attempts, base := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 9: 512 * time.Second, 10: 10 * time.Minute, 19: 10 * time.Minute, 50: 10 * time.Minute} {
		for range 20 {
			if d := webhook.Backoff(attempts); d < base || d > base+base/5 {
				t.Fatalf("Backoff(%d) = %s, want %s to %s", attempts, d, base, base+base/5)
			}
		}
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// An Art. 19 notice goes to the one sink named, whatever topics it chose,
// and every delivery about a person enters the disclosure log.
func TestEnqueueToLogsDisclosures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(epoch)
		crm, news := newReceiver(t, clock), newReceiver(t, clock)
		w := newWorker(t, s, clock,
			webhook.Sink{Name: "crm", URL: crm.srv.URL, Secret: secret, Topics: []string{vern.TopicConsentGranted}},
			webhook.Sink{Name: "newsletter", URL: news.srv.URL, Secret: secret})
		err := s.InTx(t.Context(), func(tx vern.Store) error {
			return w.EnqueueTo(t.Context(), tx, "crm", vern.TopicPersonErased, "per_a",
				vern.PersonNotice{PersonID: "per_a", RequestID: "req_1", Kind: vern.RequestErasure, At: epoch})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(t.Context(), func(tx vern.Store) error {
			return w.EnqueueTo(t.Context(), tx, "nosuch", vern.TopicPersonErased, "per_a", vern.PersonNotice{})
		}); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("notice to an unknown sink: %v, want ENOTFOUND", err)
		}
		if d, f := runOnce(t, w); d != 1 || f != 0 {
			t.Fatalf("delivered %d, failed %d; want 1, 0", d, f)
		}
		if diff := cmp.Diff(map[string][]string{"per_a": {vern.TopicPersonErased}}, crm.byKey); diff != "" {
			t.Fatalf("crm deliveries (-want +got):\n%s", diff)
		}
		if len(news.all) != 0 {
			t.Fatalf("the newsletter sink got %d deliveries meant for the crm", len(news.all))
		}
		ds, err := s.FindDisclosures(t.Context(), "per_a")
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Recipient != "webhook:crm" || ds[0].Reason != "webhook "+vern.TopicPersonErased {
			t.Fatalf("disclosures = %+v, want one to webhook:crm", ds)
		}
		if !w.HasSink("crm") || w.HasSink("nosuch") {
			t.Fatal("HasSink disagrees with the configuration")
		}
	})
}
