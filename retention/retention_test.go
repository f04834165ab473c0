package retention_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/retention"
)

// now is the time every sweep runs at.
var now = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

type fixture struct {
	store  vern.Store
	clock  *mock.Clock
	people *person.Service
	ledger *consent.Service
	pol    *publish.Service
	n      int
}

func newFixture(t *testing.T, s vern.Store) *fixture {
	t.Helper()
	keys, err := keyring.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clock := mock.NewClock(now.AddDate(-6, 0, 0))
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	return &fixture{store: s, clock: clock, people: people, ledger: consent.New(s, people, pol, keys, clock), pol: pol}
}

func (f *fixture) service(s vern.Store, batch int) *retention.Service {
	if s == nil {
		s = f.store
	}
	return retention.New(retention.Config{Store: s, People: f.people, Policy: f.pol, Clock: f.clock, BatchSize: batch})
}

// person creates a person at the given time.
func (f *fixture) person(t *testing.T, at time.Time) *vern.Person {
	t.Helper()
	f.n++
	f.clock.Set(at)
	p, _, err := f.people.Create(context.Background(), vern.PersonInput{FirstName: "Kari", LastName: "Nordmann",
		Email: "kari" + string(rune('a'+f.n)) + "@example.test", Phone: "+4791234567", Source: vern.Source{Channel: vern.ChannelWebForm},
		Organization: &vern.OrganizationInput{Name: "Eksempel AS"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) consent(t *testing.T, id, purpose, action string, at time.Time) {
	t.Helper()
	f.clock.Set(at)
	_, err := f.ledger.Record(context.Background(), "token:tok_test", consent.RecordInput{PersonID: id, Purpose: purpose, Action: action,
		Evidence: consent.Evidence{Source: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
}

func months(n int) time.Time { return now.AddDate(0, -n, 0) }

// scenario builds one person per situation the seed rules decide and
// returns them by name.
func (f *fixture) scenario(t *testing.T) map[string]*vern.Person {
	t.Helper()
	ctx := context.Background()
	ps := map[string]*vern.Person{}
	ps["lead_old"] = f.person(t, months(25))
	ps["lead_new"] = f.person(t, months(23))
	ps["lead_active"] = f.person(t, months(30))
	f.clock.Set(months(1))
	if _, err := f.people.AddInteraction(ctx, ps["lead_active"].ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindQuestion, Text: "Pris?"}); err != nil {
		t.Fatal(err)
	}
	ps["sub_withdrawn"] = f.person(t, months(3))
	f.consent(t, ps["sub_withdrawn"].ID, "newsletter", "grant", months(3))
	f.consent(t, ps["sub_withdrawn"].ID, "newsletter", "withdraw", now.AddDate(0, 0, -31))
	ps["sub_recent"] = f.person(t, months(3))
	f.consent(t, ps["sub_recent"].ID, "newsletter", "grant", months(3))
	f.consent(t, ps["sub_recent"].ID, "newsletter", "withdraw", now.AddDate(0, 0, -29))
	ps["sub_live"] = f.person(t, months(30))
	f.consent(t, ps["sub_live"].ID, "newsletter", "grant", months(30))
	for _, name := range []string{"customer_active", "customer_ended", "customer_recent"} {
		ps[name] = f.person(t, months(60))
		f.clock.Set(months(60))
		start := months(60)
		in := consent.ContractInput{PersonID: ps[name].ID, StartedAt: &start}
		switch name {
		case "customer_ended":
			end := now.AddDate(-3, 0, -1)
			in.EndedAt = &end
		case "customer_recent":
			end := now.AddDate(-2, 0, 0)
			in.EndedAt = &end
		}
		if _, err := f.ledger.AddContract(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	ps["held"] = f.person(t, months(25))
	f.clock.Set(months(25))
	if _, err := f.people.AddInteraction(ctx, ps["held"].ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindNote, Text: "Faktura sendt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.AddDocument(ctx, ps["held"].ID, person.DocumentInput{Kind: vern.DocumentPrimary, Reference: "F-17", DatedOn: "2024-01-31"}); err != nil {
		t.Fatal(err)
	}
	ps["restricted"] = f.person(t, months(25))
	f.clock.Set(months(25))
	if _, err := f.ledger.Restrict(ctx, "token:tok_test", consent.RestrictionInput{PersonID: ps["restricted"].ID, Action: "place",
		Evidence: consent.Evidence{Source: vern.ChannelEmail}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(now)
	return ps
}

type ruleCount struct {
	Erased, Held int
	Skipped      map[string]int
}

func counts(r *retention.Report) map[string]ruleCount {
	out := map[string]ruleCount{}
	for _, x := range r.Rules {
		if x.Erased+x.Held+len(x.Skipped) > 0 {
			out[x.Key] = ruleCount{x.Erased, x.Held, x.Skipped}
		}
	}
	return out
}

func TestSweep(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		ps := f.scenario(t)
		svc := f.service(nil, 0)
		wantRules := map[string]ruleCount{
			"prospects":               {Erased: 1, Held: 1, Skipped: map[string]int{retention.SkipRestricted: 1}},
			"newsletter_unsubscribed": {Erased: 1},
			"customers":               {Erased: 1},
		}

		dry, err := svc.DryRun(ctx, retention.Options{ListIDs: 10})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRules, counts(dry)); diff != "" {
			t.Errorf("DryRun by rule mismatch (-want +got):\n%s", diff)
		}
		if dry.Scanned != len(ps) || dry.Erased != 3 || dry.Held != 1 || !dry.DryRun {
			t.Errorf("DryRun scanned %d, erased %d, held %d; want %d, 3, 1", dry.Scanned, dry.Erased, dry.Held, len(ps))
		}
		for _, x := range dry.Rules {
			if x.Key == "prospects" && !cmp.Equal(sortedIDs(x.IDs...), sortedIDs(ps["lead_old"].ID, ps["held"].ID)) {
				t.Errorf("DryRun lists %v under prospects, want lead_old and held", x.IDs)
			}
			if x.Key == "web_activity" && x.Target != retention.TargetNothingStored {
				t.Errorf("web_activity target = %q, want nothing stored", x.Target)
			}
		}
		for name, p := range ps {
			if _, err := f.people.FindByID(ctx, p.ID); err != nil {
				t.Fatalf("after the dry run %s is gone: %v", name, err)
			}
		}

		rep, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRules, counts(rep)); diff != "" {
			t.Errorf("Run by rule mismatch (-want +got):\n%s", diff)
		}
		if rep.Erased != 3 || rep.Held != 1 || rep.RunID == "" || !rep.Finished || rep.Suppressed != 1 {
			t.Errorf("Run erased %d, held %d, suppressed %d, run %q, finished %v; want 3, 1, 1, an id, true",
				rep.Erased, rep.Held, rep.Suppressed, rep.RunID, rep.Finished)
		}
		erased := map[string]bool{"lead_old": true, "sub_withdrawn": true, "customer_ended": true}
		for name, p := range ps {
			got, err := f.people.FindByID(ctx, p.ID)
			if erased[name] {
				if vern.ErrorCode(err) != vern.ENOTFOUND {
					t.Errorf("%s not erased: %v", name, err)
				}
				recs, err := s.FindAccessRecords(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != 1 || recs[0].Actor != retention.Actor || recs[0].Action != vern.AccessErase || recs[0].RequestID != rep.RunID {
					t.Errorf("%s: trail %+v, want one erase by %s in run %s", name, recs, retention.Actor, rep.RunID)
				} else if vern.VerifyAccessChain(recs) != -1 {
					t.Errorf("%s: trail does not verify", name)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s was erased: %v", name, err)
				continue
			}
			if name == "held" && (got.HeldUntil != "2029-12-31" || got.Phone != "") {
				t.Errorf("held: HeldUntil %q, phone kept %v; want 2029-12-31 and no phone", got.HeldUntil, got.Phone != "")
			}
		}
		sup, err := s.FindSuppressed(ctx, [][]byte{f.people.EmailIndex(ps["sub_withdrawn"].Email), f.people.EmailIndex(ps["lead_old"].Email)})
		if err != nil {
			t.Fatal(err)
		}
		if !sup[string(f.people.EmailIndex(ps["sub_withdrawn"].Email))] || sup[string(f.people.EmailIndex(ps["lead_old"].Email))] {
			t.Errorf("suppressed %v: want the unsubscribed subscriber only", sup)
		}

		st, err := svc.Stats(ctx, retention.StatsQuery{Metric: vern.StatPeople, By: []string{"purpose"}, MinCell: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range st.Rows {
			got[r.Purpose] = *r.Count
		}
		wantStats := map[string]int64{"sales_contact": 1, "newsletter": 1, "customer_updates": 1, "service_info": 1}
		if diff := cmp.Diff(wantStats, got); diff != "" {
			t.Errorf("Stats by purpose mismatch (-want +got):\n%s", diff)
		}
		st, err = svc.Stats(ctx, retention.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if st.MinCell != retention.DefaultMinCell || st.Suppressed != len(st.Rows) || len(st.Rows) == 0 {
			t.Errorf("with the default threshold %d of %d cells suppressed (min %d); want all", st.Suppressed, len(st.Rows), st.MinCell)
		}

		f.clock.Set(now.Add(time.Hour))
		again, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Erased != 0 || again.Held != 0 || again.Resumed {
			t.Errorf("a second sweep erased %d and held %d (resumed %v), want nothing", again.Erased, again.Held, again.Resumed)
		}
		runs, err := svc.Runs(ctx, 5)
		if err != nil || len(runs) != 2 || runs[1].Erased != 3 {
			t.Errorf("Runs = %d runs (%v), want 2 with the first erasing 3", len(runs), err)
		}
	})
}

func sortedIDs(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

// failingStore fails every transaction after the first ok ones, as a
// process killed mid-sweep would leave the database.
type failingStore struct {
	vern.Store
	ok int
}

var errCrash = errors.New("crash")

func (s *failingStore) InTx(ctx context.Context, fn func(vern.Store) error) error {
	if s.ok == 0 {
		return errCrash
	}
	s.ok--
	return s.Store.InTx(ctx, fn)
}

func TestSweepResumesAfterCrash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		var ids []string
		for range 7 {
			ids = append(ids, f.person(t, months(30)).ID)
		}
		f.clock.Set(now)
		_, err := f.service(&failingStore{Store: s, ok: 2}, 2).Run(ctx, retention.Options{})
		if !errors.Is(err, errCrash) {
			t.Fatalf("first sweep error = %v, want the crash", err)
		}
		left, err := s.CountPeople(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if left != 3 {
			t.Fatalf("after two batches of two %d people left, want 3", left)
		}
		f.clock.Set(now.Add(time.Hour))
		rep, err := f.service(nil, 2).Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Resumed || rep.Erased != 7 || !rep.AsOf.Equal(now) {
			t.Errorf("resumed sweep: resumed %v, erased %d, as of %s; want true, 7, %s", rep.Resumed, rep.Erased, rep.AsOf, now)
		}
		for _, id := range ids {
			recs, err := s.FindAccessRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 {
				t.Errorf("%s has %d erase records, want exactly one", id, len(recs))
			}
			if _, err := s.FindPersonByID(ctx, id); vern.ErrorCode(err) != vern.ENOTFOUND {
				t.Errorf("%s not erased: %v", id, err)
			}
		}
		st, err := f.service(nil, 0).Stats(ctx, retention.StatsQuery{Metric: vern.StatPeople, By: []string{"channel"}, MinCell: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Rows) != 1 || *st.Rows[0].Count != 7 {
			t.Errorf("stats after the resumed sweep: %+v, want 7 people folded exactly once", st.Rows)
		}
	})
}

// A purpose-scoped rule applies to people recorded with its purposes; a
// person kept for another recorded purpose waits for the latest rule, and
// a person with no recorded purposes is decided as before (prospects).
func TestSweepPurposes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		create := func(email string, purposes ...string) *vern.Person {
			t.Helper()
			f.clock.Set(months(7))
			p, _, err := f.people.Create(ctx, vern.PersonInput{Email: email, Source: vern.Source{Channel: vern.ChannelWebForm}, Purposes: purposes})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.people.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindQuestion, Text: "Påmelding"}); err != nil {
				t.Fatal(err)
			}
			return p
		}
		event := create("event@example.test", "event_info")
		both := create("both@example.test", "event_info", "sales_contact")
		none := create("none@example.test")
		f.clock.Set(now)

		rep, err := f.service(nil, 0).Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]ruleCount{"events": {Erased: 1}}, counts(rep)); diff != "" {
			t.Errorf("Run by rule mismatch (-want +got):\n%s", diff)
		}
		if _, err := f.people.FindByID(ctx, event.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Errorf("event_info only, 7 months: want erased, got %v", err)
		}
		for name, p := range map[string]*vern.Person{"event_info and sales_contact": both, "no purposes": none} {
			if _, err := f.people.FindByID(ctx, p.ID); err != nil {
				t.Errorf("%s, 7 months: want kept, got %v", name, err)
			}
		}
		for _, x := range rep.Rules {
			if (x.Key == "events" || x.Key == "inquiries") && (x.Target != retention.TargetPurposes || !x.Enforced || x.DecidedBy != "prospects") {
				t.Errorf("%s: target %q, enforced %v, decided by %q; want %q, true, prospects", x.Key, x.Target, x.Enforced, x.DecidedBy, retention.TargetPurposes)
			}
		}

		// At 25 months the person with no purposes goes by prospects, as
		// does the one also recorded for sales_contact.
		f.clock.Set(now.AddDate(0, 18, 0))
		rep, err = f.service(nil, 0).Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]ruleCount{"prospects": {Erased: 2}}, counts(rep)); diff != "" {
			t.Errorf("later Run by rule mismatch (-want +got):\n%s", diff)
		}
	})
}
