package retention_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/retention"
)

func (f *fixture) contract(t *testing.T, id string, start time.Time, end *time.Time) {
	t.Helper()
	f.clock.Set(start)
	if _, err := f.ledger.AddContract(context.Background(), consent.ContractInput{PersonID: id, StartedAt: &start, EndedAt: end}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) document(t *testing.T, id, kind, datedOn string) *vern.Document {
	t.Helper()
	d, err := f.people.AddDocument(context.Background(), id, person.DocumentInput{Kind: kind, Reference: "F-" + datedOn, DatedOn: datedOn})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ruleOf(r *retention.Report, key string) *retention.RuleReport {
	for _, x := range r.Rules {
		if x.Key == key {
			return x
		}
	}
	return nil
}

// trail returns the operations of a person's access trail, checking that
// it verifies.
func trail(t *testing.T, s vern.Store, id string) []string {
	t.Helper()
	recs, err := s.FindAccessRecords(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if vern.VerifyAccessChain(recs) != -1 {
		t.Errorf("%s: trail does not verify", id)
	}
	var ops []string
	for _, r := range recs {
		ops = append(ops, r.Operation)
	}
	return ops
}

func TestSweepDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		customer := f.person(t, months(80)) // contract in force: kept, old invoice goes
		f.contract(t, customer.ID, months(80), nil)
		oldInvoice := f.document(t, customer.ID, vern.DocumentPrimary, "2019-05-01") // held to 2024-12-31
		newInvoice := f.document(t, customer.ID, vern.DocumentPrimary, "2024-05-01") // held to 2029-12-31
		held := f.person(t, months(80))                                              // erased earlier under a hold that has ended
		heldDoc := f.document(t, held.ID, vern.DocumentPrimary, "2020-02-01")        // held to 2025-12-31
		if err := s.SetPersonHold(ctx, held.ID, "2025-12-31"); err != nil {
			t.Fatal(err)
		}
		recent := f.person(t, months(80)) // agreement past its hold, contract ended a year ago: kept
		f.contract(t, recent.ID, months(80), new(months(12)))
		keptAgreement := f.document(t, recent.ID, vern.DocumentSecondary, "2020-01-10") // held to 2023-06-30
		lead := f.person(t, months(1))
		goneAgreement := f.document(t, lead.ID, vern.DocumentSecondary, "2020-01-10")
		f.clock.Set(now)
		svc := f.service(nil, 0)

		dry, err := svc.DryRun(ctx, retention.Options{ListIDs: 10})
		if err != nil {
			t.Fatal(err)
		}
		type recs struct{ Records, People int }
		got := map[string]recs{}
		for _, k := range []string{"accounting_primary", "accounting_secondary"} {
			x := ruleOf(dry, k)
			got[k] = recs{x.Records, x.People}
		}
		want := map[string]recs{"accounting_primary": {2, 2}, "accounting_secondary": {1, 1}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DryRun documents mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sortedIDs(oldInvoice.ID, heldDoc.ID), sortedIDs(ruleOf(dry, "accounting_primary").IDs...)); diff != "" {
			t.Errorf("DryRun lists under accounting_primary (-want +got):\n%s", diff)
		}
		if x := ruleOf(dry, retention.RuleHoldEnded); dry.Documents != 3 || x.Erased != 1 {
			t.Errorf("DryRun: %d documents, %d erased after the hold; want 3, 1", dry.Documents, x.Erased)
		}
		if ds, _ := s.FindDocuments(ctx, customer.ID); len(ds) != 2 {
			t.Fatalf("the dry run deleted documents: %d left", len(ds))
		}

		rep, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]recs{}
		for _, k := range []string{"accounting_primary", "accounting_secondary"} {
			x := ruleOf(rep, k)
			got[k] = recs{x.Records, x.People}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Run documents mismatch (-want +got):\n%s", diff)
		}
		if rep.Documents != 3 || rep.Erased != 1 || ruleOf(rep, retention.RuleHoldEnded).Erased != 1 {
			t.Errorf("Run: %d documents, %d erased; want 3 and the held person", rep.Documents, rep.Erased)
		}
		left := map[string][]string{}
		for _, p := range []*vern.Person{customer, held, recent, lead} {
			ds, err := s.FindDocuments(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				left[p.ID] = append(left[p.ID], d.ID)
			}
		}
		wantLeft := map[string][]string{customer.ID: {newInvoice.ID}, recent.ID: {keptAgreement.ID}}
		if diff := cmp.Diff(wantLeft, left); diff != "" {
			t.Errorf("documents left mismatch (-want +got):\n%s", diff)
		}
		if _, err := s.FindPersonByID(ctx, held.ID); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Errorf("the person whose hold ended is not erased: %v", err)
		}
		for _, p := range []*vern.Person{customer, recent, lead} {
			if _, err := s.FindPersonByID(ctx, p.ID); err != nil {
				t.Errorf("%s erased: %v", p.ID, err)
			}
		}
		wantOps := map[string][]string{customer.ID: {"retention accounting_primary"}, held.ID: {"retention accounting_primary", retention.Operation},
			lead.ID: {"retention accounting_secondary"}}
		for id, ops := range wantOps {
			if diff := cmp.Diff(ops, trail(t, s, id)); diff != "" {
				t.Errorf("trail of %s mismatch (-want +got):\n%s", id, diff)
			}
		}
		_ = goneAgreement
		f.clock.Set(now.Add(time.Hour))
		again, err := svc.Run(ctx, retention.Options{})
		if err != nil || again.Documents != 0 {
			t.Errorf("a second sweep deleted %d documents (%v), want 0", again.Documents, err)
		}
	})
}

