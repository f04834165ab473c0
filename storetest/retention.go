package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testRetention(t *testing.T, open Opener) {
	t.Run("Facts", func(t *testing.T) {
		s := open(t)
		org := &vern.Organization{ID: "org_1", MatchKey: "eksempel", Name: "Eksempel AS", CreatedAt: epoch}
		mustNoErr(t, s.EnsureOrganization(ctx(t), org))
		var people []*vern.SealedPerson
		for i := 1; i <= 4; i++ {
			p := NewSealedPerson(i)
			p.CreatedAt = epoch.Add(time.Duration(i) * time.Hour)
			if i <= 2 {
				p.OrganizationID = org.ID
			}
			mustNoErr(t, s.CreatePerson(ctx(t), p))
			people = append(people, p)
		}
		p1, p2, p3 := people[0].ID, people[1].ID, people[2].ID
		for i, at := range []time.Duration{time.Hour, 5 * time.Hour, 3 * time.Hour} {
			mustNoErr(t, s.CreateInteraction(ctx(t), &vern.SealedInteraction{ID: "int_" + string(rune('a'+i)), PersonID: p1,
				Channel: vern.ChannelEmail, Kind: vern.KindQuestion, SealedText: []byte("x"), CreatedAt: epoch.Add(at)}))
		}
		end := epoch.Add(48 * time.Hour)
		mustNoErr(t, s.CreateContract(ctx(t), &vern.Contract{ID: "con_1", PersonID: p1, StartedAt: epoch, CreatedAt: epoch}))
		mustNoErr(t, s.CreateContract(ctx(t), &vern.Contract{ID: "con_2", PersonID: p2, StartedAt: epoch, CreatedAt: epoch}))
		_, err := s.EndContract(ctx(t), "con_2", end)
		mustNoErr(t, err)
		mustNoErr(t, s.CreateDocument(ctx(t), &vern.Document{ID: "doc_1", PersonID: p2, Kind: vern.DocumentPrimary, Reference: "1",
			DatedOn: "2026-01-05", HoldUntil: "2031-12-31", CreatedAt: epoch}))
		mustNoErr(t, s.CreateDocument(ctx(t), &vern.Document{ID: "doc_2", PersonID: p2, Kind: vern.DocumentSecondary, Reference: "2",
			DatedOn: "2026-01-06", HoldUntil: "2030-06-30", CreatedAt: epoch}))
		open1, closed := NewSealedRequest(1, "2026-04-14"), NewSealedRequest(2, "2026-04-14")
		open1.PersonID, closed.PersonID, closed.ClosedAt = p3, p3, timeAt(time.Hour)
		mustNoErr(t, s.CreateRequest(ctx(t), open1))
		mustNoErr(t, s.CreateRequest(ctx(t), closed))
		// p3's ledger: newsletter granted then withdrawn, an objection, a
		// restriction placed; statistics granted.
		var prev *vern.ConsentEvent
		for i, ev := range []struct{ kind, purpose string }{
			{vern.EventConsentGranted, "newsletter"}, {vern.EventConsentGranted, "statistics"},
			{vern.EventConsentWithdrawn, "newsletter"}, {vern.EventObjection, vern.ScopeDirectMarketing},
			{vern.EventRestrictionPlaced, ""},
		} {
			e := NewConsentEvent(i+1, p3, prev)
			e.ID, e.Kind, e.Purpose = "cev_ret_"+string(rune('a'+i)), ev.kind, ev.purpose
			e.Seal(prev)
			mustNoErr(t, s.AppendConsentEvent(ctx(t), e))
			prev = e
		}
		erased := NewSealedPerson(9)
		mustNoErr(t, s.CreatePerson(ctx(t), erased))
		mustNoErr(t, s.ErasePerson(ctx(t), erased.ID, epoch))

		want := []*vern.RetentionFacts{
			{PersonID: p1, CreatedAt: people[0].CreatedAt, SourceChannel: vern.ChannelAPI, OrganizationID: org.ID, EmailIndex: people[0].EmailIndex,
				Interactions: 3, LastInteraction: epoch.Add(5 * time.Hour), Contracts: 1, ContractInForce: true},
			{PersonID: p2, CreatedAt: people[1].CreatedAt, SourceChannel: vern.ChannelAPI, OrganizationID: org.ID, EmailIndex: people[1].EmailIndex,
				Contracts: 1, LastContractEnd: end, DocumentsHeldUntil: "2031-12-31"},
			{PersonID: p3, CreatedAt: people[2].CreatedAt, SourceChannel: vern.ChannelAPI, EmailIndex: people[2].EmailIndex,
				Consents: map[string]vern.ConsentFact{
					"newsletter": {Kind: vern.EventConsentWithdrawn, At: epoch.Add(3 * time.Second)},
					"statistics": {Kind: vern.EventConsentGranted, At: epoch.Add(2 * time.Second)},
				}, Objected: true, Restricted: true, OpenRequests: 1},
			{PersonID: people[3].ID, CreatedAt: people[3].CreatedAt, SourceChannel: vern.ChannelAPI, EmailIndex: people[3].EmailIndex},
		}
		page1, err := s.FindRetentionFacts(ctx(t), "", 2)
		mustNoErr(t, err)
		page2, err := s.FindRetentionFacts(ctx(t), page1[len(page1)-1].PersonID, 2)
		mustNoErr(t, err)
		page3, err := s.FindRetentionFacts(ctx(t), page2[len(page2)-1].PersonID, 2)
		mustNoErr(t, err)
		if len(page3) != 0 {
			t.Fatalf("third page has %d people (the erased one must not show), want none", len(page3))
		}
		if diff := cmp.Diff(want, append(page1, page2...)); diff != "" {
			t.Fatalf("FindRetentionFacts mismatch (-want +got):\n%s", diff)
		}

		err = s.InTx(ctx(t), func(tx vern.Store) error {
			got, err := tx.FindRetentionFactsOf(ctx(t), []string{p2, erased.ID, p1, "per_missing"})
			if err != nil {
				return err
			}
			want := []*vern.RetentionFacts{want[0], want[1]}
			want[0].OrganizationPeople, want[1].OrganizationPeople = 2, 2
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("FindRetentionFactsOf mismatch (-want +got):\n%s", diff)
			}
			return nil
		})
		mustNoErr(t, err)
	})

	t.Run("ErasePeople", func(t *testing.T) {
		s := open(t)
		var ids []string
		for i := 1; i <= 3; i++ {
			p := NewSealedPerson(i)
			mustNoErr(t, s.CreatePerson(ctx(t), p))
			ids = append(ids, p.ID)
			mustNoErr(t, s.CreateInteraction(ctx(t), &vern.SealedInteraction{ID: "int_" + string(rune('0'+i)), PersonID: p.ID,
				Channel: vern.ChannelEmail, Kind: vern.KindNote, SealedText: []byte("x"), CreatedAt: epoch}))
			for _, e := range newChain(i, p.ID, 2) {
				mustNoErr(t, s.AppendConsentEvent(ctx(t), e))
			}
			mustNoErr(t, s.LinkVisitor(ctx(t), &vern.VisitorLink{VisitorID: fmt.Sprintf("visitor-%012d", i), PersonID: p.ID, Source: "web_form", At: epoch}))
		}
		var people, interactions, events int
		err := s.InTx(ctx(t), func(tx vern.Store) error {
			var err error
			people, interactions, events, err = tx.ErasePeople(ctx(t), []string{ids[0], ids[2], "per_missing"}, epoch.Add(time.Hour))
			return err
		})
		mustNoErr(t, err)
		if people != 2 || interactions != 2 || events != 4 {
			t.Fatalf("ErasePeople = %d people, %d interactions, %d events; want 2, 2, 4", people, interactions, events)
		}
		for i, id := range ids {
			_, err := s.FindPersonByID(ctx(t), id)
			evs, ferr := s.FindConsentEvents(ctx(t), id)
			mustNoErr(t, ferr)
			if i == 1 {
				mustNoErr(t, err)
				if evs[0].Redacted {
					t.Fatalf("the person not erased had their ledger redacted")
				}
				continue
			}
			wantCode(t, err, vern.ENOTFOUND)
			if links, _ := s.FindVisitorLinks(ctx(t), id); len(links) != 0 {
				t.Fatalf("an erased person keeps %d visitor links", len(links))
			}
			for _, e := range evs {
				if !e.Redacted || e.Actor != "" || e.Channel != "" {
					t.Fatalf("event %s of an erased person not redacted: %+v", e.ID, e)
				}
			}
			if got := vern.VerifyChain(evs); got != -1 {
				t.Fatalf("erased person's chain breaks at %d", got)
			}
		}
		again, _, _, err := s.ErasePeople(ctx(t), ids, epoch.Add(2*time.Hour))
		mustNoErr(t, err)
		if again != 1 {
			t.Fatalf("erasing again erased %d people, want only the one left", again)
		}
		if n, err := s.CountPeople(ctx(t)); err != nil || n != 0 {
			t.Fatalf("CountPeople = %d, %v; want 0", n, err)
		}
	})

	t.Run("AddSuppressions", func(t *testing.T) {
		s := open(t)
		mustNoErr(t, s.AddSuppressions(ctx(t), nil))
		mustNoErr(t, s.AddSuppressions(ctx(t), []*vern.Suppression{
			{Hash: []byte("h1"), Reason: vern.SuppressUnsubscribe, At: epoch},
			{Hash: []byte("h2"), Reason: vern.SuppressObjection, At: epoch},
		}))
		mustNoErr(t, s.AddSuppressions(ctx(t), []*vern.Suppression{{Hash: []byte("h1"), Reason: vern.SuppressErasure, At: epoch}}))
		wantSuppressions(t, s, 2)
		mustNoErr(t, s.NotifyChanges(ctx(t), vern.TopicLedger, []string{"per_1", "per_2"}))
	})

	t.Run("Runs", func(t *testing.T) {
		s := open(t)
		_, err := s.FindUnfinishedRetentionRun(ctx(t))
		wantCode(t, err, vern.ENOTFOUND)
		r1 := &vern.RetentionRun{ID: "ret_1", AsOf: epoch, StartedAt: epoch}
		mustNoErr(t, s.CreateRetentionRun(ctx(t), r1))
		wantCode(t, s.CreateRetentionRun(ctx(t), &vern.RetentionRun{ID: "ret_2", AsOf: epoch, StartedAt: epoch}), vern.ECONFLICT)
		r1.Cursor, r1.Report = "per_5", []byte(`{"erased":3}`)
		mustNoErr(t, s.UpdateRetentionRun(ctx(t), r1))
		got, err := s.FindUnfinishedRetentionRun(ctx(t))
		mustNoErr(t, err)
		if diff := cmp.Diff(r1, got); diff != "" {
			t.Fatalf("FindUnfinishedRetentionRun mismatch (-want +got):\n%s", diff)
		}
		fin := epoch.Add(time.Minute)
		r1.FinishedAt = &fin
		mustNoErr(t, s.UpdateRetentionRun(ctx(t), r1))
		_, err = s.FindUnfinishedRetentionRun(ctx(t))
		wantCode(t, err, vern.ENOTFOUND)
		r2 := &vern.RetentionRun{ID: "ret_2", AsOf: epoch.Add(time.Hour), StartedAt: epoch.Add(time.Hour)}
		mustNoErr(t, s.CreateRetentionRun(ctx(t), r2))
		runs, err := s.FindRetentionRuns(ctx(t), 10)
		mustNoErr(t, err)
		if diff := cmp.Diff([]*vern.RetentionRun{r2, r1}, runs); diff != "" {
			t.Fatalf("FindRetentionRuns mismatch (-want +got):\n%s", diff)
		}
		wantCode(t, s.UpdateRetentionRun(ctx(t), &vern.RetentionRun{ID: "ret_missing"}), vern.ENOTFOUND)
	})

	t.Run("RecordsDue", func(t *testing.T) {
		s := open(t)
		p1, p2, p3 := NewSealedPerson(1), NewSealedPerson(2), NewSealedPerson(3)
		for _, p := range []*vern.SealedPerson{p1, p2, p3} {
			mustNoErr(t, s.CreatePerson(ctx(t), p))
		}
		// p2's contract ended an hour after epoch; p3's is in force.
		mustNoErr(t, s.CreateContract(ctx(t), &vern.Contract{ID: "con_2", PersonID: p2.ID, StartedAt: epoch, CreatedAt: epoch}))
		_, err := s.EndContract(ctx(t), "con_2", epoch.Add(time.Hour))
		mustNoErr(t, err)
		mustNoErr(t, s.CreateContract(ctx(t), &vern.Contract{ID: "con_3", PersonID: p3.ID, StartedAt: epoch, CreatedAt: epoch}))
		docs := []*vern.Document{
			{ID: "doc_1", PersonID: p1.ID, Kind: vern.DocumentPrimary, DatedOn: "2019-01-01", HoldUntil: "2024-12-31"},
			{ID: "doc_2", PersonID: p1.ID, Kind: vern.DocumentPrimary, DatedOn: "2025-01-01", HoldUntil: "2030-12-31"},
			{ID: "doc_3", PersonID: p1.ID, Kind: vern.DocumentSecondary, DatedOn: "2019-01-01", HoldUntil: "2023-06-30"},
			{ID: "doc_4", PersonID: p2.ID, Kind: vern.DocumentSecondary, DatedOn: "2019-01-01", HoldUntil: "2023-06-30"},
			{ID: "doc_5", PersonID: p3.ID, Kind: vern.DocumentSecondary, DatedOn: "2019-01-01", HoldUntil: "2023-06-30"},
			{ID: "doc_6", PersonID: p2.ID, Kind: vern.DocumentPrimary, DatedOn: "2019-06-01", HoldUntil: "2024-12-31"},
		}
		for _, d := range docs {
			d.CreatedAt = epoch
			mustNoErr(t, s.CreateDocument(ctx(t), d))
		}
		ids := func(ds []*vern.Document, err error) []string {
			t.Helper()
			mustNoErr(t, err)
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		tests := []struct {
			name string
			due  vern.DocumentDue
			want []string
		}{
			{"primary", vern.DocumentDue{Kind: vern.DocumentPrimary, HeldBefore: "2026-03-14", Limit: 10}, []string{"doc_1", "doc_6"}},
			{"page", vern.DocumentDue{Kind: vern.DocumentPrimary, HeldBefore: "2026-03-14", After: "doc_1", Limit: 1}, []string{"doc_6"}},
			{"hold day itself", vern.DocumentDue{Kind: vern.DocumentPrimary, HeldBefore: "2024-12-31", Limit: 10}, nil},
			{"secondary", vern.DocumentDue{Kind: vern.DocumentSecondary, HeldBefore: "2026-03-14", Limit: 10}, []string{"doc_3", "doc_4", "doc_5"}},
			{"contracts ended before", vern.DocumentDue{Kind: vern.DocumentSecondary, HeldBefore: "2026-03-14", ContractsEndedBefore: epoch.Add(2 * time.Hour), Limit: 10},
				[]string{"doc_3", "doc_4"}},
			{"contract ended since", vern.DocumentDue{Kind: vern.DocumentSecondary, HeldBefore: "2026-03-14", ContractsEndedBefore: epoch.Add(time.Hour), Limit: 10},
				[]string{"doc_3"}},
		}
		for _, tt := range tests {
			if diff := cmp.Diff(tt.want, ids(s.FindDocumentsDue(ctx(t), tt.due))); diff != "" {
				t.Errorf("FindDocumentsDue(%s) mismatch (-want +got):\n%s", tt.name, diff)
			}
		}
		var n int
		err = s.InTx(ctx(t), func(tx vern.Store) error {
			var err error
			n, err = tx.DeleteDocuments(ctx(t), []string{"doc_1", "doc_6", "doc_missing"})
			return err
		})
		mustNoErr(t, err)
		if n != 2 {
			t.Fatalf("DeleteDocuments = %d, want 2", n)
		}
		if diff := cmp.Diff([]string{"doc_3", "doc_2"}, ids(s.FindDocuments(ctx(t), p1.ID))); diff != "" {
			t.Fatalf("documents left mismatch (-want +got):\n%s", diff)
		}

		// Interactions by kind and time.
		for i, in := range []struct {
			kind string
			at   time.Duration
		}{{vern.KindFeedback, 0}, {vern.KindFeedback, 2 * time.Hour}, {vern.KindQuestion, 0}, {vern.KindFeedback, time.Hour}} {
			mustNoErr(t, s.CreateInteraction(ctx(t), &vern.SealedInteraction{ID: fmt.Sprintf("int_%d", i+1), PersonID: p1.ID,
				Channel: vern.ChannelEmail, Kind: in.kind, SealedText: []byte("x"), CreatedAt: epoch.Add(in.at)}))
		}
		got, err := s.FindInteractionsDue(ctx(t), vern.InteractionDue{Kind: vern.KindFeedback, Before: epoch.Add(2 * time.Hour), Limit: 10})
		mustNoErr(t, err)
		want := []*vern.SealedInteraction{
			{ID: "int_1", PersonID: p1.ID, Channel: vern.ChannelEmail, Kind: vern.KindFeedback, CreatedAt: epoch},
			{ID: "int_4", PersonID: p1.ID, Channel: vern.ChannelEmail, Kind: vern.KindFeedback, CreatedAt: epoch.Add(time.Hour)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindInteractionsDue mismatch (-want +got):\n%s", diff)
		}
		got, err = s.FindInteractionsDue(ctx(t), vern.InteractionDue{Kind: vern.KindFeedback, Before: epoch.Add(2 * time.Hour), After: "int_1", Limit: 10})
		mustNoErr(t, err)
		if len(got) != 1 || got[0].ID != "int_4" {
			t.Fatalf("FindInteractionsDue after int_1 = %v, want int_4", got)
		}
		n, err = s.DeleteInteractionsByID(ctx(t), []string{"int_1", "int_4", "int_missing"})
		mustNoErr(t, err)
		left, err := s.FindInteractions(ctx(t), p1.ID)
		mustNoErr(t, err)
		if n != 2 || len(left) != 2 {
			t.Fatalf("DeleteInteractionsByID = %d, %d left; want 2, 2", n, len(left))
		}

		// Ledger events by id: redacted, the chain still verifies, and the
		// facts say the newest event of the purpose is redacted.
		chain := newChain(2, p2.ID, 3)
		for _, e := range chain {
			mustNoErr(t, s.AppendConsentEvent(ctx(t), e))
		}
		n, err = s.RedactConsentEventsByID(ctx(t), []string{chain[0].ID, chain[2].ID, "cev_missing"})
		mustNoErr(t, err)
		again, err := s.RedactConsentEventsByID(ctx(t), []string{chain[0].ID})
		mustNoErr(t, err)
		if n != 2 || again != 0 {
			t.Fatalf("RedactConsentEventsByID = %d, then %d; want 2, 0", n, again)
		}
		evs, err := s.FindConsentEvents(ctx(t), p2.ID)
		mustNoErr(t, err)
		if !evs[0].Redacted || evs[1].Redacted || !evs[2].Redacted || evs[0].Actor != "" || evs[1].Actor == "" {
			t.Fatalf("redacted %v %v %v, want the first and the last only", evs[0].Redacted, evs[1].Redacted, evs[2].Redacted)
		}
		if i := vern.VerifyChain(evs); i != -1 {
			t.Fatalf("chain breaks at %d after redaction", i)
		}
		facts, err := s.FindRetentionFactsOf(ctx(t), []string{p2.ID})
		mustNoErr(t, err)
		for k, c := range facts[0].Consents {
			if c.Redacted != (evs[2].Purpose == k) {
				t.Errorf("facts of purpose %s: redacted %v", k, c.Redacted)
			}
		}
	})

	t.Run("Lease", func(t *testing.T) {
		s := open(t)
		a := &vern.RetentionRun{ID: "ret_1", AsOf: epoch, StartedAt: epoch, LeaseOwner: "swp_a", LeaseUntil: epoch.Add(time.Minute)}
		mustNoErr(t, s.CreateRetentionRun(ctx(t), a))
		got, err := s.FindUnfinishedRetentionRun(ctx(t))
		mustNoErr(t, err)
		if diff := cmp.Diff(a, got); diff != "" {
			t.Fatalf("FindUnfinishedRetentionRun mismatch (-want +got):\n%s", diff)
		}
		b := &vern.RetentionRun{ID: "ret_1", LeaseOwner: "swp_b", LeaseUntil: epoch.Add(2 * time.Minute)}
		wantCode(t, s.TakeRetentionRun(ctx(t), b, epoch.Add(30*time.Second)), vern.ECONFLICT)
		wantCode(t, s.UpdateRetentionRun(ctx(t), b), vern.ECONFLICT)
		a.Cursor, a.LeaseUntil = "per_1", epoch.Add(90*time.Second) // a batch renews the lease
		mustNoErr(t, s.UpdateRetentionRun(ctx(t), a))
		wantCode(t, s.TakeRetentionRun(ctx(t), b, epoch.Add(time.Minute)), vern.ECONFLICT)
		mustNoErr(t, s.TakeRetentionRun(ctx(t), b, epoch.Add(2*time.Minute))) // lapsed: taken over
		wantCode(t, s.UpdateRetentionRun(ctx(t), a), vern.ECONFLICT)
		// Released (zero LeaseUntil): anyone may take it at once.
		mustNoErr(t, s.TakeRetentionRun(ctx(t), &vern.RetentionRun{ID: "ret_1", LeaseOwner: "swp_b"}, epoch))
		mustNoErr(t, s.TakeRetentionRun(ctx(t), a, epoch))
		fin := epoch.Add(time.Hour)
		a.FinishedAt, a.LeaseUntil = &fin, time.Time{}
		mustNoErr(t, s.UpdateRetentionRun(ctx(t), a))
		wantCode(t, s.TakeRetentionRun(ctx(t), b, epoch.Add(time.Hour)), vern.ENOTFOUND)
		wantCode(t, s.TakeRetentionRun(ctx(t), &vern.RetentionRun{ID: "ret_missing", LeaseOwner: "x"}, epoch), vern.ENOTFOUND)
	})
}
