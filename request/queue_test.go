package request_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/jobs"
	"github.com/vernhq/vern/request"
)

// TestConcurrentRequestsOnTheQueue opens many verified requests at once
// and lets two job queues ("nodes") on the same database fulfil them:
// every request completes, with one completion mail and one ledger event
// each, and no step fails. VERN_REQUESTS sets how many (default 200; the
// benchmark figure uses 1,000).
func TestConcurrentRequestsOnTheQueue(t *testing.T) {
	n := 200
	if v := os.Getenv("VERN_REQUESTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		engine, db := jobs.SQLite, (*sql.DB)(nil)
		if h, ok := s.(interface{ SQL() *sql.DB }); ok && testdb.IsPostgres(s) {
			engine, db = jobs.Postgres, h.SQL()
		} else {
			var err error
			if db, err = jobs.OpenSQLiteDB(filepath.Join(t.TempDir(), "jobs.db")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
		}
		var failures atomic.Int64
		var queues []*jobs.Queue
		for range 2 {
			q, err := jobs.Open(ctx, jobs.Config{Engine: engine, DB: db, Workers: 4})
			if err != nil {
				t.Fatal(err)
			}
			q.Handle("request.process", func(ctx context.Context, id string) error {
				err := f.svc.Process(ctx, id)
				if err != nil {
					failures.Add(1)
				}
				return err
			})
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = q.Stop(sctx)
				q.Close()
			})
			queues = append(queues, q)
		}
		var next atomic.Int64
		f.svc.SetDispatch(func(ctx context.Context, id string) error {
			return queues[next.Add(1)%2].Enqueue(ctx, "request.process", id)
		})
		ids := make([]string, n)
		people := make([]string, n)
		for i := range n {
			people[i] = f.person(t, fmt.Sprintf("queue-%d@example.test", i)).ID
		}
		start := time.Now()
		errs := make(chan error, n)
		for i := range n {
			go func() {
				r, err := f.svc.Open(ctx, "token:staff", request.StaffInput{Input: request.Input{Kind: vern.RequestObjection, PersonID: people[i],
					Details: vern.RequestDetails{Scope: "surveys"}}, SkipVerification: true, SkipReason: "load test"})
				if err == nil {
					ids[i] = r.ID
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(3 * time.Minute)
		for {
			open, err := f.svc.List(ctx, request.ListInput{Status: "open", Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(open) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("requests still open after 3 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed := time.Since(start)
		t.Logf("%d requests opened and fulfilled by two queues in %s (%.0f/s)", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
		if failures.Load() != 0 {
			t.Errorf("%d job runs failed", failures.Load())
		}
		for i, id := range ids {
			r, err := f.svc.Get(ctx, id)
			if err != nil || r.Status != vern.StatusCompleted {
				t.Fatalf("request %s: %+v %v", id, r, err)
			}
			events, _ := s.FindConsentEvents(ctx, people[i])
			if len(events) != 1 {
				t.Fatalf("person %d has %d ledger events, want 1", i, len(events))
			}
			completions := 0
			for _, m := range f.mails(t, id) {
				if m.Template == vern.MailCompletion {
					completions++
				}
			}
			if completions != 1 {
				t.Fatalf("request %s has %d completion mails", id, completions)
			}
		}
	})
}