func TestSweepConsentRecords(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		ps := map[string]*vern.Person{}
		for _, name := range []string{"old", "recent", "again"} {
			p := f.person(t, months(70))
			f.contract(t, p.ID, months(70), nil) // a customer: kept
			ps[name] = p
		}
		f.consent(t, ps["old"].ID, "newsletter", "grant", months(60))
		f.consent(t, ps["old"].ID, "statistics", "grant", months(59))
		f.consent(t, ps["old"].ID, "newsletter", "withdraw", months(48))
		f.consent(t, ps["recent"].ID, "newsletter", "grant", months(60))
		f.consent(t, ps["recent"].ID, "newsletter", "withdraw", months(24))
		f.consent(t, ps["again"].ID, "newsletter", "grant", months(60))
		f.consent(t, ps["again"].ID, "newsletter", "withdraw", months(48))
		f.consent(t, ps["again"].ID, "newsletter", "grant", months(12))
		f.clock.Set(now)
		svc := f.service(nil, 0)

		dry, err := svc.DryRun(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := ruleOf(dry, "consent_records"); x.Records != 2 || x.People != 1 || x.Target != retention.TargetLedger || dry.Erased != 0 {
			t.Errorf("DryRun consent_records: %d events of %d people (%s), %d erased; want 2 of 1 (ledger), 0", x.Records, x.People, x.Target, dry.Erased)
		}
		rep, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := ruleOf(rep, "consent_records"); x.Records != 2 || x.People != 1 || rep.Events != 2 {
			t.Errorf("Run consent_records: %d events of %d people, %d in all; want 2, 1, 2", x.Records, x.People, rep.Events)
		}
		for name, p := range ps {
			evs, err := s.FindConsentEvents(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if i := vern.VerifyChain(evs); i != -1 {
				t.Errorf("%s: chain breaks at %d after the sweep", name, i)
			}
			var redacted []string
			for _, e := range evs {
				if e.Redacted {
					redacted = append(redacted, e.Kind+" "+e.Purpose)
					if e.Channel != "" || e.Actor != "" || e.ID == "" || e.At.IsZero() {
						t.Errorf("%s: redacted event %+v keeps evidence or lost its id or time", name, e)
					}
				}
			}
			var want []string
			if name == "old" {
				want = []string{vern.EventConsentGranted + " newsletter", vern.EventConsentWithdrawn + " newsletter"}
			}
			if diff := cmp.Diff(want, redacted); diff != "" {
				t.Errorf("%s: redacted events mismatch (-want +got):\n%s", name, diff)
			}
		}
		if diff := cmp.Diff([]string{"retention consent_records"}, trail(t, s, ps["old"].ID)); diff != "" {
			t.Errorf("trail mismatch (-want +got):\n%s", diff)
		}
		f.clock.Set(now.Add(time.Hour))
		again, err := svc.Run(ctx, retention.Options{})
		if err != nil || again.Events != 0 || ruleOf(again, "consent_records").People != 0 {
			t.Errorf("a second sweep redacted %d events (%v), want 0", again.Events, err)
		}
	})
}

