package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/postgres"
	"github.com/vernhq/vern/sqlite"
	"github.com/vernhq/vern/storetest"
)

// auditStore is a store with the trail, asserted so that these tests run
// before and after vern.Store embeds vern.AuditStore.
func auditStore(t *testing.T, s vern.Store) audit.Store {
	t.Helper()
	as, ok := s.(audit.Store)
	if !ok {
		t.Fatalf("%T keeps no access trail", s)
	}
	return as
}

func newRecorder(t *testing.T, s audit.Store) *audit.Recorder {
	t.Helper()
	return audit.New(s, vern.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// runRecorder runs r in the background until the test ends.
func runRecorder(t *testing.T, r *audit.Recorder) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// checkTrail checks that each person's trail is intact, and holds each
// writer's records (request id "<writer>/<n>") complete and in order.
func checkTrail(t *testing.T, r *audit.Recorder, people []string, writers, perWriter int) {
	t.Helper()
	for _, p := range people {
		recs, err := r.Trail(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if i := vern.VerifyAccessChain(recs); i != -1 {
			t.Fatalf("VerifyAccessChain(%s) = %d, want -1", p, i)
		}
		next := map[string]int{}
		for _, a := range recs {
			w, n, _ := strings.Cut(a.RequestID, "/")
			if want := fmt.Sprint(next[w]); n != want {
				t.Fatalf("%s: writer %s record %s, want %s: out of order or missing", p, w, n, want)
			}
			next[w]++
		}
		if len(recs) != writers*perWriter {
			t.Fatalf("%s has %d records, want %d", p, len(recs), writers*perWriter)
		}
	}
}

func TestRecordConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		r := newRecorder(t, auditStore(t, s))
		runRecorder(t, r)
		people := []string{"per_a", "per_b", "per_c"}
		const writers, perWriter = 16, 150
		var wg sync.WaitGroup
		for g := range writers {
			wg.Go(func() {
				for i := range perWriter {
					for _, p := range people {
						r.Record(audit.Access{PersonID: p, Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person",
							RequestID: fmt.Sprintf("w%02d/%d", g, i), Fields: []string{"email", "last_name"}})
					}
				}
			})
		}
		wg.Wait()
		if err := r.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkTrail(t, r, people, writers, perWriter)
		checked, bad, err := r.Verify(t.Context())
		if err != nil || bad != "" || checked != len(people)*writers*perWriter {
			t.Fatalf("Verify = %d, %q, %v; want %d, \"\", nil", checked, bad, err, len(people)*writers*perWriter)
		}
		if r.Dropped() != 0 || r.Pending() != 0 {
			t.Fatalf("Dropped = %d, Pending = %d, want 0, 0", r.Dropped(), r.Pending())
		}
	})
}

