package retention_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/retention"
)

// Anonymous visitors whose last cookie choice is older than the longest
// consent-evidence period (consent_records, 3 years) lose their records;
// recent visitors and visitors linked to a person keep theirs.
func TestSweepIdleVisitors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		p := f.person(t, months(1))
		choose := func(n int, at time.Time) string {
			id := fmt.Sprintf("visitor-sweep-%08d", n)
			c := &vern.VisitorConsent{ID: fmt.Sprintf("vcs_sweep_%08d", n), VisitorID: id, Nonce: fmt.Sprintf("nonce-sweep-%08d", n),
				PolicyVersion: "2023-06-27", CookieHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
				Granted: []string{"statistics"}, Refused: []string{}, Language: "nb", Origin: "https://www.example.test", At: at}
			c.Seal(0, nil)
			if err := s.AppendVisitorConsent(ctx, c); err != nil {
				t.Fatal(err)
			}
			return id
		}
		old := choose(1, months(40))
		oldLinked := choose(2, months(40))
		recent := choose(3, months(30))
		if err := s.LinkVisitor(ctx, &vern.VisitorLink{VisitorID: oldLinked, PersonID: p.ID, Source: "request", At: months(40)}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(now)
		svc := f.service(nil, 0)
		dry, err := svc.DryRun(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Visitors != 1 || ruleOf(dry, "consent_records").Visitors != 1 {
			t.Fatalf("dry run: %d visitors, want 1", dry.Visitors)
		}
		if cs, _ := s.FindVisitorConsents(ctx, old); len(cs) != 1 {
			t.Fatal("a dry run deleted visitor records")
		}
		rep, err := svc.Run(ctx, retention.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := ruleOf(rep, "consent_records"); rep.Visitors != 1 || x.VisitorRecords != 1 {
			t.Fatalf("run: %d visitors, %d records; want 1 and 1", rep.Visitors, x.VisitorRecords)
		}
		for id, want := range map[string]int{old: 0, oldLinked: 1, recent: 1} {
			if cs, _ := s.FindVisitorConsents(ctx, id); len(cs) != want {
				t.Errorf("%s has %d choices after the sweep, want %d", id, len(cs), want)
			}
		}
	})
}
