// Package consent is the consent and objection ledger use case (S10, S11,
// S12): it folds a person's ledger into the state in force and decides
// whether a purpose may use the person now, on which basis and with which
// evidence.
package consent

import (
	"slices"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// State is what a person's ledger says is in force.
type State struct {
	// Grants holds, per purpose, the live consent grant; a withdrawn
	// purpose has no entry but is listed in Withdrawn.
	Grants    map[string]*vern.ConsentEvent
	Withdrawn map[string]*vern.ConsentEvent
	// Objections holds the objections in force, by purpose key or scope.
	Objections map[string]*vern.ConsentEvent
	// Restriction is the restriction in force (Art. 18), or nil.
	Restriction *vern.ConsentEvent
	// Contracts are the person's contracts, in force or not.
	Contracts []*vern.Contract
}

// facts are the Facts a known person's state gives at t.
func (st State) facts(t time.Time) Facts {
	return Facts{Known: true, Customer: st.Customer(t), FormerCustomer: len(st.Contracts) > 0}
}

// Customer reports whether a contract binds the person at t.
func (st State) Customer(t time.Time) bool {
	for _, c := range st.Contracts {
		if c.InForce(t) {
			return true
		}
	}
	return false
}

// Fold replays a person's events, oldest first, into the state in force.
func Fold(events []*vern.ConsentEvent) State {
	st := State{Grants: map[string]*vern.ConsentEvent{}, Withdrawn: map[string]*vern.ConsentEvent{}, Objections: map[string]*vern.ConsentEvent{}}
	for _, e := range events {
		switch e.Kind {
		case vern.EventConsentGranted:
			st.Grants[e.Purpose] = e
			delete(st.Withdrawn, e.Purpose)
		case vern.EventConsentWithdrawn:
			delete(st.Grants, e.Purpose)
			st.Withdrawn[e.Purpose] = e
		case vern.EventObjection:
			st.Objections[e.Purpose] = e
		case vern.EventRestrictionPlaced:
			st.Restriction = e
		case vern.EventRestrictionLifted:
			st.Restriction = nil
		}
	}
	return st
}

// Facts are what the decision needs beyond the ledger.
type Facts struct {
	// Known is false when no person matches; such a person is denied.
	Known bool
	// Customer is true when a contract with the controller binds the
	// person now.
	Customer bool
	// FormerCustomer is true when the person has had a contract, ended or
	// not: the customer relation a customers-only purpose needs.
	FormerCustomer bool
	// Renewals says which consents a later policy version made stale; nil
	// means none are.
	Renewals Renewals
}

// Renewals knows which consent grants predate a change to their purpose
// (S13): a grant given under an older notice of a purpose whose
// description or data categories have since changed was not informed
// consent to the purpose as it now stands (Art. 4(11), 7), so it no
// longer counts and consent must be asked for again.
type Renewals interface {
	// MustRenew reports whether a grant of purpose recorded under the
	// policy version labelled version must be given again.
	MustRenew(purpose, version string) bool
}

// Decision reasons, stable for API clients.
const (
	ReasonUnknownPerson    = "unknown_person"
	ReasonRestricted       = "restricted"
	ReasonObjected         = "objected"
	ReasonConsentGiven     = "consent_given"
	ReasonConsentWithdrawn = "consent_withdrawn"
	ReasonNoConsent        = "no_consent"
	ReasonContract         = "contract"
	ReasonNoContract       = "no_contract"
	ReasonLegalObligation  = "legal_obligation"
	ReasonLegitimate       = "legitimate_interest"
	ReasonNotCustomer      = "not_customer"
	// ReasonRenewConsent denies a consent given under an earlier notice of
	// a purpose that has changed since; it must be given again.
	ReasonRenewConsent = "consent_renewal_required"
)

// Decision answers "may this purpose use this person now?".
type Decision struct {
	Allowed bool `json:"allowed"`
	// Basis is the legal basis the answer rests on (empty when denied for
	// want of any).
	Basis string `json:"basis"`
	// Reason is one of the Reason constants.
	Reason string `json:"reason"`
	// EvidenceID is the ledger event the answer rests on, if any.
	EvidenceID string `json:"evidence_id,omitempty"`
	// PersonID is whom the answer concerns ("" when unknown), for the
	// access trail; it is not part of the API answer.
	PersonID string `json:"-"`
}

// Decide applies the policy to a person's state. Restriction blocks every
// use (Art. 18: only storage remains); an objection to the purpose, or to a
// scope covering it, stops consent and legitimate-interest processing, and
// one to direct marketing is absolute (Art. 21(3)); then the purpose's
// bases are tried in the order the policy gives them: a legal obligation
// always applies, a contract needs a contract relation, consent needs a
// live grant given under the purpose as it now stands (see Renewals), and
// legitimate interest applies unless objected to.
//
// Returns EINVALID for a purpose the policy does not declare.
func Decide(p *policy.Policy, purposeKey string, st State, f Facts) (Decision, error) {
	pu, ok := p.Purpose(purposeKey)
	if !ok {
		return Decision{}, vern.Invalid(vern.FieldError{Field: "purpose", Code: "unknown_purpose", Message: "The policy declares no such purpose."})
	}
	if !f.Known {
		return Decision{Reason: ReasonUnknownPerson}, nil
	}
	if st.Restriction != nil {
		return Decision{Reason: ReasonRestricted, EvidenceID: st.Restriction.ID}, nil
	}
	if obj := objection(p, pu, st); obj != nil && objectable(pu) {
		return Decision{Reason: ReasonObjected, EvidenceID: obj.ID}, nil
	}
	if pu.Audience == policy.AudienceCustomers && !f.Customer && !f.FormerCustomer {
		return Decision{Reason: ReasonNotCustomer}, nil
	}
	denied := Decision{Reason: ReasonNoConsent}
	for _, b := range pu.LegalBasis {
		switch b {
		case policy.BasisLegalObligation:
			return Decision{Allowed: true, Basis: string(b), Reason: ReasonLegalObligation}, nil
		case policy.BasisContract:
			if f.Customer {
				return Decision{Allowed: true, Basis: string(b), Reason: ReasonContract}, nil
			}
			denied = Decision{Reason: ReasonNoContract}
		case policy.BasisConsent:
			g := st.Grants[pu.Key]
			if g != nil && f.Renewals != nil && f.Renewals.MustRenew(pu.Key, g.PolicyVersion) {
				denied = Decision{Reason: ReasonRenewConsent, EvidenceID: g.ID}
				continue
			}
			if g != nil {
				return Decision{Allowed: true, Basis: string(b), Reason: ReasonConsentGiven, EvidenceID: g.ID}, nil
			}
			if w := st.Withdrawn[pu.Key]; w != nil {
				denied = Decision{Reason: ReasonConsentWithdrawn, EvidenceID: w.ID}
			} else {
				denied = Decision{Reason: ReasonNoConsent}
			}
		case policy.BasisLegitimateInterest:
			return Decision{Allowed: true, Basis: string(b), Reason: ReasonLegitimate}, nil
		}
	}
	return denied, nil
}

// objection returns the objection in force against the purpose: to the
// purpose itself or to any scope that covers it.
func objection(p *policy.Policy, pu *policy.Purpose, st State) *vern.ConsentEvent {
	if e := st.Objections[pu.Key]; e != nil {
		return e
	}
	for key, e := range st.Objections {
		if members, ok := p.ObjectionScope(key); ok && key != pu.Key && slices.Contains(members, pu.Key) {
			return e
		}
	}
	return nil
}

// objectable reports whether an objection can stop the purpose: Art. 21
// concerns processing on legitimate interest (and direct marketing); for
// consent purposes an objection works as a withdrawal. Processing a
// contract or a legal obligation requires is not stopped by one.
func objectable(pu *policy.Purpose) bool {
	return pu.DirectMarketing || !pu.HasBasis(policy.BasisContract) && !pu.HasBasis(policy.BasisLegalObligation)
}
