package request_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/request"
)

func TestErasure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "kari@example.test")
		if _, err := f.people.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelPhone, Kind: vern.KindFeedback, Text: "Fornøyd med leveransen"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ledger.Record(ctx, "token:t", consent.RecordInput{PersonID: p.ID, Purpose: "newsletter", Action: consent.ActionGrant,
			Evidence: consent.Evidence{Source: vern.ChannelWebForm, UserAgent: "Browser/1", IP: "192.0.2.10", PageURL: "https://example.test/nyhetsbrev"}}); err != nil {
			t.Fatal(err)
		}
		earlier := f.process(t, f.submitVerified(t, request.Input{Kind: vern.RequestComplaint, Email: "kari@example.test",
			Details: vern.RequestDetails{Message: "Jeg fikk e-post etter at jeg meldte meg av"}}).ID)
		if _, err := f.svc.Complete(ctx, "token:staff", earlier.ID, "Beklager, rettet."); err != nil {
			t.Fatal(err)
		}
		r := f.submitVerified(t, request.Input{Kind: vern.RequestErasure, Email: "kari@example.test", Language: "en"})
		r = f.process(t, r.ID)
		if r.Status != vern.StatusCompleted || r.Result == nil || len(r.Result.Erased) == 0 || len(r.Result.Kept) != 0 || r.Email != "kari@example.test" {
			t.Fatalf("request = %+v", r)
		}
		// The earlier request keeps only the record that it was answered.
		old, err := f.svc.Get(ctx, earlier.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !old.Shredded || old.Email != "" || old.Details.Message != "" || old.Resolution != "" || old.Status != vern.StatusCompleted {
			t.Fatalf("earlier request after erasure = %+v", old)
		}
		if _, err := f.people.FindByID(ctx, p.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("erased person still found: %v", err)
		}
		if _, err := f.people.FindByEmail(ctx, "kari@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("erased person still found by email: %v", err)
		}
		if is, _ := s.FindInteractions(ctx, p.ID); len(is) != 0 {
			t.Fatalf("%d interactions left", len(is))
		}
		events, err := s.FindConsentEvents(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if !e.Redacted || e.UserAgent != "" || e.IPPrefix != "" || e.PageURL != "" {
				t.Fatalf("event evidence left after erasure: %+v", e)
			}
		}
		if i := vern.VerifyChain(events); i != -1 {
			t.Fatalf("the ledger no longer verifies after erasure (event %d)", i)
		}
		sup, err := s.FindSuppressed(ctx, [][]byte{f.people.EmailIndex("kari@example.test")})
		if err != nil || len(sup) != 1 {
			t.Fatalf("no suppression entry after erasure: %v %v", sup, err)
		}
		stats, err := s.FindStats(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int64{}
		for _, c := range stats {
			counts[c.Metric] += c.Count
		}
		if counts[vern.StatPeople] != 1 || counts[vern.StatInteractions] != 1 {
			t.Fatalf("statistics after erasure = %v, want one person and one interaction", counts)
		}
		// A re-added person under the same address is a new person, and
		// the suppression list still knows the address.
		again := f.person(t, "kari@example.test")
		if again.ID == p.ID {
			t.Fatal("the erased person came back")
		}
		// Erasing again finds nothing to do.
		r2 := f.submitVerified(t, request.Input{Kind: vern.RequestErasure, Email: "nobody@example.test"})
		if r2 = f.process(t, r2.ID); !r2.Result.NoData {
			t.Fatalf("erasure of an unknown address = %+v", r2.Result)
		}
	})
}

