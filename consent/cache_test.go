package consent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/person"
)

// runCache starts the service's change listener and waits until the cache
// is live (a decision is then served without a store read).
func runCache(t *testing.T, svc *consent.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFollowing(t, ctx, svc)
}

// waitFollowing waits until the caches of services follow the change feed.
func waitFollowing(tb testing.TB, ctx context.Context, services ...interface {
	WaitFollowing(context.Context) error
}) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, s := range services {
		if err := s.WaitFollowing(ctx); err != nil {
			tb.Fatalf("the caches did not start following the change feed: %v", err)
		}
	}
}

// TestCachedDecisionsFollowEveryWrite grants and withdraws on one node and
// reads on two: the writing node sees its change at once, the other within
// the change feed's delivery (PostgreSQL notifications; in-process on SQLite).
func TestCachedDecisionsFollowEveryWrite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		a := newFixture(t, s)
		b := newFixture(t, s) // a second node on the same database
		runCache(t, a.svc)
		runCache(t, b.svc)
		ctx := context.Background()
		id := a.person(t, "cache@example.test")

		decide := func(f *fixture) consent.Decision {
			d, err := f.svc.DecidePerson(ctx, id, "newsletter")
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		eventually := func(f *fixture, want bool) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for decide(f).Allowed != want {
				if time.Now().After(deadline) {
					t.Fatalf("node did not see the change: allowed=%v, want %v", !want, want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		for round := range 3 {
			if decide(a).Allowed || decide(b).Allowed { // both cache "no consent"
				t.Fatalf("round %d: allowed before the grant", round)
			}
			if _, err := a.svc.Record(ctx, "token:t", consent.RecordInput{PersonID: id, Purpose: "newsletter", Action: "grant", Evidence: webForm}); err != nil {
				t.Fatal(err)
			}
			if !decide(a).Allowed {
				t.Fatalf("round %d: the writing node does not see its own grant", round)
			}
			eventually(b, true)
			if _, err := b.svc.Record(ctx, "token:t", consent.RecordInput{PersonID: id, Purpose: "newsletter", Action: "withdraw", Evidence: webForm}); err != nil {
				t.Fatal(err)
			}
			if decide(b).Allowed {
				t.Fatalf("round %d: the withdrawing node still allows", round)
			}
			eventually(a, false)
		}
	})
}

// BenchmarkDecidePersonCached measures an in-process decision over a hot,
// cached set: the mail-send loop's case.
func BenchmarkDecidePersonCached(b *testing.B) {
	s := testdb.SQLite(b)
	f := newFixtureTB(b, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.svc.Run(ctx)
	waitFollowing(b, ctx, f.svc)
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = f.personTB(b, "hot"+string(rune('a'+i%26))+time.Duration(i).String()+"@example.test")
		if _, err := f.svc.Record(context.Background(), "token:b", consent.RecordInput{PersonID: ids[i], Purpose: "newsletter", Action: "grant", Evidence: webForm}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if d, err := f.svc.DecidePerson(context.Background(), ids[i%len(ids)], "newsletter"); err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
		}
	})
}

// BenchmarkDecideEmails10k measures one bulk decision over 10,000 emails
// in-process (no HTTP), with the caches live: a mailing list sent again.
func BenchmarkDecideEmails10k(b *testing.B) {
	s := testdb.SQLite(b)
	f := newFixtureTB(b, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.people.Run(ctx, nil)
	go f.svc.Run(ctx)
	waitFollowing(b, ctx, f.svc, f.people)
	emails := make([]string, 10000)
	for i := range emails {
		emails[i] = "bulk" + time.Duration(i).String() + "@example.test"
	}
	rep, err := f.people.Import(ctx, strings.NewReader("email\n"+strings.Join(emails, "\n")+"\n"), person.ImportOptions{})
	if err != nil || rep.Created != len(emails) {
		b.Fatal(rep, err)
	}
	b.ResetTimer()
	for range b.N {
		ds, err := f.svc.DecideEmails(ctx, "newsletter", emails)
		if err != nil || len(ds) != len(emails) {
			b.Fatal(err)
		}
	}
}
