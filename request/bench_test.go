package request_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/loadgen"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/sqlite"
)

// eventsPerPerson is the ledger depth of the benchmark data: 1,000,000
// people make 10,000,000 events, the size the issue names.
const eventsPerPerson = 10

// benchStore opens, and on first use builds, a SQLite file with
// VERN_BENCH_PEOPLE people (default 10,000), each with eventsPerPerson
// ledger events and two interactions. With VERN_BENCH_DIR the file is kept
// there and reused by later runs of the same size.
func benchStore(b *testing.B) (*fixture, int) {
	b.Helper()
	n := 10_000
	if v := os.Getenv("VERN_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("VERN_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("requests-%d.db", n))
	_, statErr := os.Stat(path)
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	f := newFixture(b, db)
	if statErr == nil {
		if c, err := db.CountPeople(context.Background()); err == nil && c >= n/2 {
			return f, n
		}
	}
	start := time.Now()
	seedBench(b, f, n, dir)
	b.Logf("built %d people with %d ledger events in %s", n, n*eventsPerPerson, time.Since(start).Round(time.Second))
	return f, n
}

func seedBench(b *testing.B, f *fixture, n int, dir string) {
	ctx := context.Background()
	csvPath := filepath.Join(dir, fmt.Sprintf("people-%d.csv", n))
	out, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := loadgen.WritePeopleCSV(out, n, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := out.Seek(0, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := f.people.Import(ctx, out, person.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	out.Close()
	os.Remove(csvPath)
	purposes := []string{"newsletter", "statistics", "remarketing"}
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		emails := make([]string, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			emails = append(emails, benchEmail(i))
		}
		ids, err := f.people.PersonIDsByEmails(ctx, emails)
		if err != nil {
			b.Fatal(err)
		}
		at := epoch.Add(-365 * 24 * time.Hour)
		err = f.store.InTx(ctx, func(tx vern.Store) error {
			for _, id := range ids {
				var prev *vern.ConsentEvent
				for k := range eventsPerPerson {
					kind := vern.EventConsentGranted
					if k%2 == 1 {
						kind = vern.EventConsentWithdrawn
					}
					e := &vern.ConsentEvent{ID: vern.NewID("evt", at), PersonID: id, Kind: kind, Purpose: purposes[(k/2)%len(purposes)],
						PolicyVersion: "2023-06-27", Channel: vern.ChannelWebForm, Actor: "public:web_form", UserAgent: "Bench/1.0",
						IPPrefix: "192.0.2.0/24", At: at.Add(time.Duration(k) * time.Hour)}
					e.Seal(prev)
					if err := tx.AppendConsentEvent(ctx, e); err != nil {
						return err
					}
					prev = e
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchEmail(i int) string { return "person-" + strconv.Itoa(i) + "@example.test" }

// BenchmarkAccessPackageJSON builds and encodes the JSON access package
// of a random person: the target is under 100 ms at 1,000,000
// people with 10,000,000 ledger events.
func BenchmarkAccessPackageJSON(b *testing.B) {
	f, n := benchStore(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	b.ResetTimer()
	for b.Loop() {
		id, err := f.people.PersonIDByEmail(ctx, benchEmail(rng.IntN(n)))
		if err != nil {
			continue // erased by BenchmarkErasure
		}
		pkg, err := f.svc.BuildPackage(ctx, id, "nb", false)
		if err != nil {
			b.Fatal(err)
		}
		if len(pkg.Consents) != eventsPerPerson {
			b.Fatalf("%d events in the package, want %d", len(pkg.Consents), eventsPerPerson)
		}
		if _, err := json.Marshal(pkg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErasure erases one person per iteration the way an erasure
// request does (delete interactions, redact the ledger, destroy the key,
// add the suppression entry) without notifications: the
// target is under 50 ms at 1,000,000 people.
func BenchmarkErasure(b *testing.B) {
	f, n := benchStore(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		id, err := f.people.PersonIDByEmail(ctx, benchEmail(rng.IntN(n)))
		b.StartTimer()
		if err != nil {
			continue // already erased
		}
		_, err = f.people.Erase(ctx, id, func(tx vern.Store, e *person.Erasure) error {
			return tx.AddSuppression(ctx, &vern.Suppression{Hash: e.EmailIndex, Reason: vern.SuppressErasure, At: epoch})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
