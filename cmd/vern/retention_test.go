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
		_, _, err := people.Create(ctx, vern.PersonInput{Email: fmt.Sprintf("lead%d@example.test", i), Source: vern.Source{Channel: vern.ChannelWebForm}})
		if err != nil {
			t.Fatal(err)
		}
	}
	app.Close()

	code, stdout, stderr := runCLI(t, nil, "retention", "run", "--dry-run", "--data", data, "--list", "10")
	if code != 0 || !strings.Contains(stdout, "would erase 5") || strings.Count(stdout, "prospects\tper_") != 5 {
		t.Fatalf("dry run = %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "nothing_stored") {
		t.Errorf("the dry run does not say web activity is not stored:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, nil, "retention", "run", "--data", data, "--json")
	var rep retention.Report
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Erased != 5 || rep.RunID == "" {
		t.Fatalf("run = %d, erased %d\n%s%s", code, rep.Erased, stdout, stderr)
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