func TestSweepFeedback(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		p := f.person(t, months(30))
		f.contract(t, p.ID, months(30), nil) // a customer: kept
		lead := f.person(t, months(30))      // due under prospects: erased with its answers
		add := func(id, kind string, at time.Time) {
			t.Helper()
			f.clock.Set(at)
			if _, err := f.people.AddInteraction(ctx, id, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: kind, Text: "Svar"}); err != nil {
				t.Fatal(err)
			}
		}
		add(p.ID, vern.KindFeedback, time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC))
		add(p.ID, vern.KindFeedback, time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC))
		add(p.ID, vern.KindFeedback, months(11))
		add(p.ID, vern.KindQuestion, months(13))
		add(lead.ID, vern.KindFeedback, months(26))
		f.clock.Set(now)
		svc := f.service(nil, 0)

		dry, err := svc.DryRun(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := ruleOf(dry, "surveys"); x.Records != 2 || x.People != 1 || x.Target != retention.TargetFeedback {
			t.Errorf("DryRun surveys: %d answers of %d people (%s); want 2 of 1 (feedback)", x.Records, x.People, x.Target)
		}
		if ins, _ := s.FindInteractions(ctx, p.ID); len(ins) != 4 {
			t.Fatalf("the dry run deleted interactions: %d left", len(ins))
		}
		rep, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := ruleOf(rep, "surveys"); x.Records != 2 || x.People != 1 || rep.Erased != 1 {
			t.Errorf("Run surveys: %d answers of %d people, %d erased; want 2, 1, 1", x.Records, x.People, rep.Erased)
		}
		ins, err := s.FindInteractions(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, in := range ins {
			kinds = append(kinds, in.Kind)
		}
		if diff := cmp.Diff([]string{vern.KindQuestion, vern.KindFeedback}, kinds); diff != "" {
			t.Errorf("interactions left mismatch (-want +got):\n%s", diff)
		}
		st, err := svc.Stats(ctx, retention.StatsQuery{Metric: vern.StatInteractions, MinCell: 1})
		if err != nil {
			t.Fatal(err)
		}
		var rows []vern.StatCell
		for _, r := range st.Rows {
			if r.Purpose == "surveys" {
				rows = append(rows, vern.StatCell{Metric: r.Metric, Month: r.Month, Purpose: r.Purpose, Channel: r.Channel, OrgBand: r.OrgBand, Count: *r.Count})
			}
		}
		want := []vern.StatCell{{Metric: vern.StatInteractions, Month: "2025-01", Purpose: "surveys", Channel: vern.ChannelWebForm, OrgBand: vern.OrgBandOne, Count: 2}}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("survey statistics mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"retention surveys"}, trail(t, s, p.ID)); diff != "" {
			t.Errorf("trail mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestSweepOneAtATime runs two sweeps at once, as two nodes would: each
// due person is erased once, and the reports add up to the truth.
func TestSweepOneAtATime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		const due = 24
		var ids []string
		for range due {
			ids = append(ids, f.person(t, months(30)).ID)
		}
		f.clock.Set(now)
		var wg sync.WaitGroup
		reps := make([]*retention.Report, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { reps[i], errs[i] = f.service(nil, 2).Run(ctx, retention.Options{}) })
		}
		wg.Wait()
		erased := 0
		for i, err := range errs {
			switch {
			case err == nil:
				erased += reps[i].Erased
			case vern.ErrorCode(err) != vern.ECONFLICT:
				t.Fatalf("sweep %d: %v, want success or ECONFLICT", i, err)
			}
		}
		if errs[0] != nil && errs[1] != nil {
			t.Fatalf("both sweeps refused: %v; %v", errs[0], errs[1])
		}
		if erased != due {
			t.Errorf("the reports erase %d people in all, want %d", erased, due)
		}
		for _, id := range ids {
			if ops := trail(t, s, id); len(ops) != 1 {
				t.Errorf("%s has %d erase records, want 1", id, len(ops))
			}
		}
		if n, err := s.CountPeople(ctx); err != nil || n != 0 {
			t.Errorf("%d people left (%v), want 0", n, err)
		}

		// A run held by a live sweep elsewhere is refused; once its lease
		// has lapsed (the process died), it is taken over and finished.
		p := f.person(t, months(30))
		f.clock.Set(now.Add(time.Hour))
		other := &vern.RetentionRun{ID: "ret_other", AsOf: now.Add(time.Hour), StartedAt: now.Add(time.Hour),
			LeaseOwner: "swp_other", LeaseUntil: now.Add(time.Hour + time.Minute)}
		if err := s.CreateRetentionRun(ctx, other); err != nil {
			t.Fatal(err)
		}
		_, err := f.service(nil, 0).Run(ctx, retention.Options{})
		if vern.ErrorCode(err) != vern.ECONFLICT {
			t.Fatalf("Run beside a live sweep = %v, want ECONFLICT", err)
		}
		f.clock.Set(now.Add(2 * time.Hour))
		rep, err := f.service(nil, 0).Run(ctx, retention.Options{})
		if err != nil || !rep.Resumed || rep.RunID != other.ID || rep.Erased != 1 {
			t.Fatalf("Run after the lease lapsed = %+v, %v; want run %s resumed, 1 erased", rep, err, other.ID)
		}
		// The sweep that lost its lease cannot commit another batch.
		other.Cursor = p.ID
		if err := s.UpdateRetentionRun(ctx, other); vern.ErrorCode(err) != vern.ECONFLICT {
			t.Errorf("UpdateRetentionRun by the old owner = %v, want ECONFLICT", err)
		}
	})
}