// Accounting documents under a legal hold survive an erasure request; the
// person is restricted and the answer says what was kept, why and until
// when (Art. 17(3)(b), REFERENCE.md 11.7).
func TestErasureUnderLegalHold(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "kunde@example.test")
		if _, err := f.people.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindComment, Text: "Takk for sist"}); err != nil {
			t.Fatal(err)
		}
		inv, err := f.people.AddDocument(ctx, p.ID, person.DocumentInput{Kind: vern.DocumentPrimary, Reference: "F-2025-0042", DatedOn: "2025-03-10"})
		if err != nil {
			t.Fatal(err)
		}
		if inv.HoldUntil != "2030-12-31" {
			t.Fatalf("invoice held until %s, want 2030-12-31", inv.HoldUntil)
		}
		old, err := f.people.AddDocument(ctx, p.ID, person.DocumentInput{Kind: vern.DocumentSecondary, Reference: "O-2019-7", DatedOn: "2019-05-02"})
		if err != nil || old.HoldUntil != "2023-06-30" {
			t.Fatalf("old order = %+v, %v", old, err)
		}
		r := f.submitVerified(t, request.Input{Kind: vern.RequestErasure, Email: "kunde@example.test", Language: "nb"})
		r = f.process(t, r.ID)
		if r.Status != vern.StatusCompleted || len(r.Result.Kept) != 1 || r.Result.Kept[0].Until != "2030-12-31" ||
			!strings.Contains(r.Result.Kept[0].What, "F-2025-0042") || r.Result.Kept[0].Law == "" {
			t.Fatalf("result = %+v", r.Result)
		}
		held, err := f.people.FindByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if held.HeldUntil != "2030-12-31" || held.Phone != "" || held.Email != "kunde@example.test" {
			t.Fatalf("held person = %+v", held)
		}
		if is, _ := f.people.Interactions(ctx, p.ID); len(is) != 0 {
			t.Fatalf("%d interactions kept under hold", len(is))
		}
		d, err := f.ledger.DecideEmail(ctx, "kunde@example.test", "service_info")
		if err != nil || d.Allowed {
			t.Fatalf("a held person may still be used: %+v %v", d, err)
		}
		last := f.mails(t, r.ID)
		if m := last[len(last)-1]; m.Template != vern.MailCompletion || !strings.Contains(m.Vars["kept"], "2030-12-31") {
			t.Fatalf("completion mail = %+v", m)
		}
	})
}

// Rectification applies the corrections, keeps old and new values sealed
// in the request, and tells every recipient of the person's data (Art. 19).
func TestRectificationNotifiesRecipients(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		notes := &notifier{sinks: map[string]bool{"crm": true}}
		f := newFixture(t, s, func(c *request.Config) { c.Notify = notes })
		ctx := context.Background()
		p := f.person(t, "ola@example.test")
		if err := s.RecordDisclosures(ctx,
			&vern.Disclosure{ID: "dsc_1", PersonID: p.ID, Recipient: "webhook:crm", Reason: "webhook consent.granted", At: epoch},
			&vern.Disclosure{ID: "dsc_2", PersonID: p.ID, Recipient: "google_ads", Reason: "audience upload", At: epoch},
		); err != nil {
			t.Fatal(err)
		}
		name := "Ola"
		r := f.submitVerified(t, request.Input{Kind: vern.RequestRectification, Email: "ola@example.test",
			Details: vern.RequestDetails{Changes: &vern.PersonUpdate{FirstName: &name}}})
		r = f.process(t, r.ID)
		if r.Status != vern.StatusCompleted || len(r.Result.Rectified) != 1 || r.Result.Rectified[0] != (vern.Rectified{Field: "first_name", Old: "Kari", New: "Ola"}) {
			t.Fatalf("result = %+v", r.Result)
		}
		if got, _ := f.people.FindByID(ctx, p.ID); got.FirstName != "Ola" {
			t.Fatalf("first name = %q", got.FirstName)
		}
		if len(r.Result.Notified) != 2 || !strings.Contains(strings.Join(r.Result.Notified, ";"), "google_ads: no channel") {
			t.Fatalf("notified = %v", r.Result.Notified)
		}
		if len(notes.sent) != 1 || notes.sent[0] != "crm "+vern.TopicPersonRectified+" "+p.ID {
			t.Fatalf("notices = %v", notes.sent)
		}
	})
}

type notifier struct {
	mu    sync.Mutex
	sinks map[string]bool
	sent  []string
}

func (n *notifier) EnqueueTo(ctx context.Context, tx vern.OutboxStore, sink, topic, key string, payload any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, sink+" "+topic+" "+key)
	return nil
}

func (n *notifier) HasSink(name string) bool { return n.sinks[name] }

func TestObjectionAndWithdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "per@example.test")
		for _, pu := range []string{"newsletter", "statistics"} {
			if _, err := f.ledger.Record(ctx, "token:t", consent.RecordInput{PersonID: p.ID, Purpose: pu, Action: consent.ActionGrant,
				Evidence: consent.Evidence{Source: vern.ChannelWebForm}}); err != nil {
				t.Fatal(err)
			}
		}
		w := f.process(t, f.submitVerified(t, request.Input{Kind: vern.RequestWithdrawal, Email: "per@example.test"}).ID)
		if w.Status != vern.StatusCompleted {
			t.Fatalf("withdrawal = %+v", w)
		}
		for _, pu := range []string{"newsletter", "statistics"} {
			if d, _ := f.ledger.DecideEmail(ctx, "per@example.test", pu); d.Allowed {
				t.Errorf("%s still allowed after withdrawing all consents", pu)
			}
		}
		if d, _ := f.ledger.DecideEmail(ctx, "per@example.test", "sales_contact"); !d.Allowed {
			t.Fatal("sales_contact (legitimate interest) should be allowed before the objection")
		}
		o := f.process(t, f.submitVerified(t, request.Input{Kind: vern.RequestObjection, Email: "per@example.test"}).ID)
		if o.Status != vern.StatusCompleted {
			t.Fatalf("objection = %+v", o)
		}
		if d, _ := f.ledger.DecideEmail(ctx, "per@example.test", "sales_contact"); d.Allowed {
			t.Fatal("sales_contact allowed after an objection to direct marketing")
		}
		if sup, _ := s.FindSuppressed(ctx, [][]byte{f.people.EmailIndex("per@example.test")}); len(sup) != 1 {
			t.Fatal("no suppression entry after an objection to direct marketing")
		}
		events, _ := s.FindConsentEvents(ctx, p.ID)
		if len(events) != 5 { // 2 grants, 2 withdrawals, 1 objection
			t.Fatalf("%d ledger events, want 5", len(events))
		}
		// A restriction request stops everything.
		rs := f.process(t, f.submitVerified(t, request.Input{Kind: vern.RequestRestriction, Email: "per@example.test", Details: vern.RequestDetails{Ground: "accuracy"}}).ID)
		if rs.Status != vern.StatusCompleted {
			t.Fatalf("restriction = %+v", rs)
		}
		if st, _ := f.ledger.State(ctx, p.ID); !st.Restricted {
			t.Fatal("not restricted")
		}
	})
}

// Running a request many times over, concurrently, does every step once:
// one ledger event, one completion mail.
func TestProcessIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "twice@example.test")
		r := f.submitVerified(t, request.Input{Kind: vern.RequestObjection, Email: "twice@example.test", Details: vern.RequestDetails{Scope: "surveys"}})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := f.svc.Process(ctx, r.ID); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		f.process(t, r.ID)
		events, _ := s.FindConsentEvents(ctx, p.ID)
		if len(events) != 1 {
			t.Fatalf("%d ledger events, want 1", len(events))
		}
		n := 0
		for _, m := range f.mails(t, r.ID) {
			if m.Template == vern.MailCompletion {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d completion mails, want 1", n)
		}
	})
}

func TestExtensionAndStaffActions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "klage@example.test")
		// Staff open a complaint for a known person, skipping verification.
		if _, err := f.svc.Open(ctx, "token:staff", request.StaffInput{Input: request.Input{Kind: vern.RequestComplaint, PersonID: p.ID,
			Details: vern.RequestDetails{Message: "Fikk nyhetsbrev etter avmelding"}}, SkipVerification: true}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("skip without a reason: %v", err)
		}
		r, err := f.svc.Open(ctx, "token:staff", request.StaffInput{Input: request.Input{Kind: vern.RequestComplaint, PersonID: p.ID,
			Details: vern.RequestDetails{Message: "Fikk nyhetsbrev etter avmelding"}}, SkipVerification: true, SkipReason: "called from the number on file"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != vern.StatusVerified || r.Verification != "staff" || r.Email != "klage@example.test" {
			t.Fatalf("staff request = %+v", r)
		}
		if r = f.process(t, r.ID); r.Status != vern.StatusInProgress {
			t.Fatalf("a complaint is answered by staff, status = %s", r.Status)
		}
		if _, err := f.svc.Extend(ctx, "token:staff", r.ID, ""); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("extension without reason: %v", err)
		}
		ext, err := f.svc.Extend(ctx, "token:staff", r.ID, "We need the newsletter provider's logs.")
		if err != nil {
			t.Fatal(err)
		}
		if ext.DueOn <= ext.FirstDueOn || ext.ExtensionReason == "" {
			t.Fatalf("extended = %+v", ext)
		}
		if _, err := f.svc.Extend(ctx, "token:staff", r.ID, "again"); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("second extension: %v", err)
		}
		ms := f.mails(t, r.ID)
		if m := ms[len(ms)-1]; m.Template != vern.MailExtension || m.Vars["due_on"] != ext.DueOn {
			t.Fatalf("extension mail = %+v", m)
		}
		open, err := f.svc.List(ctx, request.ListInput{Status: "open"})
		if err != nil || len(open) != 1 {
			t.Fatalf("open requests = %d %v", len(open), err)
		}
		done, err := f.svc.Complete(ctx, "token:staff", r.ID, "Vi har rettet feilen i utsendelseslisten.")
		if err != nil || done.Status != vern.StatusCompleted {
			t.Fatalf("complete: %+v %v", done, err)
		}
		if _, err := f.svc.Reject(ctx, "token:staff", r.ID, "late"); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("rejecting a closed request: %v", err)
		}

		// An extension after the first deadline is refused.
		late := f.submitVerified(t, request.Input{Kind: vern.RequestComplaint, Email: "sen@example.test", Details: vern.RequestDetails{Message: "Klage"}})
		f.clock.Advance(40 * 24 * time.Hour)
		if _, err := f.svc.Extend(ctx, "token:staff", late.ID, "too late"); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("late extension: %v", err)
		}
		overdue, err := f.svc.List(ctx, request.ListInput{Status: "overdue"})
		if err != nil || len(overdue) != 1 || overdue[0].ID != late.ID {
			t.Fatalf("overdue = %v %v", overdue, err)
		}
		n, err := f.svc.Remind(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reminders = %d %v", n, err)
		}
		if n, _ := f.svc.Remind(ctx); n != 0 {
			t.Fatalf("reminded twice on one day: %d", n)
		}
		rj, err := f.svc.Reject(ctx, "token:staff", late.ID, "Vi fant ingen opplysninger som omfattes av klagen.")
		if err != nil {
			t.Fatal(err)
		}
		ms = f.mails(t, rj.ID)
		if m := ms[len(ms)-1]; m.Template != vern.MailRejection || !strings.Contains(m.Vars["authority"], "Datatilsynet") {
			t.Fatalf("rejection mail = %+v", m)
		}
	})
}

