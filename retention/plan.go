package retention

import (
	"slices"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
	"github.com/vernhq/vern/policy"
)

// storedFields are the registry fields Vern itself holds, by the names the
// policy's data categories use. A rule whose categories hold none of them
// is about data kept elsewhere (such as raw web activity): the sweep
// reports that nothing is stored for it rather than pretending to act.
var storedFields = []string{
	"first_name", "last_name", "email", "phone", // people (sealed)
	"organization", "org_number", "organization_contact", // organisations
	"interaction_text",                 // interactions (sealed)
	"consent_event", "objection_event", // the ledger
	"invoice", "credit_note", "payment_reminder", "contract", "order_confirmation", // accounting documents
}

// Targets say what a rule acts on in Vern.
const (
	// TargetPeople: the rule decides when a person record (with its
	// interactions and ledger evidence) is erased.
	TargetPeople = "people"
	// TargetSubsumed: the rule covers person records, but another rule
	// with the same anchor keeps them longer and decides.
	TargetSubsumed = "subsumed"
	// TargetNothingStored: Vern stores no data of the rule's categories.
	TargetNothingStored = "nothing_stored"
	// TargetLegalHold: the rule's legal hold keeps accounting documents
	// and the person data they need; erasure waits for the hold to end.
	TargetLegalHold = "legal_hold"
	// TargetWithPerson: the data (ledger evidence) goes with the person's
	// erasure; the rule does not act on it separately.
	TargetWithPerson = "with_person"
	// TargetPurposes: the rule decides when a person recorded as
	// collected for one of its purposes (Person.Purposes) is erased;
	// people with no recorded purposes are decided by another rule.
	TargetPurposes = "people_by_purpose"
	// TargetNotAttributable: Vern does not record which data was collected
	// for the rule's purposes, so the rule cannot pick records out.
	TargetNotAttributable = "not_attributable"
	// TargetDocuments: the rule deletes accounting documents once their
	// legal hold has ended; until then the people they name are restricted
	// rather than erased.
	TargetDocuments = "documents"
	// TargetLedger: the rule redacts the consent evidence of a purpose
	// withdrawn long enough ago, for people who are kept.
	TargetLedger = "ledger"
	// TargetFeedback: the rule folds old survey answers (interactions of
	// kind feedback) into the statistics and deletes them.
	TargetFeedback = "feedback"
)

// documentKinds maps the policy's document fields to the document kinds
// Vern stores (bokføringsloven § 13, REFERENCE.md 2.3).
var documentKinds = map[string]string{
	"invoice": vern.DocumentPrimary, "credit_note": vern.DocumentPrimary, "payment_reminder": vern.DocumentPrimary,
	"contract": vern.DocumentSecondary, "order_confirmation": vern.DocumentSecondary,
}

// interactionKinds maps purposes to the interaction kind Vern records for
// them: survey answers are the only interactions whose purpose is known.
var interactionKinds = map[string]string{"surveys": vern.KindFeedback}

// documentRule deletes the documents of one kind whose hold has ended.
type documentRule struct {
	rule *policy.RetentionRule
	due  vern.DocumentDue
}

// feedbackRule deletes interactions of one kind collected before cutoff.
type feedbackRule struct {
	rule   *policy.RetentionRule
	kind   string
	cutoff time.Time
}

// Skip reasons: why a person that a rule made due is kept.
const (
	SkipLegalHold   = "legal_hold"
	SkipRestricted  = "restricted"
	SkipOpenRequest = "open_request"
)

// RuleHoldEnded is the report key of erasures of people whose legal hold
// (set by an earlier erasure request or sweep) has ended.
const RuleHoldEnded = "legal_hold_ended"

