package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/loadgen"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
)

// TestBuildRetentionBench builds the data of the issue 5 benchmark in a
// data folder (VERN_BENCH_RETENTION_DIR, SQLite) or, with
// VERN_BENCH_RETENTION_DB also set, in that PostgreSQL database with the
// folder's master key: VERN_BENCH_PEOPLE people (default 1,000,000), of
// whom every tenth was collected 30 months ago and is due under the
// prospects rule (24 months after the last interaction) and the rest one
// month ago. Every fifth person has newsletter consent: granted (and kept)
// for the recent, granted and withdrawn two years ago for the old, so
// both the consent and the withdrawal paths are read. Skipped unless the
// variable is set; see docs/BENCHMARKS.md.
func TestBuildRetentionBench(t *testing.T) {
	dir := os.Getenv("VERN_BENCH_RETENTION_DIR")
	if dir == "" {
		t.Skip("VERN_BENCH_RETENTION_DIR not set")
	}
	n := 1_000_000
	if v := os.Getenv("VERN_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Data = dir
	cfg.DatabaseURL = os.Getenv("VERN_BENCH_RETENTION_DB")
	app, err := openApp(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Policy.Load(ctx, policy.Seed()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	old, recent := now.AddDate(0, -30, 0), now.AddDate(0, -1, 0)
	clock := mock.NewClock(old)
	people := person.New(app.Store, app.Keys, clock)

	var all bytes.Buffer
	if err := loadgen.WritePeopleCSV(&all, n, 1); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(all.Bytes(), []byte("\n"))
	header, rows := lines[0], lines[1:]
	if len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	start := time.Now()
	cut := len(rows) / 10
	for _, part := range []struct {
		rows [][]byte
		at   time.Time
	}{{rows[:cut], old}, {rows[cut:], recent}} {
		clock.Set(part.at)
		f := bytes.NewBuffer(append([]byte(nil), header...))
		for _, r := range part.rows {
			f.Write(r)
		}
		if _, err := people.Import(ctx, bytes.NewReader(f.Bytes()), person.ImportOptions{Reference: "bench"}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("imported %d people in %s", n, time.Since(start).Round(time.Second))

	// Newsletter consent for every fifth person, appended in batches.
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		var emails []string
		for i := lo; i < min(lo+batch, n); i += 5 {
			emails = append(emails, "person-"+strconv.Itoa(i)+"@example.test")
		}
		ids, err := people.PersonIDsByEmails(ctx, emails)
		if err != nil {
			t.Fatal(err)
		}
		err = app.Store.InTx(ctx, func(tx vern.Store) error {
			for k, id := range ids {
				if id == "" {
					continue
				}
				i := lo + 5*k
				at := recent.Add(time.Hour)
				kinds := []string{vern.EventConsentGranted}
				if i < cut {
					at = now.AddDate(-2, 0, 0)
					kinds = append(kinds, vern.EventConsentWithdrawn)
				}
				var prev *vern.ConsentEvent
				for j, kind := range kinds {
					e := &vern.ConsentEvent{ID: vern.NewID("evt", at), PersonID: id, Kind: kind, Purpose: "newsletter",
						PolicyVersion: "2023-06-27", Channel: vern.ChannelWebForm, Actor: "public:web_form", UserAgent: "Bench/1.0",
						IPPrefix: "192.0.2.0/24", At: at.Add(time.Duration(j) * time.Hour).Truncate(time.Microsecond)}
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
			t.Fatal(err)
		}
	}
	t.Logf("built %d people (%d due) in %s", n, cut, time.Since(start).Round(time.Second))
}
