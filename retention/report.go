package retention

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/vernhq/vern/policy"
)

// Report says what a sweep did, or for a dry run would do, by rule. It
// names people only by id, and only when a dry run is asked to list them.
type Report struct {
	// RunID identifies a sweep that changed data; "" for a dry run.
	RunID  string `json:"run_id,omitempty"`
	DryRun bool   `json:"dry_run"`
	// Resumed is set when the sweep continued an interrupted one.
	Resumed       bool      `json:"resumed,omitempty"`
	AsOf          time.Time `json:"as_of"`
	PolicyVersion string    `json:"policy_version"`
	// Scanned counts the living people examined.
	Scanned int `json:"scanned"`
	// Erased counts people crypto-shredded (a dry run: who would be).
	Erased int `json:"erased"`
	// Held counts people restricted, with what the law lets go of
	// removed, because accounting documents under a legal hold name them.
	Held int `json:"held"`
	// Skipped counts due people kept, by reason (restricted, open_request).
	Skipped      map[string]int `json:"skipped,omitempty"`
	Interactions int            `json:"interactions_deleted"`
	Events       int            `json:"events_redacted"`
	Documents    int            `json:"documents_deleted"`
	// Visitors counts anonymous website visitors whose cookie-choice
	// records were deleted (a dry run: would be).
	Visitors   int           `json:"visitors_deleted"`
	Suppressed int           `json:"suppressed"`
	Rules      []*RuleReport `json:"rules"`
	Finished   bool          `json:"finished"`
	// Stage counts the sweep's stages completed (documents, people,
	// survey answers, visitors), so that a resumed sweep skips them.
	Stage int `json:"stage,omitempty"`
}

// RuleReport is one rule's part of a sweep.
type RuleReport struct {
	Key    string `json:"key"`
	Title  string `json:"title"`
	Period string `json:"period,omitempty"`
	Anchor string `json:"anchor,omitempty"`
	Action string `json:"action,omitempty"`
	// Target says what the rule acts on in Vern (the Target constants).
	Target string `json:"target"`
	// DecidedBy names the rule that decides instead, for TargetSubsumed.
	DecidedBy string `json:"decided_by,omitempty"`
	// Enforced is false when the sweep cannot act on the rule from
	// Vern's data; Note then says why.
	Enforced bool `json:"enforced"`
	// Note explains the target in words.
	Note    string         `json:"note"`
	Erased  int            `json:"erased"`
	Held    int            `json:"held"`
	Skipped map[string]int `json:"skipped,omitempty"`
	// Records counts the records the rule deleted or redacted on its own
	// (documents, ledger events, survey answers; for a dry run, would),
	// and People the people they belonged to. A dry run counts ledger
	// events too.
	Records int `json:"records,omitempty"`
	People  int `json:"people,omitempty"`
	// Visitors counts the anonymous visitors whose cookie-choice records
	// the rule deleted, and VisitorRecords those records.
	Visitors       int `json:"visitors,omitempty"`
	VisitorRecords int `json:"visitor_records,omitempty"`
	// IDs lists the people a dry run would erase or hold, or for a
	// document rule the documents it would delete, when asked.
	IDs []string `json:"ids,omitempty"`
}

