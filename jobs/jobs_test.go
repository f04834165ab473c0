package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/jobs"
)

// env is one empty jobs database; Open opens a new pool on it each time, as
// a separate node or a restarted process would.
type env struct {
	engine string
	open   func(tb testing.TB) *sql.DB
}

// eachEngine runs f on a fresh SQLite file and on a fresh PostgreSQL schema.
func eachEngine(t *testing.T, f func(t *testing.T, e env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "jobs.db")
		f(t, env{jobs.SQLite, func(tb testing.TB) *sql.DB {
			tb.Helper()
			db, err := jobs.OpenSQLiteDB(path)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		}})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := testdb.PostgresSchemaURL(t)
		f(t, env{jobs.Postgres, func(tb testing.TB) *sql.DB {
			tb.Helper()
			db, err := sql.Open("pgx", url)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		}})
	})
}

// MustOpen opens a Queue on db with quick retries, closed at cleanup.
func MustOpen(tb testing.TB, e env, db *sql.DB, mod ...func(*jobs.Config)) *jobs.Queue {
	tb.Helper()
	cfg := jobs.Config{
		Engine:       e.engine,
		DB:           db,
		PollInterval: 50 * time.Millisecond,
		Backoff:      func(int) time.Duration { return 10 * time.Millisecond },
	}
	for _, m := range mod {
		m(&cfg)
	}
	q, err := jobs.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { q.Close() })
	return q
}

func mustStart(tb testing.TB, q *jobs.Queue) {
	tb.Helper()
	if err := q.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

func mustEnqueue(tb testing.TB, q jobs.Runner, kind, key string, opts ...jobs.EnqueueOption) {
	tb.Helper()
	if err := q.Enqueue(context.Background(), kind, key, opts...); err != nil {
		tb.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counter counts runs per key.
type counter struct {
	mu   sync.Mutex
	runs map[string]int
	n    atomic.Int64
}

func newCounter() *counter { return &counter{runs: make(map[string]int)} }

func (c *counter) handle(_ context.Context, key string) error {
	c.mu.Lock()
	c.runs[key]++
	c.mu.Unlock()
	c.n.Add(1)
	return nil
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[key]
}

func TestEnqueue_runsOnce(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		c := newCounter()
		q.Handle("test.once", c.handle)
		mustStart(t, q)
		mustEnqueue(t, q, "test.once", "req_1")
		waitFor(t, 30*time.Second, "the job", func() bool { return c.get("req_1") == 1 })
		time.Sleep(200 * time.Millisecond)
		if got := c.n.Load(); got != 1 {
			t.Fatalf("runs = %d, want 1", got)
		}
	})
}

func TestEnqueue_sameKeyWhilePending(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		db := e.open(t)
		q := MustOpen(t, e, db)
		c := newCounter()
		q.Handle("test.dup", c.handle)
		mustEnqueue(t, q, "test.dup", "req_1")
		mustEnqueue(t, q, "test.dup", "req_1")
		mustEnqueue(t, q, "test.dup", "req_2") // another key is another job
		mustStart(t, q)
		waitFor(t, 30*time.Second, "both keys", func() bool { return c.n.Load() >= 2 })
		time.Sleep(200 * time.Millisecond)
		if a, b := c.get("req_1"), c.get("req_2"); a != 1 || b != 1 {
			t.Fatalf("runs req_1 = %d, req_2 = %d; want 1 and 1", a, b)
		}

		// A finished job no longer blocks the key: the work can be asked for
		// again. River records completion a moment after the handler returns,
		// and until then the job still counts as running.
		waitFor(t, 30*time.Second, "completion", func() bool { return completed(t, db) == 2 })
		mustEnqueue(t, q, "test.dup", "req_1")
		waitFor(t, 30*time.Second, "the second run", func() bool { return c.get("req_1") == 2 })
	})
}

func TestEnqueue_unknownKind(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		if err := q.Enqueue(context.Background(), "test.nobody", "req_1"); err == nil {
			t.Fatal("Enqueue of an unregistered kind: got nil error")
		}
	})
}