// Portability by direct transfer: the package goes, signed, to the other
// controller's HTTPS endpoint; an endpoint that keeps failing ends with a
// download link instead, after MaxTransferAttempts tries.
func TestDirectTransfer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		var mu sync.Mutex
		var got [][]byte
		fail := false
		var pub ed25519.PublicKey
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if fail {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			sum := sha256.Sum256(body)
			sig, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Vern-Signature"), "ed25519="))
			if !ed25519.Verify(pub, sum[:], sig) {
				http.Error(w, "bad signature", http.StatusForbidden)
				return
			}
			got = append(got, body)
		}))
		defer srv.Close()
		f := newFixture(t, s, func(c *request.Config) { c.Client = srv.Client() })
		pub = f.svc.TransferPublicKey()
		ctx := context.Background()
		f.person(t, "flytt@example.test")
		r := f.submitVerified(t, request.Input{Kind: vern.RequestPortability, Email: "flytt@example.test", Details: vern.RequestDetails{TransferURL: srv.URL + "/import"}})
		r = f.process(t, r.ID)
		if r.Status != vern.StatusCompleted || r.Result.Transfer != "delivered" || len(got) != 1 {
			t.Fatalf("transfer: %+v, %d received", r.Result, len(got))
		}
		var pkg vern.AccessPackage
		if err := json.Unmarshal(got[0], &pkg); err != nil || !pkg.Portability || pkg.Subject == nil || pkg.Subject.Email != "flytt@example.test" {
			t.Fatalf("transferred package = %+v %v", pkg, err)
		}

		mu.Lock()
		fail = true
		mu.Unlock()
		r = f.submitVerified(t, request.Input{Kind: vern.RequestPortability, Email: "flytt@example.test", Details: vern.RequestDetails{TransferURL: srv.URL + "/import"}})
		for i := 1; i < request.MaxTransferAttempts; i++ {
			if err := f.svc.Process(ctx, r.ID); err == nil {
				t.Fatalf("attempt %d against a failing endpoint reported success", i)
			}
		}
		r = f.process(t, r.ID)
		if r.Status != vern.StatusCompleted || r.Result.Transfer != "failed: http 503" || r.Result.PackageExpiresAt == nil {
			t.Fatalf("after giving up: %+v", r.Result)
		}
	})
}

func TestWaitingOnThePerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		f.person(t, "vent@example.test")
		r := f.submitVerified(t, request.Input{Kind: vern.RequestAccess, Email: "vent@example.test"})
		if _, err := f.svc.Continue(ctx, "token:staff", r.ID, "go on"); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("continue a request that is not waiting: %v", err)
		}
		w, err := f.svc.Await(ctx, "token:staff", r.ID, "asked which account the request is about")
		if err != nil || w.Status != vern.StatusWaiting {
			t.Fatalf("await: %+v %v", w, err)
		}
		// Fulfilment does not run while the request waits.
		if got := f.process(t, r.ID); got.Status != vern.StatusWaiting {
			t.Fatalf("processed while waiting: %s", got.Status)
		}
		if _, err := f.svc.Continue(ctx, "token:staff", r.ID, "the person answered"); err != nil {
			t.Fatal(err)
		}
		if got := f.process(t, r.ID); got.Status != vern.StatusCompleted {
			t.Fatalf("after continuing: %s", got.Status)
		}
	})
}
