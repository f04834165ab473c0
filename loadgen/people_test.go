package loadgen_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/loadgen"
)

var createOnly = []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}

func TestSeedPeople(t *testing.T) {
	f := &fakeVern{}
	srv := MustStartFake(t, f)
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 4, Requests: 1, Seed: 3}

	var first loadgen.Pool
	MustRun(t, cfg, createOnly, first.SeedPeople(30))
	if first.Len() != 30 || f.peopleCount() != 31 {
		t.Fatalf("after seeding 30 and creating 1: pool %d, server %d people; want 30, 31", first.Len(), f.peopleCount())
	}
	// The same seed gives the same people, which the server matches.
	var second loadgen.Pool
	cfg.Requests, cfg.Seed = 1, 3
	mix := []loadgen.Weighted{{Op: loadgen.FindPersonByEmail{Pool: &second}, Weight: 1}}
	MustRun(t, cfg, mix, second.SeedPeople(30))
	if second.Len() != 30 || f.peopleCount() != 31 {
		t.Errorf("after reseeding: pool %d, server %d people; want 30, 31", second.Len(), f.peopleCount())
	}
}

func TestSeedPeopleFails(t *testing.T) {
	srv := MustStartFake(t, &fakeVern{failEvery: 7})
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 4, Requests: 1}
	var pool loadgen.Pool
	_, err := loadgen.Run(context.Background(), cfg, createOnly, pool.SeedPeople(30))
	var se *loadgen.StatusError
	if !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("Run: err = %v, want a prepare error with status 500", err)
	}
	if pool.Len() != 0 {
		t.Errorf("pool holds %d emails after a failed seeding, want 0", pool.Len())
	}
}

func TestCreatePersonDeterministic(t *testing.T) {
	// One client: with more, how many requests each sends is up to the
	// scheduler, though each client's sequence of people is fixed.
	people := func() map[string]string {
		f := &fakeVern{}
		srv := MustStartFake(t, f)
		cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 1, Requests: 20, Seed: 42}
		MustRun(t, cfg, createOnly, nil)
		return f.data
	}
	first, second := people(), people()
	if len(first) != 20 {
		t.Fatalf("created %d people, want 20", len(first))
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("two runs with one seed created different people (-first +second):\n%s", diff)
	}
}

// TestErrorsHoldNoPersonalData checks that failures report a status or a
// cause, never the email a request carried in its URL or body.
func TestErrorsHoldNoPersonalData(t *testing.T) {
	failing := MustStartFake(t, &fakeVern{failEvery: 1})
	closed := MustStartFake(t, &fakeVern{})
	closed.Close()
	var pool loadgen.Pool
	pool.Add("bench-1-pool-1@example.test")
	ops := []loadgen.Op{loadgen.FindPersonByEmail{Pool: &pool}, loadgen.MatchPerson{Pool: &pool}, loadgen.CreatePerson{}}
	for _, url := range []string{failing.URL, closed.URL} {
		var errs []error
		// A prepare function is the one place a test is handed a Client.
		probe := func(ctx context.Context, c *loadgen.Client) error {
			for _, op := range ops {
				errs = append(errs, op.Do(ctx, c, rand.New(rand.NewPCG(1, 1))))
			}
			return nil
		}
		cfg := loadgen.Config{BaseURL: url, Token: testToken, Requests: 1}
		loadgen.Run(context.Background(), cfg, createOnly, probe)
		for i, err := range errs {
			if err == nil {
				t.Errorf("%s against %s: no error", ops[i].Name(), url)
			} else if strings.Contains(err.Error(), "example.test") || strings.Contains(err.Error(), "%40") {
				t.Errorf("%s against %s: error %q holds an email", ops[i].Name(), url, err)
			}
		}
	}
}

func TestPoolConcurrent(t *testing.T) {
	var pool loadgen.Pool
	if _, ok := pool.Pick(rand.New(rand.NewPCG(1, 1))); ok {
		t.Fatal("Pick on an empty pool reported an email")
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 0))
			for range 1000 {
				pool.Add("bench-0-pool-0@example.test")
				if e, ok := pool.Pick(rng); !ok || e == "" {
					t.Error("Pick after Add found nothing")
					return
				}
			}
		})
	}
	wg.Wait()
	if pool.Len() != 4000 {
		t.Errorf("Len = %d, want 4000", pool.Len())
	}
}