// syncBuffer is a log destination safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// completed counts the jobs River has recorded as completed.
func completed(tb testing.TB, db *sql.DB) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// storedErrors returns River's record of every failed attempt.
func storedErrors(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	rows, err := db.Query(`SELECT errors FROM river_job WHERE errors IS NOT NULL`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var all strings.Builder
	for rows.Next() {
		var s []byte
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		all.Write(s)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return all.String()
}

func TestHandler_retriedThenSucceeds(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		var logs syncBuffer
		db := e.open(t)
		q := MustOpen(t, e, db, func(c *jobs.Config) {
			c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		var attempts, panics atomic.Int32
		done := make(chan struct{})
		q.Handle("test.flaky", func(ctx context.Context, key string) error {
			switch attempts.Add(1) {
			case 1:
				return fmt.Errorf("send to %s: %w", "alice@example.com", errors.New("connection refused"))
			case 2:
				panics.Add(1)
				panic("bad address bob@example.com")
			}
			close(done)
			return nil
		})
		mustStart(t, q)
		mustEnqueue(t, q, "test.flaky", "req_1")
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("job did not succeed; attempts = %d", attempts.Load())
		}
		time.Sleep(100 * time.Millisecond)
		if got := attempts.Load(); got != 3 {
			t.Fatalf("attempts = %d, want 3", got)
		}

		log, stored := logs.String(), storedErrors(t, db)
		for _, secret := range []string{"alice", "bob"} {
			if strings.Contains(log, secret) {
				t.Errorf("log contains %q:\n%s", secret, log)
			}
			if strings.Contains(stored, secret) {
				t.Errorf("river_job.errors contains %q:\n%s", secret, stored)
			}
		}
		for _, want := range []string{`"key":"req_1"`, `"attempt":1`, `"attempt":2`, `"kind":"test.flaky"`, "job panicked"} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %s:\n%s", want, log)
			}
		}
	})
}

func TestHandler_permanentErrorNotRetried(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		var attempts atomic.Int32
		q.Handle("test.gone", func(context.Context, string) error {
			attempts.Add(1)
			return jobs.Permanent(errors.New("request deleted"))
		})
		mustStart(t, q)
		mustEnqueue(t, q, "test.gone", "req_1")
		waitFor(t, 30*time.Second, "the attempt", func() bool { return attempts.Load() == 1 })
		time.Sleep(300 * time.Millisecond)
		if got := attempts.Load(); got != 1 {
			t.Fatalf("attempts = %d, want 1", got)
		}
	})
}

func TestEnqueue_survivesRestart(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		// The first node stores the job and goes away without working it.
		db1 := e.open(t)
		q1 := MustOpen(t, e, db1)
		q1.Handle("test.durable", func(context.Context, string) error {
			t.Error("the first node ran the job")
			return nil
		})
		mustEnqueue(t, q1, "test.durable", "req_1")
		if err := q1.Close(); err != nil {
			t.Fatal(err)
		}
		db1.Close()

		q2 := MustOpen(t, e, e.open(t))
		c := newCounter()
		q2.Handle("test.durable", c.handle)
		mustStart(t, q2)
		waitFor(t, 30*time.Second, "the job on the next node", func() bool { return c.get("req_1") == 1 })
	})
}

func TestEnqueue_atNotEarly(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		ran := make(chan time.Time, 1)
		q.Handle("test.later", func(context.Context, string) error {
			ran <- time.Now()
			return nil
		})
		mustStart(t, q)
		at := time.Now().Add(time.Second)
		mustEnqueue(t, q, "test.later", "req_1", jobs.At(at))
		select {
		case got := <-ran:
			if got.Before(at) {
				t.Fatalf("ran %s early", at.Sub(got))
			}
			t.Logf("ran %s after its time", got.Sub(at).Round(time.Millisecond))
		case <-time.After(30 * time.Second):
			t.Fatal("scheduled job did not run")
		}
	})
}

func TestEvery(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		c := newCounter()
		q.Handle("test.sweep", c.handle)
		q.Every("test.sweep", time.Second, "all")
		mustStart(t, q)
		// Once on election, then once a second.
		waitFor(t, 30*time.Second, "two periodic runs", func() bool { return c.get("all") >= 2 })
	})
}