var targetNotes = map[string]string{
	TargetPeople:          "Erases (crypto-shreds) the person records this rule makes due, with their interactions and ledger evidence, after folding them into the statistics.",
	TargetSubsumed:        "Not enforced on its own: the rule named in decided_by, with the same anchor and a longer period, covers the same people and decides, so they are kept that longer period.",
	TargetPurposes:        "Applies to people recorded as collected for one of this rule's purposes: it erases (crypto-shreds) them, with their interactions and ledger evidence, once every rule covering one of their recorded purposes has run out (the latest date wins). People with no recorded purposes fall back to the rule named in decided_by, which keeps them its longer period.",
	TargetNothingStored:   "Not enforced: nothing to act on. Vern stores no data of this category (no page views or full IP addresses; cookie-consent records of visitors are consent evidence and keep only a truncated IP prefix).",
	TargetLegalHold:       "Legal hold: people named by accounting documents still under the hold are restricted, not erased, and erased once the hold ends. Vern stores no documents of this rule's kind, so none are deleted.",
	TargetWithPerson:      "Ledger evidence is redacted when the person is erased; the chain (ids, kinds, purposes, times) stays so that it still verifies.",
	TargetNotAttributable: "Not enforced: Vern does not record which records were collected for this rule's purposes, so it cannot pick them out; the person rules decide.",
	TargetDocuments:       "Deletes accounting documents of this kind once the rule's period and the legal hold (HoldUntil) have passed, with an audit record per person. Until then the people they name are restricted, not erased, and erased once no document holds them.",
	TargetLedger:          "For people who are kept, redacts the evidence (channel, actor, page, browser, IP prefix) of the grant and withdrawal events of a purpose withdrawn longer than the period ago and not granted again; ids, kinds, purposes, times and hashes stay, so the chain still verifies. Erased people's ledgers are redacted with them. The longest such rule also deletes the cookie-choice records of anonymous website visitors linked to no person whose newest choice is older than its period.",
	TargetFeedback:        "Folds survey answers (interactions of kind feedback) older than the period into the statistics (metric interactions, purpose surveys) and deletes them. Contact details of people who answered are left to the person rules; a deleted answer no longer counts as the person's last interaction.",
}

// enforced says whether the sweep acts on rules of each target.
var enforced = map[string]bool{TargetPeople: true, TargetPurposes: true, TargetLegalHold: true, TargetWithPerson: true,
	TargetDocuments: true, TargetLedger: true, TargetFeedback: true}

func newReport(pol *policy.Policy, pl *planner, asOf time.Time, dry bool) *Report {
	r := &Report{DryRun: dry, AsOf: asOf, PolicyVersion: pol.Version}
	for _, rule := range pol.RetentionRules() {
		t := pl.targets[rule.Key]
		r.Rules = append(r.Rules, &RuleReport{Key: rule.Key, Title: pol.Text(rule.Title, "en"), Period: rule.Period.String(),
			Anchor: string(rule.Anchor), Action: string(rule.Action), Target: t.kind, DecidedBy: t.by, Enforced: enforced[t.kind], Note: targetNotes[t.kind]})
	}
	r.Rules = append(r.Rules, &RuleReport{Key: RuleHoldEnded, Title: "People whose legal hold has ended", Target: TargetPeople, Enforced: true,
		Note: "Erases people kept after an erasure request or sweep only because accounting documents named them, once no document holds them any more."})
	return r
}

// rule returns the report of the rule with key.
func (r *Report) rule(key string) *RuleReport {
	for _, x := range r.Rules {
		if x.Key == key {
			return x
		}
	}
	x := &RuleReport{Key: key, Title: key, Target: TargetPeople, Enforced: true}
	r.Rules = append(r.Rules, x)
	return x
}

func (r *Report) skip(rule, reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
	x := r.rule(rule)
	if x.Skipped == nil {
		x.Skipped = map[string]int{}
	}
	x.Skipped[reason]++
}

// clone returns a deep copy, so a transaction that may run again changes
// a copy and the sweep keeps the copy only once it committed.
func (r *Report) clone() *Report {
	c := *r
	c.Skipped = maps.Clone(r.Skipped)
	c.Rules = make([]*RuleReport, len(r.Rules))
	for i, x := range r.Rules {
		y := *x
		y.Skipped = maps.Clone(x.Skipped)
		c.Rules[i] = &y
	}
	return &c
}

func (r *Report) marshal() ([]byte, error) { return json.Marshal(r) }

func jsonUnmarshal(b []byte, r *Report) error { return json.Unmarshal(b, r) }
