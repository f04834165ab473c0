package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/loadgen"
)

// These tests assert structure (counts, ordering, bounds that sleeps make
// certain), never throughput or upper timing limits, which a shared machine
// cannot promise.

// MustRun runs mix against srvURL with cfg and fails the test on error.
func MustRun(tb testing.TB, cfg loadgen.Config, mix []loadgen.Weighted, prepare func(context.Context, *loadgen.Client) error) *loadgen.Report {
	tb.Helper()
	rep, err := loadgen.Run(context.Background(), cfg, mix, prepare)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	checkOrdering(tb, rep)
	return rep
}

// checkOrdering checks what must hold of any report: percentiles in order,
// errors within counts, totals that add up.
func checkOrdering(tb testing.TB, rep *loadgen.Report) {
	tb.Helper()
	var count, errs int64
	for _, s := range append(rep.Ops, rep.Total) {
		if !(s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max) {
			tb.Errorf("%s: percentiles out of order: p50 %v p90 %v p99 %v max %v", s.Name, s.P50, s.P90, s.P99, s.Max)
		}
		if s.Errors > s.Count {
			tb.Errorf("%s: %d errors of %d requests", s.Name, s.Errors, s.Count)
		}
		var byStatus int64
		for _, n := range s.ErrorsByStatus {
			byStatus += n
		}
		if byStatus != s.Errors {
			tb.Errorf("%s: errors by status add up to %d, want %d", s.Name, byStatus, s.Errors)
		}
	}
	for _, s := range rep.Ops {
		count += s.Count
		errs += s.Errors
	}
	if count != rep.Total.Count || errs != rep.Total.Errors {
		tb.Errorf("total = %d requests %d errors, ops add up to %d and %d", rep.Total.Count, rep.Total.Errors, count, errs)
	}
}

func TestRunRequestsBound(t *testing.T) {
	f := &fakeVern{}
	srv := MustStartFake(t, f)
	var pool loadgen.Pool
	mix, err := loadgen.DefaultRegistry().Parse("people.create=1,people.match=1,people.find=2", &pool)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 4, Requests: 1000, Seed: 7}
	rep := MustRun(t, cfg, mix, pool.SeedPeople(50))

	if rep.Total.Count != 1000 || rep.Total.Errors != 0 {
		t.Errorf("total = %d requests, %d errors (%v); want 1000, 0", rep.Total.Count, rep.Total.Errors, rep.Total.ErrorsByStatus)
	}
	if got := f.requests.Load(); got != 1000+50 {
		t.Errorf("server saw %d requests, want 1050 (1000 measured + 50 seeded)", got)
	}
	if got, want := f.peopleCount(), 50+int(rep.Ops[0].Count); got != want {
		t.Errorf("server holds %d people, want %d: creates must use fresh emails", got, want)
	}
	if n := f.invalid.Load(); n != 0 {
		t.Errorf("%d request bodies broke the contract", n)
	}
	// Keep-alive: without it every request would open a connection.
	if n := f.conns.Load(); n > 1050/4 {
		t.Errorf("%d connections for 1050 requests: keep-alive is not working", n)
	}
	for _, s := range rep.Ops {
		if s.Count == 0 {
			t.Errorf("%s never ran", s.Name)
		}
	}
}

func TestRunWarmupExcluded(t *testing.T) {
	f := &fakeVern{delay: func(int64) time.Duration { return time.Millisecond }}
	srv := MustStartFake(t, f)
	mix := []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 2, Requests: 100, Warmup: 300 * time.Millisecond}
	rep := MustRun(t, cfg, mix, nil)
	if rep.Total.Count != 100 {
		t.Errorf("counted %d requests, want 100", rep.Total.Count)
	}
	// Each client sleeps 1ms per request, so the warmup must have sent some.
	if got := f.requests.Load(); got <= 100 {
		t.Errorf("server saw %d requests, want more than the 100 measured", got)
	}
}

