package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/policy"
)

func TestRegisterWarnings(t *testing.T) {
	src := string(policy.Seed())
	// Google with an agreement that expires in 30 days, LinkedIn with one
	// that expired, both in the US under an adequacy decision.
	src = strings.Replace(src, "    purposes: [remarketing]\n    dpa: {status: missing}\n",
		"    purposes: [remarketing]\n    country: US\n    transfer_basis: adequacy\n    dpa: {status: signed, signed_at: 2024-01-10, expires_at: 2026-03-31}\n", 1)
	src = strings.Replace(src, "    purposes: [remarketing]\n    dpa: {status: missing}\n",
		"    purposes: [remarketing]\n    country: US\n    transfer_basis: adequacy\n    dpa: {status: signed, signed_at: 2023-01-10, expires_at: 2026-02-28}\n", 1)
	p, err := policy.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	got := map[string][]string{}
	outside := map[string]bool{}
	for _, e := range p.Register(now) {
		got[e.Key] = e.Warnings
		outside[e.Key] = e.OutsideEEA
	}
	unknownCountry := "Country not stated, so transfers outside the EEA cannot be checked."
	want := map[string][]string{
		"service_providers": {"No signed data processing agreement (GDPR Art. 28(3)).", unknownCountry},
		"google":            {"The data processing agreement expires on 2026-03-31 (in 30 days)."},
		"linkedin":          {"The data processing agreement expired on 2026-02-28."},
		"product_partners":  {unknownCountry},
		"authorities":       {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Register warnings mismatch (-want +got):\n%s", diff)
	}
	if !outside["google"] || outside["service_providers"] {
		t.Errorf("OutsideEEA = %v, want google only", outside)
	}

	rec := p.Record("en", now)
	var remarketing *policy.Activity
	for _, a := range rec.Activities {
		if a.Purpose == "remarketing" {
			remarketing = a
		}
	}
	if remarketing == nil {
		t.Fatal("no remarketing activity in the record")
	}
	if len(remarketing.Transfers) != 2 || !strings.HasPrefix(remarketing.Transfers[0], "Google: the United States, ") {
		t.Errorf("remarketing transfers = %q, want Google and LinkedIn to the United States", remarketing.Transfers)
	}
	if len(rec.Activities) != len(p.Purposes()) || rec.Controller.Name != "Mementor AS" || len(rec.Security) == 0 {
		t.Errorf("record: %d activities for %d purposes, controller %q, %d security measures", len(rec.Activities), len(p.Purposes()), rec.Controller.Name, len(rec.Security))
	}
	for _, a := range rec.Activities {
		if len(a.LegalBasis) == 0 || len(a.Retention) == 0 || len(a.DataSubjects) == 0 {
			t.Errorf("activity %s lacks a legal basis, retention or data subjects: %+v", a.Purpose, a)
		}
	}
}
