package consent_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

type fixture struct {
	svc    *consent.Service
	people *person.Service
	store  vern.Store
}

func newFixture(t *testing.T, s vern.Store) *fixture { return newFixtureTB(t, s) }

func newFixtureTB(t testing.TB, s vern.Store) *fixture {
	return newFixtureClock(t, s, mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)))
}

func newFixtureClock(t testing.TB, s vern.Store, clock *mock.Clock) *fixture {
	t.Helper()
	keys, err := keyring.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	return &fixture{svc: consent.New(s, people, pol, keys, clock), people: people, store: s}
}

func (f *fixture) person(t *testing.T, email string) string { return f.personTB(t, email) }

func (f *fixture) personTB(t testing.TB, email string) string {
	t.Helper()
	p, _, err := f.people.Create(context.Background(), vern.PersonInput{Email: email, Source: vern.Source{Channel: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

var webForm = consent.Evidence{Source: vern.ChannelWebForm, PageURL: "https://example.test/newsletter", UserAgent: "TestBrowser/1.0", IP: "192.0.2.41"}

func TestConsentLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		id := f.person(t, "kari@example.test")

		d, err := f.svc.DecideEmail(ctx, "kari@example.test", "newsletter")
		if err != nil || d.Allowed || d.Reason != consent.ReasonNoConsent {
			t.Fatalf("before consent: %+v %v", d, err)
		}
		g, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{Email: "KARI@example.test", Purpose: "newsletter", Action: consent.ActionGrant, Evidence: webForm})
		if err != nil {
			t.Fatal(err)
		}
		if g.PersonID != id || g.IPPrefix != "192.0.2.0/24" || g.PolicyVersion != "2023-06-27" || g.Seq != 1 || len(g.Hash) != 32 {
			t.Fatalf("grant event = %+v", g)
		}
		d, _ = f.svc.DecideEmail(ctx, "kari@example.test", "newsletter")
		if !d.Allowed || d.Basis != "consent" || d.EvidenceID != g.ID {
			t.Fatalf("after grant: %+v", d)
		}
		w, err := f.svc.Record(ctx, "public:web_form", consent.RecordInput{PersonID: id, Purpose: "newsletter", Action: consent.ActionWithdraw, Evidence: consent.Evidence{Source: vern.ChannelEmail}})
		if err != nil {
			t.Fatal(err)
		}
		d, _ = f.svc.DecideEmail(ctx, "kari@example.test", "newsletter")
		if d.Allowed || d.Reason != consent.ReasonConsentWithdrawn || d.EvidenceID != w.ID {
			t.Fatalf("after withdrawal: %+v", d)
		}
		if _, err := f.svc.Object(ctx, "token:t1", consent.ObjectionInput{Email: "kari@example.test", Scope: vern.ScopeDirectMarketing, Evidence: consent.Evidence{Source: vern.ChannelEmail}}); err != nil {
			t.Fatal(err)
		}
		for _, pu := range []string{"sales_contact", "surveys", "customer_updates", "remarketing"} {
			if d, _ := f.svc.DecideEmail(ctx, "kari@example.test", pu); d.Allowed || d.Reason != consent.ReasonObjected {
				t.Errorf("%s after direct-marketing objection: %+v", pu, d)
			}
		}
		st, err := f.svc.State(ctx, id)
		if err != nil || len(st.History) != 3 || len(st.Purposes) != 10 {
			t.Fatalf("state = %+v, %v", st, err)
		}
		if rep, err := f.svc.Verify(ctx); err != nil || !rep.OK || rep.Checked != 3 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestConsentRefusals(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	ctx := context.Background()
	f.person(t, "ola@example.test")
	tests := []struct {
		name string
		in   consent.RecordInput
		code string
	}{
		{"unknown purpose", consent.RecordInput{Email: "ola@example.test", Purpose: "horoscopes", Action: "grant", Evidence: webForm}, vern.EINVALID},
		{"grant for a legitimate-interest purpose", consent.RecordInput{Email: "ola@example.test", Purpose: "sales_contact", Action: "grant", Evidence: webForm}, vern.EINVALID},
		{"withdrawal of a consent never given", consent.RecordInput{Email: "ola@example.test", Purpose: "newsletter", Action: "withdraw", Evidence: webForm}, vern.ECONFLICT},
		{"unknown person", consent.RecordInput{Email: "nobody@example.test", Purpose: "newsletter", Action: "grant", Evidence: webForm}, vern.ENOTFOUND},
		{"bad action", consent.RecordInput{Email: "ola@example.test", Purpose: "newsletter", Action: "maybe", Evidence: webForm}, vern.EINVALID},
		{"bad channel", consent.RecordInput{Email: "ola@example.test", Purpose: "newsletter", Action: "grant", Evidence: consent.Evidence{Source: "pigeon"}}, vern.EINVALID},
		{"national ID in the page URL", consent.RecordInput{Email: "ola@example.test", Purpose: "newsletter", Action: "grant", Evidence: consent.Evidence{Source: "web_form", PageURL: "https://example.test/?fnr=15076500565"}}, vern.EINVALID},
		{"bad notice hash", consent.RecordInput{Email: "ola@example.test", Purpose: "newsletter", Action: "grant", Evidence: consent.Evidence{Source: "web_form", NoticeHash: "abc"}}, vern.EINVALID},
		{"email and person id", consent.RecordInput{Email: "ola@example.test", PersonID: "per_x", Purpose: "newsletter", Action: "grant", Evidence: webForm}, vern.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Record(ctx, "token:t", tt.in); vern.ErrorCode(err) != tt.code {
				t.Fatalf("Record = %v, want %s", err, tt.code)
			}
		})
	}
	if rep, _ := f.svc.Verify(ctx); rep.Checked != 0 {
		t.Fatalf("refusals left %d events", rep.Checked)
	}
	if _, err := f.svc.Object(ctx, "token:t", consent.ObjectionInput{Email: "ola@example.test", Scope: "everything", Evidence: webForm}); vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("unknown scope: %v", err)
	}
	if d, err := f.svc.DecideEmail(ctx, "nobody@example.test", "newsletter"); err != nil || d.Reason != consent.ReasonUnknownPerson {
		t.Fatalf("unknown person decision = %+v, %v", d, err)
	}
}

func TestConcurrentGrantsKeepOneChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		f.person(t, "busy@example.test")
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.Record(ctx, "token:t", consent.RecordInput{Email: "busy@example.test", Purpose: "newsletter", Action: "grant", Evidence: webForm}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		rep, err := f.svc.Verify(ctx)
		if err != nil || !rep.OK || rep.Checked != 16 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestBulkDecisions(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	ctx := context.Background()
	f.person(t, "a@example.test")
	f.person(t, "b@example.test")
	if _, err := f.svc.Record(ctx, "token:t", consent.RecordInput{Email: "b@example.test", Purpose: "newsletter", Action: "grant", Evidence: webForm}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.svc.DecideEmails(ctx, "newsletter", []string{"a@example.test", "not an email", "B@example.test", "c@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v %v %v %v", ds[0].Reason, ds[1].Reason, ds[2].Reason, ds[3].Reason)
	if got != "no_consent unknown_person consent_given unknown_person" {
		t.Fatalf("bulk = %s", got)
	}
	if _, err := f.svc.DecideEmails(ctx, "horoscopes", []string{"a@example.test"}); vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("unknown purpose: %v", err)
	}
}

// TestVerifyCatchesEditedRows edits a stored event directly in the database
// and checks that verification names it.
func TestVerifyCatchesEditedRows(t *testing.T) {
	type rawDB interface{ SQL() *sql.DB }
	for _, backend := range []struct {
		name  string
		open  func(t *testing.T) vern.Store
		query string
	}{
		{"sqlite", func(t *testing.T) vern.Store { return testdb.SQLite(t) }, `UPDATE consent_events SET purpose = 'remarketing' WHERE id = ?`},
		{"postgres", func(t *testing.T) vern.Store { return testdb.Postgres(t) }, `UPDATE consent_events SET purpose = 'remarketing' WHERE id = $1`},
	} {
		t.Run(backend.name, func(t *testing.T) {
			s := backend.open(t)
			f := newFixture(t, s)
			ctx := context.Background()
			f.person(t, "t@example.test")
			var ids []string
			for _, action := range []string{"grant", "withdraw", "grant"} {
				e, err := f.svc.Record(ctx, "token:t", consent.RecordInput{Email: "t@example.test", Purpose: "newsletter", Action: action, Evidence: webForm})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, e.ID)
			}
			if _, err := s.(rawDB).SQL().Exec(backend.query, ids[1]); err != nil {
				t.Fatal(err)
			}
			rep, err := f.svc.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || rep.FirstBad == nil || *rep.FirstBad != ids[1] {
				t.Fatalf("verify after an edit = %+v, want the edited %s named", rep, ids[1])
			}
			if !strings.HasPrefix(*rep.FirstBad, "evt_") {
				t.Fatalf("first bad = %q", *rep.FirstBad)
			}
		})
	}
}

// BenchmarkDecideEmail measures one decision through the service on a real
// SQLite store: email normalisation, blind index, two point reads, fold.
func BenchmarkDecideEmail(b *testing.B) {
	s := testdb.SQLite(b)
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	keys, _ := keyring.New(bytes.Repeat([]byte{3}, 32))
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		b.Fatal(err)
	}
	people := person.New(s, keys, clock)
	svc := consent.New(s, people, pol, keys, clock)
	ctx := context.Background()
	const n = 1000
	for i := range n {
		email := fmt.Sprintf("d%d@example.test", i)
		if _, _, err := people.Create(ctx, vern.PersonInput{Email: email, Source: vern.Source{Channel: vern.ChannelAPI}}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Record(ctx, "token:b", consent.RecordInput{Email: email, Purpose: "newsletter", Action: "grant", Evidence: webForm}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if d, err := svc.DecideEmail(ctx, fmt.Sprintf("d%d@example.test", i%n), "newsletter"); err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
		}
	})
}

func TestContracts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
		f := newFixtureClock(t, s, clock)
		runCache(t, f.svc)
		ctx := context.Background()
		id := f.person(t, "customer@example.test")
		decide := func() consent.Decision {
			d, err := f.svc.DecidePerson(ctx, id, "service_info")
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if d := decide(); d.Allowed || d.Reason != consent.ReasonNoContract {
			t.Fatalf("before any contract: %+v", d)
		}
		start := clock.Now().Add(time.Hour)
		c, err := f.svc.AddContract(ctx, consent.ContractInput{PersonID: id, Reference: "order 7", StartedAt: &start})
		if err != nil {
			t.Fatal(err)
		}
		if d := decide(); d.Allowed {
			t.Fatal("a contract not yet started allows contract purposes")
		}
		clock.Advance(2 * time.Hour)
		if d := decide(); !d.Allowed || d.Basis != "contract" {
			t.Fatalf("with a contract in force: %+v", d)
		}
		if _, err := f.svc.EndContract(ctx, c.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if d := decide(); d.Allowed {
			t.Fatal("an ended contract still allows contract purposes")
		}
		if _, err := f.svc.AddContract(ctx, consent.ContractInput{PersonID: id, Reference: "fnr 15076500565"}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("a national ID in the reference: %v", err)
		}
		if _, err := f.svc.EndContract(ctx, "con_missing", time.Time{}); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("ending an unknown contract: %v", err)
		}
	})
}
