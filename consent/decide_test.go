package consent_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/policy"
)

func seed(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(policy.Seed())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ev(id, kind, purpose string) *vern.ConsentEvent {
	return &vern.ConsentEvent{ID: id, PersonID: "per_1", Kind: kind, Purpose: purpose, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func TestDecide(t *testing.T) {
	p := seed(t)
	known := consent.Facts{Known: true}
	customer := consent.Facts{Known: true, Customer: true}
	tests := []struct {
		name    string
		purpose string
		events  []*vern.ConsentEvent
		facts   consent.Facts
		want    consent.Decision
	}{
		{"unknown person", "newsletter", nil, consent.Facts{}, consent.Decision{Reason: "unknown_person"}},
		{"no consent", "newsletter", nil, known, consent.Decision{Reason: "no_consent"}},
		{"consent given", "newsletter", []*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter")}, known,
			consent.Decision{Allowed: true, Basis: "consent", Reason: "consent_given", EvidenceID: "e1"}},
		{"consent for another purpose", "remarketing", []*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter")}, known,
			consent.Decision{Reason: "no_consent"}},
		{"withdrawn", "newsletter", []*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter"), ev("e2", vern.EventConsentWithdrawn, "newsletter")}, known,
			consent.Decision{Reason: "consent_withdrawn", EvidenceID: "e2"}},
		{"granted again after withdrawal", "newsletter", []*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter"), ev("e2", vern.EventConsentWithdrawn, "newsletter"), ev("e3", vern.EventConsentGranted, "newsletter")}, known,
			consent.Decision{Allowed: true, Basis: "consent", Reason: "consent_given", EvidenceID: "e3"}},
		{"legitimate interest", "sales_contact", nil, known, consent.Decision{Allowed: true, Basis: "legitimate_interest", Reason: "legitimate_interest"}},
		{"objection to the purpose", "sales_contact", []*vern.ConsentEvent{ev("o1", vern.EventObjection, "sales_contact")}, known,
			consent.Decision{Reason: "objected", EvidenceID: "o1"}},
		{"direct marketing objection covers sales contact", "sales_contact", []*vern.ConsentEvent{ev("o1", vern.EventObjection, "direct_marketing")}, known,
			consent.Decision{Reason: "objected", EvidenceID: "o1"}},
		{"direct marketing objection beats consent", "newsletter", []*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter"), ev("o1", vern.EventObjection, "direct_marketing")}, known,
			consent.Decision{Reason: "objected", EvidenceID: "o1"}},
		{"direct marketing objection leaves inquiries alone", "inquiries", []*vern.ConsentEvent{ev("o1", vern.EventObjection, "direct_marketing")}, known,
			consent.Decision{Allowed: true, Basis: "legitimate_interest", Reason: "legitimate_interest"}},
		{"contract without a contract", "service_info", nil, known, consent.Decision{Reason: "no_contract"}},
		{"contract", "service_info", nil, customer, consent.Decision{Allowed: true, Basis: "contract", Reason: "contract"}},
		{"documents under legal obligation without a contract", "documents", nil, known, consent.Decision{Allowed: true, Basis: "legal_obligation", Reason: "legal_obligation"}},
		{"objection does not stop a contract purpose", "service_info", []*vern.ConsentEvent{ev("o1", vern.EventObjection, "service_info")}, customer,
			consent.Decision{Allowed: true, Basis: "contract", Reason: "contract"}},
		{"restriction blocks everything", "documents", []*vern.ConsentEvent{ev("r1", vern.EventRestrictionPlaced, "")}, customer,
			consent.Decision{Reason: "restricted", EvidenceID: "r1"}},
		{"customers-only purpose for a non-customer", "customer_updates", nil, known, consent.Decision{Reason: "not_customer"}},
		{"customers-only purpose for a customer", "customer_updates", nil, customer, consent.Decision{Allowed: true, Basis: "legitimate_interest", Reason: "legitimate_interest"}},
		{"customers-only purpose for a former customer", "customer_updates", nil, consent.Facts{Known: true, FormerCustomer: true}, consent.Decision{Allowed: true, Basis: "legitimate_interest", Reason: "legitimate_interest"}},
		{"direct marketing objection beats a customer relation", "customer_updates", []*vern.ConsentEvent{ev("o1", vern.EventObjection, "direct_marketing")}, customer, consent.Decision{Reason: "objected", EvidenceID: "o1"}},
		{"lifted restriction", "sales_contact", []*vern.ConsentEvent{ev("r1", vern.EventRestrictionPlaced, ""), ev("r2", vern.EventRestrictionLifted, "")}, known,
			consent.Decision{Allowed: true, Basis: "legitimate_interest", Reason: "legitimate_interest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consent.Decide(p, tt.purpose, consent.Fold(tt.events), tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("Decide(%s) mismatch (-want +got):\n%s", tt.purpose, diff)
			}
		})
	}
	if _, err := consent.Decide(p, "horoscopes", consent.State{}, known); vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("unknown purpose: %v, want EINVALID", err)
	}
}

// BenchmarkDecide measures one decision over a folded state, the in-process
// hot path of the decision API.
func BenchmarkDecide(b *testing.B) {
	p, err := policy.Parse(policy.Seed())
	if err != nil {
		b.Fatal(err)
	}
	st := consent.Fold([]*vern.ConsentEvent{ev("e1", vern.EventConsentGranted, "newsletter"), ev("o1", vern.EventObjection, "surveys")})
	f := consent.Facts{Known: true}
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := consent.Decide(p, "newsletter", st, f); !d.Allowed {
			b.Fatal("denied")
		}
	}
}