// TestTwoNodes has two recorders on two connections to one database append
// to the same people's trails at once: on PostgreSQL their batches conflict
// and one retries, on SQLite they queue for the file's lock. Every record
// lands, and the trails stay linear.
func TestTwoNodes(t *testing.T) {
	for _, backend := range []struct {
		name string
		open func(t *testing.T) (audit.Store, audit.Store)
	}{
		{"sqlite", func(t *testing.T) (audit.Store, audit.Store) {
			path := filepath.Join(t.TempDir(), "vern.db")
			return auditStore(t, openSQLite(t, path)), auditStore(t, openSQLite(t, path))
		}},
		{"postgres", func(t *testing.T) (audit.Store, audit.Store) {
			url := testdb.PostgresSchemaURL(t)
			return auditStore(t, openPostgres(t, url)), auditStore(t, openPostgres(t, url))
		}},
	} {
		t.Run(backend.name, func(t *testing.T) {
			s1, s2 := backend.open(t)
			nodes := []*audit.Recorder{newRecorder(t, s1), newRecorder(t, s2)}
			people := []string{"per_a", "per_b"}
			const rounds, perRound = 40, 10
			// Each round both nodes flush at the same moment, so their
			// batches collide; the loser retries while the winner waits
			// for the round to end.
			start, end := make([]sync.WaitGroup, rounds), make([]sync.WaitGroup, rounds)
			for i := range rounds {
				start[i].Add(len(nodes))
				end[i].Add(len(nodes))
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(nodes)*rounds)
			for n, r := range nodes {
				wg.Go(func() {
					for i := range rounds {
						for j := range perRound {
							for _, p := range people {
								r.Record(audit.Access{PersonID: p, Actor: fmt.Sprintf("token:node%d", n), Action: vern.AccessUpdate,
									Operation: "update-person", RequestID: fmt.Sprintf("node%d/%d", n, i*perRound+j), Fields: []string{"phone"}})
							}
						}
						start[i].Done()
						start[i].Wait()
						if err := r.Flush(t.Context()); err != nil {
							errs <- fmt.Errorf("node %d round %d: %w", n, i, err)
						}
						end[i].Done()
						end[i].Wait()
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			checkTrail(t, nodes[0], people, len(nodes), rounds*perRound)
			if _, bad, err := nodes[1].Verify(t.Context()); err != nil || bad != "" {
				t.Fatalf("Verify = %q, %v", bad, err)
			}
		})
	}
}

func openSQLite(t *testing.T, path string) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T, url string) *postgres.DB {
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestNoPersonalData records what it is given: field names. A value passed
// where a name belongs is replaced, and an access that names no person or
// no known action is refused and counted, not stored.
func TestNoPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		r := newRecorder(t, auditStore(t, s))
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person",
			RequestID: "req_1", Fields: []string{"email", "ola.nordmann@example.com", "Ola Nordmann", "+4791234567"}})
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessErase, Operation: "erase-person"})
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: "peek", Operation: "get-person"})
		r.Record(audit.Access{Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person"})
		if err := r.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		recs, err := r.Trail(t.Context(), "per_a")
		if err != nil {
			t.Fatal(err)
		}
		var got [][]string
		for _, a := range recs {
			got = append(got, a.Fields)
			for _, f := range a.Fields {
				if !vern.ValidAccessField(f) {
					t.Errorf("stored field %q is not a field name", f)
				}
			}
		}
		want := [][]string{{"email", "invalid_field", "invalid_field", "invalid_field"}, nil}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("stored fields mismatch (-want +got):\n%s", diff)
		}
		if r.Dropped() != 2 {
			t.Fatalf("Dropped = %d, want 2", r.Dropped())
		}
		var n int
		if err := s.(rawDB).SQL().QueryRow(`SELECT COUNT(*) FROM access_records WHERE fields LIKE '%@%' OR fields LIKE '%Ola%' OR fields LIKE '%4791%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d stored records hold a value", n)
		}
	})
}

type rawDB interface{ SQL() *sql.DB }

// TestVerifyCatchesEditedRows edits a stored record directly in the
// database and checks that Verify names it.
func TestVerifyCatchesEditedRows(t *testing.T) {
	for _, backend := range []struct {
		name  string
		open  func(t *testing.T) vern.Store
		query string
	}{
		{"sqlite", func(t *testing.T) vern.Store { return testdb.SQLite(t) }, `UPDATE access_records SET actor = 'token:someone_else' WHERE id = ?`},
		{"postgres", func(t *testing.T) vern.Store { return testdb.Postgres(t) }, `UPDATE access_records SET actor = 'token:someone_else' WHERE id = $1`},
	} {
		t.Run(backend.name, func(t *testing.T) {
			s := backend.open(t)
			r := newRecorder(t, auditStore(t, s))
			for i := range 3 {
				for _, p := range []string{"per_a", "per_b"} {
					r.Record(audit.Access{PersonID: p, Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person", RequestID: fmt.Sprint(i)})
				}
			}
			if err := r.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			recs, err := r.Trail(t.Context(), "per_b")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.(rawDB).SQL().Exec(backend.query, recs[1].ID); err != nil {
				t.Fatal(err)
			}
			checked, bad, err := r.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if bad != recs[1].ID || checked != 3+2 {
				t.Fatalf("Verify after an edit = %d, %q; want 5, the edited %s", checked, bad, recs[1].ID)
			}
			if !strings.HasPrefix(bad, "acc_") {
				t.Fatalf("first bad = %q", bad)
			}
		})
	}
}

// flaky fails every transaction while fail is set, as an unreachable
// database would.
type flaky struct {
	audit.Store
	fail atomic.Bool
}

var errDown = errors.New("database down")

func (f *flaky) InTx(ctx context.Context, fn func(vern.Store) error) error {
	if f.fail.Load() {
		return errDown
	}
	return f.Store.InTx(ctx, fn)
}

// TestFailedFlushKeepsRecords checks that records survive a failed flush,
// in order, and are written by the next one.
func TestFailedFlushKeepsRecords(t *testing.T) {
	f := &flaky{Store: auditStore(t, testdb.SQLite(t))}
	r := newRecorder(t, f)
	rec := func(i int) {
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person", RequestID: fmt.Sprintf("w/%d", i)})
	}
	f.fail.Store(true)
	for i := range 5 {
		rec(i)
	}
	if err := r.Flush(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("Flush = %v, want %v", err, errDown)
	}
	if r.Pending() != 5 {
		t.Fatalf("Pending after a failed flush = %d, want 5", r.Pending())
	}
	for i := 5; i < 8; i++ {
		rec(i)
	}
	f.fail.Store(false)
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkTrail(t, r, []string{"per_a"}, 1, 8)
	if r.Dropped() != 0 {
		t.Fatalf("Dropped = %d, want 0", r.Dropped())
	}
}

// TestPendingIsBounded checks that a long outage drops the oldest records,
// counted, rather than growing memory without limit.
func TestPendingIsBounded(t *testing.T) {
	f := &flaky{Store: auditStore(t, testdb.SQLite(t))}
	f.fail.Store(true)
	r := newRecorder(t, f)
	const limit, extra = 100_000, 25
	for i := range limit + extra {
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person", RequestID: fmt.Sprint(i)})
	}
	if err := r.Flush(t.Context()); err == nil {
		t.Fatal("Flush on a failing store succeeded")
	}
	if r.Pending() != limit || r.Dropped() != extra {
		t.Fatalf("Pending = %d, Dropped = %d; want %d, %d", r.Pending(), r.Dropped(), limit, extra)
	}
}

// retryingStore runs every transaction twice, the first rolled back, as a
// backend may: the recorder must seal afresh on each run.
type retryingStore struct {
	audit.Store
	tx vern.Store
}

func (r retryingStore) InTx(ctx context.Context, fn func(vern.Store) error) error {
	return r.tx.InTx(ctx, fn)
}

func TestFlushRunTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		r := newRecorder(t, retryingStore{Store: auditStore(t, s), tx: storetest.Retrying(s)})
		for i := range 4 {
			for _, p := range []string{"per_a", "per_b"} {
				r.Record(audit.Access{PersonID: p, Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person", RequestID: fmt.Sprintf("w/%d", i)})
			}
			if err := r.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		checkTrail(t, r, []string{"per_a", "per_b"}, 1, 4)
	})
}

// TestRunFlushesOnStop checks that Run writes what is pending when its
// context ends, and within about 100 ms while running.
func TestRunFlushesOnStop(t *testing.T) {
	s := auditStore(t, testdb.SQLite(t))
	r := newRecorder(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	for i := range 3 {
		r.Record(audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessExport, Operation: "dsr export", RequestID: fmt.Sprintf("w/%d", i)})
	}
	cancel()
	<-done
	checkTrail(t, r, []string{"per_a"}, 1, 3)
}

func TestCompactReads(t *testing.T) {
	s := testdb.SQLite(t)
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	r := audit.New(s, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.CompactReads(time.Minute)
	read := audit.Access{PersonID: "per_a", Actor: "token:tok_1", Action: vern.AccessRead, Operation: "get-person", Fields: []string{"email"}}
	r.Record(read)
	r.Record(read)                                                                                                                    // the same read again: compacted
	r.Record(audit.Access{PersonID: "per_b", Actor: read.Actor, Action: read.Action, Operation: read.Operation, Fields: read.Fields}) // another person
	upd := read
	upd.Action = vern.AccessUpdate
	r.Record(upd)
	r.Record(upd) // writes are never compacted
	clock.Advance(61 * time.Second)
	r.Record(read) // a minute later: recorded again
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	trail, err := r.Trail(context.Background(), "per_a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range trail {
		got = append(got, a.Action)
	}
	if strings.Join(got, ",") != "read,update,update,read" {
		t.Fatalf("trail = %v, want read,update,update,read", got)
	}
}