// planner turns the policy into the decisions of one sweep.
type planner struct {
	pol  *policy.Policy
	asOf time.Time
	// today is asOf's date in Oslo, for comparing YYYY-MM-DD hold dates.
	today string
	// contact decides people who are neither customers nor only
	// subscribers (anchor last_interaction); customer decides people with
	// contracts (anchor contract_end); withdrawn decides, per purpose,
	// people who withdrew consent (anchor consent_withdrawn).
	contact, customer *policy.RetentionRule
	withdrawn         map[string]*policy.RetentionRule
	// interaction lists every person rule anchored on the last
	// interaction: for a person with recorded purposes, those that cover
	// one of them (or name no purpose) apply instead of contact.
	interaction []*policy.RetentionRule
	targets     map[string]target
	// documents lists the document rules; ledger gives, per purpose, the
	// rule that redacts the evidence of a withdrawn consent; feedback
	// lists the rules on survey answers.
	documents []documentRule
	ledger    map[string]*policy.RetentionRule
	feedback  []feedbackRule
}

type target struct {
	kind string
	// by is the rule that decides instead (TargetSubsumed).
	by string
}

func newPlanner(pol *policy.Policy, asOf time.Time) *planner {
	pl := &planner{pol: pol, asOf: asOf, today: calendar.DateOf(asOf).String(),
		withdrawn: map[string]*policy.RetentionRule{}, targets: map[string]target{}, ledger: map[string]*policy.RetentionRule{}}
	contactCat := ""
	if c, ok := pol.CategoryOfField("email"); ok {
		contactCat = c.Key
	}
	longer := func(a, b *policy.RetentionRule) bool { // a keeps longer than b
		return b == nil || a.Period.AddTo(asOf).After(b.Period.AddTo(asOf))
	}
	rules := pol.RetentionRules()
	personRule := func(r *policy.RetentionRule) bool {
		return (r.Action == policy.ActionDelete || r.Action == policy.ActionAnonymise) &&
			slices.ContainsFunc(pol.RetentionRulesFor("", contactCat), func(x *policy.RetentionRule) bool { return x.Key == r.Key })
	}
	for _, r := range rules {
		if !personRule(r) {
			continue
		}
		switch r.Anchor {
		case policy.AnchorLastInteraction:
			pl.interaction = append(pl.interaction, r)
			if longer(r, pl.contact) {
				pl.contact = r
			}
		case policy.AnchorContractEnd:
			if longer(r, pl.customer) {
				pl.customer = r
			}
		case policy.AnchorConsentWithdrawn:
			purposes := r.Purposes
			if len(purposes) == 0 {
				for _, pu := range pol.PurposesWithBasis(policy.BasisConsent) {
					purposes = append(purposes, pu.Key)
				}
			}
			for _, k := range purposes {
				if longer(r, pl.withdrawn[k]) {
					pl.withdrawn[k] = r
				}
			}
		}
	}
	for _, r := range rules {
		if pl.records(r) {
			continue
		}
		pl.targets[r.Key] = pl.classify(r, personRule(r))
	}
	return pl
}

// records sets up r when it acts on records rather than on people: on
// accounting documents, on ledger evidence of withdrawn consents or on
// survey answers. It reports whether it did.
func (pl *planner) records(r *policy.RetentionRule) bool {
	if r.Action != policy.ActionDelete && r.Action != policy.ActionAnonymise {
		return false
	}
	fields := pl.fields(r)
	switch {
	case r.LegalHold != nil:
		kind := ""
		for _, f := range fields {
			if k, ok := documentKinds[f]; ok {
				kind = k
			}
		}
		if kind == "" {
			return false
		}
		due := vern.DocumentDue{Kind: kind, HeldBefore: pl.today}
		switch r.Anchor {
		case policy.AnchorFinancialYearEnd:
			// HoldUntil counts the hold from the end of the financial
			// year; a rule that keeps longer shifts the day back.
			extra := (r.Period.Years-r.LegalHold.Period.Years)*12 + r.Period.Months - r.LegalHold.Period.Months
			if extra > 0 {
				due.HeldBefore = calendar.DateOf(pl.asOf.AddDate(0, -extra, 0)).String()
			}
		case policy.AnchorContractEnd:
			due.ContractsEndedBefore = before(r.Period, pl.asOf)
		}
		pl.documents = append(pl.documents, documentRule{rule: r, due: due})
		pl.targets[r.Key] = target{kind: TargetDocuments}
		return true
	case r.Anchor == policy.AnchorConsentWithdrawn && slices.Contains(fields, "consent_event") && !slices.Contains(fields, "email"):
		purposes := r.Purposes
		if len(purposes) == 0 {
			for _, pu := range pl.pol.PurposesWithBasis(policy.BasisConsent) {
				purposes = append(purposes, pu.Key)
			}
		}
		for _, k := range purposes {
			if w := pl.ledger[k]; w == nil || r.Period.AddTo(pl.asOf).After(w.Period.AddTo(pl.asOf)) {
				pl.ledger[k] = r
			}
		}
		pl.targets[r.Key] = target{kind: TargetLedger}
		return true
	case r.Anchor == policy.AnchorCollected && slices.Contains(fields, "interaction_text"):
		for _, k := range r.Purposes {
			if kind, ok := interactionKinds[k]; ok {
				pl.feedback = append(pl.feedback, feedbackRule{rule: r, kind: kind, cutoff: before(r.Period, pl.asOf)})
				pl.targets[r.Key] = target{kind: TargetFeedback}
				return true
			}
		}
	}
	return false
}