func TestRunDurationBound(t *testing.T) {
	tests := []struct {
		name string
		fake *fakeVern
	}{
		{"answering server", &fakeVern{}},
		// In-flight requests are cancelled at the deadline, so even a server
		// that never answers cannot keep the run going.
		{"hanging server", &fakeVern{hang: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustStartFake(t, tt.fake)
			mix := []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}
			const d = 200 * time.Millisecond
			cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 3, Duration: d}
			rep := MustRun(t, cfg, mix, nil)
			if rep.Elapsed < d {
				t.Errorf("Elapsed = %v, want at least %v", rep.Elapsed, d)
			}
			if rep.Total.Errors != 0 {
				t.Errorf("%d errors (%v); requests cut by the deadline must not count", rep.Total.Errors, rep.Total.ErrorsByStatus)
			}
			if tt.fake.hang && rep.Total.Count != 0 {
				t.Errorf("counted %d requests against a server that never answers", rep.Total.Count)
			}
		})
	}
}

func TestRunErrorsByStatus(t *testing.T) {
	closed := MustStartFake(t, &fakeVern{})
	closed.Close()
	unknown := func(p *loadgen.Pool) { p.Add("bench-0-pool-999999@example.test") }
	tests := []struct {
		name string
		fake *fakeVern // nil: the closed server
		op   func(*loadgen.Pool) loadgen.Op
		want map[int]int64
	}{
		{"500 every fourth request", &fakeVern{failEvery: 4},
			func(*loadgen.Pool) loadgen.Op { return loadgen.CreatePerson{} }, map[int]int64{500: 100}},
		{"404 for an unknown person", &fakeVern{},
			func(p *loadgen.Pool) loadgen.Op { unknown(p); return loadgen.FindPersonByEmail{Pool: p} }, map[int]int64{404: 400}},
		{"201 where a match was expected", &fakeVern{},
			func(p *loadgen.Pool) loadgen.Op { unknown(p); return loadgen.MatchPerson{Pool: p} }, map[int]int64{201: 1}},
		{"no status when nothing listens", nil,
			func(*loadgen.Pool) loadgen.Op { return loadgen.CreatePerson{} }, map[int]int64{0: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := closed.URL
			if tt.fake != nil {
				url = MustStartFake(t, tt.fake).URL
			}
			var pool loadgen.Pool
			mix := []loadgen.Weighted{{Op: tt.op(&pool), Weight: 1}}
			cfg := loadgen.Config{BaseURL: url, Token: testToken, Clients: 3, Requests: 400}
			rep := MustRun(t, cfg, mix, nil)
			if diff := cmp.Diff(tt.want, rep.Ops[0].ErrorsByStatus); diff != "" {
				t.Errorf("ErrorsByStatus mismatch (-want +got):\n%s", diff)
			}
			if rep.Total.Count != 400 {
				t.Errorf("counted %d requests, want 400", rep.Total.Count)
			}
		})
	}
}

func TestRunPercentiles(t *testing.T) {
	// Every fifth request takes 200ms, the others 2ms: 20% slow means p50
	// is fast and p90, p99 and max are slow. Sleeps only set lower bounds,
	// so the fast side is checked against the slow value, with room for a
	// loaded machine's noise.
	const fast, slow = 2 * time.Millisecond, 200 * time.Millisecond
	f := &fakeVern{delay: func(n int64) time.Duration {
		if n%5 == 0 {
			return slow
		}
		return fast
	}}
	srv := MustStartFake(t, f)
	mix := []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 4, Requests: 200}
	s := MustRun(t, cfg, mix, nil).Ops[0]
	lowSlow := slow * 99 / 100 // a bucket's midpoint may sit up to 0.4% under a sample
	if s.P50 < fast*99/100 || s.P50 >= lowSlow {
		t.Errorf("p50 = %v, want in [%v, %v)", s.P50, fast, slow)
	}
	for _, p := range []time.Duration{s.P90, s.P99, s.Max} {
		if p < lowSlow {
			t.Errorf("p90, p99, max = %v, %v, %v; want all at least %v", s.P90, s.P99, s.Max, slow)
			break
		}
	}
}

