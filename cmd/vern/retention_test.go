package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/retention"
)

// TestPolicyCheckRetentionInput runs the bad input the retention issue
// names through vern policy check: each is refused with its file and line.
func TestPolicyCheckRetentionInput(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"rule shorter than its legal hold", "    period: P5Y\n    anchor: financial_year_end\n    action: delete\n",
			"    period: P4Y\n    anchor: financial_year_end\n    action: delete\n", ":426:5: retention[9].period: retention period P4Y financial_year_end is shorter than the legal hold"},
		{"unknown anchor", "    period: P24M\n    anchor: last_interaction\n", "    period: P24M\n    anchor: last_contact\n",
			":324:5: retention[0].anchor: unknown value \"last_contact\""},
		{"period that cannot be parsed", "period: P24M", "period: 24 months", ":323:5: retention[0].period: invalid ISO 8601 duration"},
		{"recipient without a role", "    role: partner\n", "", "recipients[3].role: missing required field \"role\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := bytes.Replace(policy.Seed(), []byte(tt.old), []byte(tt.new), 1)
			if bytes.Equal(src, policy.Seed()) {
				t.Fatal("the replacement did not apply")
			}
			path := filepath.Join(t.TempDir(), "policy.yaml")
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, nil, "policy", "check", path)
			if code != 1 || !strings.Contains(stderr, path+":") || !strings.Contains(stderr, tt.want) {
				t.Fatalf("policy check = %d, stderr lacks %q:\n%s", code, tt.want, stderr)
			}
		})
	}
}

// TestRetentionCommands seeds a data folder with people collected long
// ago, then runs the dry run, the sweep, stats, recipients and the ROPA
// export through the command line.
func TestRetentionCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg := DefaultConfig()
	cfg.Data = data
	app, err := openApp(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Policy.Load(ctx, policy.Seed()); err != nil {
		t.Fatal(err)
	}
	clock := mock.NewClock(time.Now().AddDate(-3, 0, 0))
	people := person.New(app.Store, app.Keys, clock)
	for i := range 7 {
		if i == 5 {
			clock.Set(time.Now().AddDate(0, -1, 0)) // two recent leads stay
		}
		p, _, err := people.Create(ctx, vern.PersonInput{Email: fmt.Sprintf("lead%d@example.test", i), Source: vern.Source{Channel: vern.ChannelWebForm}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 6 { // a recent lead with an invoice whose hold has ended
			if _, err := people.AddDocument(ctx, p.ID, person.DocumentInput{Kind: vern.DocumentPrimary, Reference: "F-1", DatedOn: "2019-03-01"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	app.Close()

	code, stdout, stderr := runCLI(t, nil, "retention", "run", "--dry-run", "--data", data, "--list", "10")
	if code != 0 || !strings.Contains(stdout, "would erase 5") || strings.Count(stdout, "prospects\tper_") != 5 {
		t.Fatalf("dry run = %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"NOT ENFORCED: nothing_stored", "1 documents of 1 people", "would erase 5", "1 documents deleted", "\n  web_activity: Not enforced"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, nil, "retention", "run", "--data", data, "--json")
	var rep retention.Report
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Erased != 5 || rep.RunID == "" || rep.Documents != 1 {
		t.Fatalf("run = %d, erased %d, %d documents\n%s%s", code, rep.Erased, rep.Documents, stdout, stderr)
	}
	// Every rule of the policy is in the report, with what was done or
	// why it cannot be enforced.
	pol, err := policy.Parse(policy.Seed())
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, r := range rep.Rules {
		if r.Note == "" {
			t.Errorf("rule %s has no note", r.Key)
		}
		target := r.Target
		if !r.Enforced {
			target = "not enforced: " + target
		}
		targets[r.Key] = target
	}
	wantTargets := map[string]string{
		"prospects": retention.TargetPeople, "web_activity_ip": "not enforced: " + retention.TargetNothingStored,
		"web_activity": "not enforced: " + retention.TargetNothingStored, "newsletter_unsubscribed": retention.TargetPeople,
		"remarketing_withdrawn": retention.TargetPeople, "customers": retention.TargetPeople,
		"events": retention.TargetPurposes, "inquiries": retention.TargetPurposes,
		"surveys": retention.TargetFeedback, "accounting_primary": retention.TargetDocuments,
		"accounting_secondary": retention.TargetDocuments, "consent_records": retention.TargetLedger,
		retention.RuleHoldEnded: retention.TargetPeople,
	}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("report targets mismatch (-want +got):\n%s", diff)
	}
	if len(pol.RetentionRules())+1 != len(rep.Rules) {
		t.Errorf("the report has %d rules, the policy %d (+1 for ended holds)", len(rep.Rules), len(pol.RetentionRules()))
	}
	code, stdout, _ = runCLI(t, nil, "retention", "run", "--data", data)
	if code != 0 || !strings.Contains(stdout, "erased 0") {
		t.Fatalf("second run = %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "stats", "--data", data, "--by", "purpose", "--metric", "people")
	if code != 0 || !strings.Contains(stdout, "people  -      sales_contact  -        -         5") {
		t.Fatalf("stats = %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "stats", "--data", data, "--by", "purpose", "--min-cell", "6")
	if code != 0 || !strings.Contains(stdout, "<6") || strings.Contains(stdout, " 5\n") {
		t.Fatalf("stats --min-cell 6 = %d, want the cell of 5 suppressed\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "recipients", "--data", data)
	if code != 0 || !strings.Contains(stdout, "warning: google: No signed data processing agreement") {
		t.Fatalf("recipients = %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "ropa", "export", "--format", "csv", "--data", data)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if code != 0 || err != nil || len(rows) < 2 || rows[0][0] != "purpose" {
		t.Fatalf("ropa export = %d (%v)\n%s", code, err, stdout)
	}
	out := filepath.Join(t.TempDir(), "ropa.pdf")
	if code, _, stderr := runCLI(t, nil, "ropa", "export", "--format", "pdf", "-o", out, "--data", data); code != 0 {
		t.Fatalf("ropa export pdf = %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("the pdf export is not a PDF")
	}
}
