package audience_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
	"github.com/vernhq/vern/loadgen"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/sqlite"
)

// benchFixture opens, and on first use builds, a SQLite file with
// VERN_BENCH_PEOPLE people (default 10,000) from loadgen's synthetic CSV
// (every person an email, half a phone, a third an organisation), nine in
// ten of whom consented to remarketing. With VERN_BENCH_DIR the file is
// kept there and reused by later runs of the same size.
func benchFixture(b *testing.B) (*fixture, int) {
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
	path := filepath.Join(dir, fmt.Sprintf("audience-%d.db", n))
	_, statErr := os.Stat(path)
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	f := newFixture(b, db)
	if statErr == nil {
		if c, err := db.CountPeople(context.Background()); err == nil && c >= n {
			return f, n
		}
	}
	start := time.Now()
	seedBench(b, f, n, dir)
	b.Logf("built %d people in %s", n, time.Since(start).Round(time.Second))
	return f, n
}

func seedBench(b *testing.B, f *fixture, n int, dir string) {
	ctx := context.Background()
	csvPath := filepath.Join(dir, fmt.Sprintf("audience-people-%d.csv", n))
	out, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(csvPath)
	defer out.Close()
	if err := loadgen.WritePeopleCSV(out, n, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := out.Seek(0, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := f.people.Import(ctx, out, person.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		emails := make([]string, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			if i%10 != 0 {
				emails = append(emails, "person-"+strconv.Itoa(i)+"@example.test")
			}
		}
		ids, err := f.people.PersonIDsByEmails(ctx, emails)
		if err != nil {
			b.Fatal(err)
		}
		at := f.clock.Now().Add(-24 * time.Hour)
		err = f.store.InTx(ctx, func(tx vern.Store) error {
			for _, id := range ids {
				e := &vern.ConsentEvent{ID: vern.NewID("evt", at), PersonID: id, Kind: vern.EventConsentGranted, Purpose: "remarketing",
					PolicyVersion: "2023-06-27", Channel: vern.ChannelWebForm, Actor: "public:web_form", At: at}
				e.Seal(nil)
				if err := tx.AppendConsentEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, _, err := f.svc.Define(ctx, &vern.Audience{Name: "prospects", Purpose: "remarketing"}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExportGoogle exports the whole registry as a Google Customer
// Match file: read, decide, check suppression, decrypt, hash, write, and
// record a disclosure per member. The target is under 10 s for
// 1,000,000 people on SQLite.
func BenchmarkExportGoogle(b *testing.B) {
	f, n := benchFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rep, err := f.svc.Export(ctx, "prospects", io.Discard, audience.ExportOptions{Format: "google", Actor: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if want := n - (n+9)/10; rep.People != want {
			b.Fatalf("exported %d people, want %d", rep.People, want)
		}
	}
	b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "people/s")
}
