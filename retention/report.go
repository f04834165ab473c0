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
	Suppressed   int            `json:"suppressed"`
	Rules        []*RuleReport  `json:"rules"`
	Finished     bool           `json:"finished"`
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
	// Note explains the target in words.
	Note    string         `json:"note"`
	Erased  int            `json:"erased"`
	Held    int            `json:"held"`
	Skipped map[string]int `json:"skipped,omitempty"`
	// IDs lists the people a dry run would erase or hold, when asked.
	IDs []string `json:"ids,omitempty"`
}

var targetNotes = map[string]string{
	TargetPeople:          "Erases (crypto-shreds) the person records this rule makes due, with their interactions and ledger evidence, after folding them into the statistics.",
	TargetSubsumed:        "Covers person records another rule with the same anchor keeps longer; Vern does not record which of these purposes a person was collected for, so the longer rule decides.",
	TargetNothingStored:   "Nothing stored for this category: Vern holds no data of it (consent records of visitors keep only a truncated IP prefix).",
	TargetLegalHold:       "Legal hold: people named by accounting documents still under the hold are restricted, not erased, and erased once the hold ends. Document records themselves are kept.",
	TargetWithPerson:      "Ledger evidence is redacted when the person is erased; the chain (ids, kinds, purposes, times) stays so that it still verifies.",
	TargetNotAttributable: "Vern does not record which records were collected for this rule's purposes, so it cannot pick them out; the person rules decide.",
}

func newReport(pol *policy.Policy, pl *planner, asOf time.Time, dry bool) *Report {
	r := &Report{DryRun: dry, AsOf: asOf, PolicyVersion: pol.Version}
	for _, rule := range pol.RetentionRules() {
		t := pl.targets[rule.Key]
		r.Rules = append(r.Rules, &RuleReport{Key: rule.Key, Title: pol.Text(rule.Title, "en"), Period: rule.Period.String(),
			Anchor: string(rule.Anchor), Action: string(rule.Action), Target: t.kind, DecidedBy: t.by, Note: targetNotes[t.kind]})
	}
	r.Rules = append(r.Rules, &RuleReport{Key: RuleHoldEnded, Title: "People whose legal hold has ended", Target: TargetPeople,
		Note: "Erases people kept after an erasure request or sweep only because accounting documents named them, once the hold has ended."})
	return r
}

// rule returns the report of the rule with key.
func (r *Report) rule(key string) *RuleReport {
	for _, x := range r.Rules {
		if x.Key == key {
			return x
		}
	}
	x := &RuleReport{Key: key, Title: key, Target: TargetPeople}
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
