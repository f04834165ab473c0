package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/report"
)

func TestWriteRecord(t *testing.T) {
	p, err := policy.Parse(policy.Seed())
	if err != nil {
		t.Fatal(err)
	}
	rec := p.Record("en", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	for _, format := range []string{"json", "csv", "html", "pdf"} {
		var buf bytes.Buffer
		if err := report.WriteRecord(&buf, format, rec); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := buf.String()
		switch format {
		case "csv":
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(p.Purposes())+1 || rows[1][0] != "newsletter" || !strings.Contains(rows[1][8], "30 days") {
				t.Errorf("csv: %d rows, first %q; want a header and one row per purpose with its retention", len(rows), rows[1])
			}
		case "html":
			for _, want := range []string{"(a) Controller", "Mementor AS", "(f) Time limits", "bokføringsloven § 13", "No signed data processing agreement"} {
				if !strings.Contains(out, want) {
					t.Errorf("html lacks %q", want)
				}
			}
		case "pdf":
			if !strings.HasPrefix(out, "%PDF-") || buf.Len() < 2000 {
				t.Errorf("pdf: %d bytes starting %q", buf.Len(), out[:min(8, len(out))])
			}
		}
	}
	if err := report.WriteRecord(&bytes.Buffer{}, "xml", rec); vern.ErrorCode(err) != vern.EINVALID {
		t.Errorf("xml: %v, want EINVALID", err)
	}
}