// fields lists the registry fields of r's categories (or, without any,
// of its purposes' categories).
func (pl *planner) fields(r *policy.RetentionRule) []string {
	var fields []string
	cats := r.Categories
	if len(cats) == 0 {
		for _, k := range r.Purposes {
			if pu, ok := pl.pol.Purpose(k); ok {
				cats = append(cats, pu.Categories...)
			}
		}
	}
	for _, k := range cats {
		if c, ok := pl.pol.DataCategory(k); ok {
			fields = append(fields, c.Fields...)
		}
	}
	return fields
}

// before returns t less p: the latest anchor p after which has passed by t.
func before(p policy.Period, t time.Time) time.Time {
	return t.AddDate(-p.Years, -p.Months, -7*p.Weeks-p.Days).
		Add(-time.Duration(p.Hours)*time.Hour - time.Duration(p.Minutes)*time.Minute - time.Duration(p.Seconds)*time.Second)
}

// ledgerDue returns the purposes of f whose consent was withdrawn (and
// not granted again) long enough ago that a ledger rule makes their
// evidence due, and whose evidence is not yet redacted.
func (pl *planner) ledgerDue(f *vern.RetentionFacts) []string {
	var out []string
	for _, k := range sortedKeys(f.Consents) {
		c, r := f.Consents[k], pl.ledger[k]
		if r != nil && c.Kind == vern.EventConsentWithdrawn && !c.Redacted && !r.Period.AddTo(c.At).After(pl.asOf) {
			out = append(out, k)
		}
	}
	return out
}

// classify says what r acts on in Vern.
func (pl *planner) classify(r *policy.RetentionRule, person bool) target {
	fields := pl.fields(r)
	stored := slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(storedFields, f) })
	switch {
	case !stored:
		return target{kind: TargetNothingStored}
	case r.LegalHold != nil:
		return target{kind: TargetLegalHold}
	case !person && slices.ContainsFunc(fields, func(f string) bool { return f == "consent_event" || f == "objection_event" }):
		return target{kind: TargetWithPerson}
	case !person:
		return target{kind: TargetNotAttributable}
	}
	for _, deciding := range []*policy.RetentionRule{pl.contact, pl.customer} {
		if deciding != nil && deciding.Anchor == r.Anchor {
			if deciding.Key == r.Key {
				return target{kind: TargetPeople}
			}
			if deciding == pl.contact && len(r.Purposes) > 0 {
				return target{kind: TargetPurposes, by: deciding.Key}
			}
			return target{kind: TargetSubsumed, by: deciding.Key}
		}
	}
	if r.Anchor == policy.AnchorConsentWithdrawn {
		for _, w := range pl.withdrawn {
			if w.Key == r.Key {
				return target{kind: TargetPeople}
			}
		}
		return target{kind: TargetSubsumed}
	}
	return target{kind: TargetNotAttributable}
}

// decision is what a sweep does with one person.
type decision struct {
	// rule is the key of the rule that makes the person due: of the rules
	// that apply, the one that keeps them longest.
	rule string
	// hold is set when the person is due but accounting documents under a
	// legal hold name them: they are restricted until holdUntil instead.
	hold      bool
	holdUntil string
	// skip says why a due person is kept ("" when not).
	skip string
	// purposes are the purposes the person counts under in statistics.
	purposes []string
}