func TestStop_waitsForRunningJob(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		started := make(chan struct{})
		var finished atomic.Bool
		q.Handle("test.slow", func(ctx context.Context, _ string) error {
			close(started)
			select {
			case <-time.After(300 * time.Millisecond):
				finished.Store(true)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		mustStart(t, q)
		mustEnqueue(t, q, "test.slow", "req_1")
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Fatal("Stop returned before the running job finished")
		}
	})
}

func TestStop_deadlineCancelsJob(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		started := make(chan struct{})
		q.Handle("test.stuck", func(ctx context.Context, _ string) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		mustStart(t, q)
		mustEnqueue(t, q, "test.stuck", "req_1")
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := q.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Stop = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestOpen_concurrentMigrations(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			db := e.open(t)
			wg.Go(func() {
				q, err := jobs.Open(context.Background(), jobs.Config{Engine: e.engine, DB: db})
				if err == nil {
					err = q.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		MustOpen(t, e, e.open(t)) // and once more, with nothing left to do
	})
}

// TestTwoNodes runs 1,000 jobs on two Queues with pools of their own on one
// database, as two processes would, and checks each ran exactly once.
// Under the race detector SQLite gets 200, which take as long.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e env) {
		n := 1000
		if raceEnabled && e.engine == jobs.SQLite {
			n = 200
		}
		c := newCounter()
		var perNode [2]atomic.Int64
		nodes := make([]*jobs.Queue, 2)
		for i := range nodes {
			q := MustOpen(t, e, e.open(t))
			q.Handle("test.many", func(ctx context.Context, key string) error {
				perNode[i].Add(1)
				return c.handle(ctx, key)
			})
			nodes[i] = q
		}
		start := time.Now()
		for _, q := range nodes {
			mustStart(t, q)
		}
		var wg sync.WaitGroup
		for i, q := range nodes {
			wg.Go(func() {
				for k := i; k < n; k += len(nodes) {
					if err := q.Enqueue(context.Background(), "test.many", fmt.Sprintf("req_%04d", k)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		enqueued := time.Since(start)
		waitFor(t, 90*time.Second, "all jobs", func() bool { return c.n.Load() >= int64(n) })
		elapsed := time.Since(start)
		time.Sleep(200 * time.Millisecond) // let a duplicate, if any, show up

		c.mu.Lock()
		defer c.mu.Unlock()
		for k := range n {
			if got := c.runs[fmt.Sprintf("req_%04d", k)]; got != 1 {
				t.Errorf("req_%04d ran %d times, want 1", k, got)
			}
		}
		if len(c.runs) != n {
			t.Errorf("%d distinct keys ran, want %d", len(c.runs), n)
		}
		t.Logf("%s: %d jobs on 2 nodes (%d + %d): enqueued in %s, all run in %s (%.0f jobs/s)",
			e.engine, n, perNode[0].Load(), perNode[1].Load(),
			enqueued.Round(time.Millisecond), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	})
}

// TestThroughput logs how fast one Queue with the default 4 workers works
// through 1,000 no-op jobs already stored. It asserts nothing about time.
func TestThroughput(t *testing.T) {
	if raceEnabled {
		t.Skip("timings under the race detector say nothing")
	}
	t.Parallel()
	const n = 1000
	eachEngine(t, func(t *testing.T, e env) {
		q := MustOpen(t, e, e.open(t))
		var done atomic.Int64
		q.Handle("test.noop", func(context.Context, string) error { done.Add(1); return nil })
		start := time.Now()
		for k := range n {
			mustEnqueue(t, q, "test.noop", fmt.Sprintf("req_%04d", k))
		}
		enqueued := time.Since(start)
		start = time.Now()
		mustStart(t, q)
		waitFor(t, 90*time.Second, "all jobs", func() bool { return done.Load() >= n })
		worked := time.Since(start)
		t.Logf("%s: enqueue %d one by one: %s (%.0f/s); work them: %s (%.0f jobs/s)",
			e.engine, n, enqueued.Round(time.Millisecond), n/enqueued.Seconds(),
			worked.Round(time.Millisecond), n/worked.Seconds())
	})
}
