package consent_test

import (
	"bytes"
	"context"
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

// TestConsentUnderAnOlderNoticeMustBeRenewed: once a version changes what
// the newsletter is, a grant given under the earlier notice no longer
// allows it, in single and bulk decisions alike, until it is given again;
// purposes that did not change keep their grants.
func TestConsentUnderAnOlderNoticeMustBeRenewed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
		keys, err := keyring.New(bytes.Repeat([]byte{3}, 32))
		if err != nil {
			t.Fatal(err)
		}
		pol := publish.New(s, clock)
		if _, err := pol.Load(ctx, policy.Seed()); err != nil {
			t.Fatal(err)
		}
		people := person.New(s, keys, clock)
		svc := consent.New(s, people, pol, keys, clock)
		p, _, err := people.Create(ctx, vern.PersonInput{Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelWebForm}})
		if err != nil {
			t.Fatal(err)
		}
		for _, purpose := range []string{"newsletter", "remarketing"} {
			if _, err := svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: p.ID, Purpose: purpose, Action: consent.ActionGrant, Evidence: webForm}); err != nil {
				t.Fatal(err)
			}
		}
		src := bytes.Replace(policy.Seed(), []byte(`version: "2023-06-27"`), []byte(`version: "2026-11-01"`), 1)
		src = bytes.Replace(src, []byte("en: Sending you newsletters and relevant information by email"), []byte("en: Sending you newsletters and partner offers by email"), 1)
		if _, _, err := pol.Publish(ctx, src); err != nil {
			t.Fatal(err)
		}
		d, err := svc.DecidePerson(ctx, p.ID, "newsletter")
		if err != nil || d.Allowed || d.Reason != consent.ReasonRenewConsent || d.EvidenceID == "" {
			t.Fatalf("newsletter after the change: %+v %v", d, err)
		}
		ds, _, err := svc.DecidePeople(ctx, "newsletter", []string{p.ID})
		if err != nil || ds[0].Allowed || ds[0].Reason != consent.ReasonRenewConsent {
			t.Fatalf("bulk newsletter after the change: %+v %v", ds, err)
		}
		if d, _ := svc.DecidePerson(ctx, p.ID, "remarketing"); !d.Allowed {
			t.Fatalf("unchanged remarketing: %+v", d)
		}
		g, err := svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: p.ID, Purpose: "newsletter", Action: consent.ActionGrant, Evidence: webForm})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := svc.DecidePerson(ctx, p.ID, "newsletter"); !d.Allowed || d.EvidenceID != g.ID {
			t.Fatalf("after renewing: %+v", d)
		}
	})
}

func TestDecidePeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		a, b, c := f.person(t, "a@example.test"), f.person(t, "b@example.test"), f.person(t, "c@example.test")
		if _, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: a, Purpose: "remarketing", Action: consent.ActionGrant, Evidence: webForm}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: c, Purpose: "remarketing", Action: consent.ActionGrant, Evidence: webForm}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Object(ctx, "token:t1", consent.ObjectionInput{PersonID: c, Scope: vern.ScopeDirectMarketing, Evidence: webForm}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddContract(ctx, consent.ContractInput{PersonID: b}); err != nil {
			t.Fatal(err)
		}
		ds, facts, err := f.svc.DecidePeople(ctx, "remarketing", []string{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{consent.ReasonConsentGiven, consent.ReasonNoConsent, consent.ReasonObjected}
		for i, d := range ds {
			if d.Reason != want[i] || d.Allowed != (i == 0) || d.PersonID != []string{a, b, c}[i] {
				t.Errorf("decision %d = %+v, want reason %s", i, d, want[i])
			}
		}
		if facts[0].Customer || !facts[1].Customer {
			t.Errorf("facts = %+v", facts)
		}
		if _, _, err := f.svc.DecidePeople(ctx, "no_such_purpose", []string{a}); vern.ErrorCode(err) != vern.EINVALID {
			t.Errorf("unknown purpose: %v, want EINVALID", err)
		}
	})
}