// decide returns the decision for one person, or nil when no rule makes
// the person due yet. A person is kept while any rule that applies keeps
// them (policy.RetentionRule): a contract in force or a live consent keeps
// them outright; otherwise each applicable rule gives a date, and the
// person is due once the latest has passed.
func (pl *planner) decide(f *vern.RetentionFacts) *decision {
	if f.HeldUntil != "" {
		if f.HeldUntil >= pl.today || f.DocumentsHeldUntil >= pl.today {
			return nil // still held; not due
		}
		return &decision{rule: RuleHoldEnded, purposes: pl.purposesOf(f, nil)}
	}
	if f.ContractInForce || f.LastContractEnd.After(pl.asOf) {
		return nil
	}
	for _, c := range f.Consents {
		if c.Kind == vern.EventConsentGranted {
			return nil
		}
	}
	var until time.Time
	var by *policy.RetentionRule
	consider := func(anchor time.Time, r *policy.RetentionRule) {
		if r == nil {
			return
		}
		if t := r.Period.AddTo(anchor); by == nil || t.After(until) {
			until, by = t, r
		}
	}
	if f.Contracts > 0 {
		consider(f.LastContractEnd, pl.customer)
	}
	for _, k := range sortedKeys(f.Consents) {
		consider(f.Consents[k].At, pl.withdrawn[k])
	}
	if by == nil || f.Interactions > 0 {
		last := f.CreatedAt
		if f.LastInteraction.After(last) {
			last = f.LastInteraction
		}
		for _, r := range pl.contactRules(f) {
			consider(last, r)
		}
	}
	if by == nil || until.After(pl.asOf) {
		return nil
	}
	d := &decision{rule: by.Key, purposes: pl.purposesOf(f, by)}
	switch {
	case f.Restricted:
		d.skip = SkipRestricted
	case f.OpenRequests > 0:
		d.skip = SkipOpenRequest
	case f.DocumentsHeldUntil >= pl.today:
		d.hold, d.holdUntil = true, f.DocumentsHeldUntil
	}
	return d
}

// contactRules returns the rules anchored on the last interaction that
// apply to f. For a person with recorded purposes these are the rules
// that cover one of them or name no purpose; the latest date of them
// decides. A person with none recorded, or whose purposes no such rule
// covers, falls back to contact, the rule that keeps longest.
func (pl *planner) contactRules(f *vern.RetentionFacts) []*policy.RetentionRule {
	var out []*policy.RetentionRule
	if len(f.Purposes) > 0 {
		for _, r := range pl.interaction {
			if len(r.Purposes) == 0 || slices.ContainsFunc(r.Purposes, func(k string) bool { return slices.Contains(f.Purposes, k) }) {
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 && pl.contact != nil {
		out = append(out, pl.contact)
	}
	return out
}

// purposesOf lists the purposes a person counts under in statistics: the
// purposes of their ledger, their recorded purposes, and those of the
// rules that apply to them.
func (pl *planner) purposesOf(f *vern.RetentionFacts, by *policy.RetentionRule) []string {
	var out []string
	add := func(ks ...string) {
		for _, k := range ks {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	add(sortedKeys(f.Consents)...)
	add(f.Purposes...)
	if f.Contracts > 0 && pl.customer != nil {
		add(pl.customer.Purposes...)
	}
	if (len(f.Consents) == 0 && f.Contracts == 0 || f.Interactions > 0) && pl.contact != nil && len(f.Purposes) == 0 {
		add(pl.contact.Purposes...)
	}
	if len(out) == 0 && by != nil {
		add(by.Purposes...)
	}
	slices.Sort(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// longestLedgerRule is the consent-evidence rule with the longest period,
// which also bounds how long anonymous visitors' cookie choices are kept;
// nil when the policy has none.
func (pl *planner) longestLedgerRule() *policy.RetentionRule {
	var out *policy.RetentionRule
	for _, r := range pl.ledger {
		if out == nil || r.Period.AddTo(pl.asOf).After(out.Period.AddTo(pl.asOf)) || r.Period == out.Period && r.Key < out.Key {
			out = r
		}
	}
	return out
}