func TestRunCancelled(t *testing.T) {
	srv := MustStartFake(t, &fakeVern{})
	mix := []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	cfg := loadgen.Config{BaseURL: srv.URL, Token: testToken, Clients: 2, Duration: time.Hour}
	rep, err := loadgen.Run(ctx, cfg, mix, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: err = %v, want context.Canceled", err)
	}
	if rep == nil || rep.Total.Errors != 0 {
		t.Fatalf("Run after cancel: report %+v, want the figures so far, without errors", rep)
	}
}

func TestRunRefuses(t *testing.T) {
	mix := []loadgen.Weighted{{Op: loadgen.CreatePerson{}, Weight: 1}}
	tests := []struct {
		name    string
		cfg     loadgen.Config
		mix     []loadgen.Weighted
		wantErr string
	}{
		{"remote host", loadgen.Config{BaseURL: "http://example.com", Requests: 1}, mix, "not loopback"},
		{"no bound", loadgen.Config{BaseURL: "http://127.0.0.1:1"}, mix, "no bound"},
		{"empty mix", loadgen.Config{BaseURL: "http://127.0.0.1:1", Requests: 1}, nil, "empty"},
		{"zero weight", loadgen.Config{BaseURL: "http://127.0.0.1:1", Requests: 1},
			[]loadgen.Weighted{{Op: loadgen.CreatePerson{}}}, "weight 0"},
		{"repeated op", loadgen.Config{BaseURL: "http://127.0.0.1:1", Requests: 1},
			append(mix, mix...), "repeated"},
		{"empty pool", loadgen.Config{BaseURL: "http://127.0.0.1:1", Requests: 1},
			[]loadgen.Weighted{{Op: loadgen.FindPersonByEmail{Pool: &loadgen.Pool{}}, Weight: 1}}, "pool of people is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadgen.Run(context.Background(), tt.cfg, tt.mix, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		baseURL     string
		allowRemote bool
		wantErr     bool
	}{
		{"http://127.0.0.1:8080", false, false},
		{"http://127.8.9.10", false, false},
		{"https://localhost:8443/", false, false},
		{"http://LOCALHOST:8080", false, false},
		{"http://[::1]:8080", false, false},
		{"http://example.com", false, true},
		{"http://10.0.0.1:8080", false, true},
		{"http://[2001:db8::1]:8080", false, true},
		{"http://127.0.0.1.example.com", false, true},
		{"http://0.0.0.0:8080", false, true},
		{"ftp://127.0.0.1", false, true},
		{"127.0.0.1:8080", false, true},
		{"http://", false, true},
		{"http://example.com", true, false},
		{"https://10.0.0.1:8443", true, false},
		{"ftp://example.com", true, true},
	}
	for _, tt := range tests {
		cfg := loadgen.Config{BaseURL: tt.baseURL, AllowRemote: tt.allowRemote, Requests: 1}
		if err := cfg.Validate(); (err != nil) != tt.wantErr {
			t.Errorf("Validate(%q, AllowRemote=%v) = %v, want error: %v", tt.baseURL, tt.allowRemote, err, tt.wantErr)
		}
	}
}

// healthOp is the cheapest request there is, for measuring the tool itself.
type healthOp struct{}

func (healthOp) Name() string { return "healthz" }

func (healthOp) Do(ctx context.Context, c *loadgen.Client, _ *rand.Rand) error {
	_, err := c.GetJSON(ctx, "/healthz", nil)
	return err
}

// BenchmarkRun measures the rate the tool drives against a trivial handler
// in the same process, so tool and server share the CPUs: the figure is a
// lower bound on what the tool alone can drive. Run it with
// go test -run '^$' -bench Run ./loadgen/
func BenchmarkRun(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	}))
	b.Cleanup(srv.Close)
	for _, clients := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			cfg := loadgen.Config{BaseURL: srv.URL, Clients: clients, Requests: max(b.N, clients)}
			b.ResetTimer()
			rep, err := loadgen.Run(context.Background(), cfg, []loadgen.Weighted{{Op: healthOp{}, Weight: 1}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(rep.Total.PerSecond, "req/s")
			b.ReportMetric(float64(rep.Total.P99.Microseconds()), "p99-µs")
		})
	}
}
