// Package loadgen drives Vern's HTTP API with concurrent clients and reports
// throughput and latency per operation.
//
// A run is a mix of operations (Op), each one request, chosen per request by
// weight. Adding an operation means writing its Do method and adding it to a
// Registry; see people.go for the people registry's operations.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config bounds and addresses a run.
type Config struct {
	// BaseURL is the server's address, such as http://127.0.0.1:8080. Unless
	// AllowRemote is set it must be http(s) on a loopback host (127.0.0.0/8,
	// ::1 or localhost): a load test must never hit a foreign host by
	// accident.
	BaseURL string
	// AllowRemote lifts the loopback restriction on BaseURL, for a
	// deliberate test against a staging host.
	AllowRemote bool
	// Token is the admin bearer token.
	Token string
	// Clients is the number of concurrent clients; 0 means 16.
	Clients int
	// Duration stops the measured run after this long; 0 means no time
	// bound. The warmup comes on top.
	Duration time.Duration
	// Requests stops the run after this many measured requests in total; 0
	// means no count bound. At least one of Duration and Requests is
	// required, and when both are set the first one reached ends the run.
	Requests int
	// Warmup runs the mix for this long before measuring; its requests are
	// excluded from the figures and from the Requests count.
	Warmup time.Duration
	// Timeout bounds each request, so a hung server cannot hang a run bound
	// only by Requests; 0 means 30s. A request that times out is an error.
	Timeout time.Duration
	// Seed makes the synthetic data, and the choice of operations,
	// deterministic per client.
	Seed int64
}

// Defaults applied by Run to zero Config fields.
const (
	DefaultClients = 16
	DefaultTimeout = 30 * time.Second
)

// Op is one kind of request. Do sends one request and returns nil if the
// response was the expected one; any error is counted against the operation,
// under the status code of a *StatusError or else under 0. Do must be safe
// for concurrent use: one Op serves every client. It must not log or print
// personal data.
//
// An Op that depends on prepared state (such as a Pool of people to look up)
// may also have a method Ready() error; Run calls it after prepare and
// refuses to start the clock if it fails, rather than report a run of
// nothing but errors.
type Op interface {
	// Name identifies the operation in reports and mix specs, such as
	// "people.find".
	Name() string
	// Do sends one request with c, drawing any random choices from rng,
	// which belongs to the calling client.
	Do(ctx context.Context, c *Client, rng *rand.Rand) error
}

// Weighted is an operation and its share of the mix: each request picks Op
// with probability Weight / (sum of all weights).
type Weighted struct {
	Op     Op
	Weight int
}

// Validate reports whether cfg describes a run that may start, and whether
// BaseURL is one it may send load to.
func (cfg Config) Validate() error {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return fmt.Errorf("base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("base URL %q: scheme must be http or https", cfg.BaseURL)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("base URL %q: no host", cfg.BaseURL)
	}
	if !cfg.AllowRemote && !isLoopback(u.Hostname()) {
		return fmt.Errorf("base URL %q: host is not loopback (127.0.0.0/8, ::1, localhost); set AllowRemote to load a remote host", cfg.BaseURL)
	}
	switch {
	case cfg.Clients < 0:
		return fmt.Errorf("clients %d: must not be negative", cfg.Clients)
	case cfg.Duration < 0 || cfg.Warmup < 0 || cfg.Timeout < 0:
		return errors.New("duration, warmup and timeout must not be negative")
	case cfg.Requests < 0:
		return fmt.Errorf("requests %d: must not be negative", cfg.Requests)
	case cfg.Duration == 0 && cfg.Requests == 0:
		return errors.New("no bound: set a duration, a request count or both")
	}
	return nil
}

// isLoopback reports whether host names this machine. "localhost" is taken
// on trust, as /etc/hosts and RFC 6761 make it loopback; any other name is
// refused rather than resolved, since resolution could change under us.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run prepares the server with prepare (which may be nil), then runs mix
// with cfg.Clients concurrent clients until a bound in cfg is reached, and
// reports the requests that started after the warmup. Requests still in
// flight when the time bound passes are cancelled and not counted.
//
// If ctx is cancelled during the run, Run returns the figures gathered so
// far together with ctx.Err(), so that a command interrupted by the user can
// still print them.
func Run(ctx context.Context, cfg Config, mix []Weighted, prepare func(ctx context.Context, c *Client) error) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cum, err := validateMix(mix)
	if err != nil {
		return nil, err
	}
	if cfg.Clients == 0 {
		cfg.Clients = DefaultClients
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	base, _ := url.Parse(cfg.BaseURL) // Validate parsed it
	hc := newHTTPClient(base, cfg.Clients, cfg.Timeout)
	defer hc.CloseIdleConnections()
	newClient := func(id int) *Client {
		return &Client{hc: hc, base: strings.TrimRight(cfg.BaseURL, "/"), token: cfg.Token, id: id, clients: cfg.Clients, seed: cfg.Seed}
	}
	if prepare != nil {
		if err := prepare(ctx, newClient(-1)); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	for _, w := range mix {
		if op, ok := w.Op.(interface{ Ready() error }); ok {
			if err := op.Ready(); err != nil {
				return nil, fmt.Errorf("operation %s: %w", w.Op.Name(), err)
			}
		}
	}
	r := runner{cum: cum, mix: mix}
	return r.run(ctx, cfg, newClient)
}

// runner is the state a run's clients share. Apart from tickets it is
// read-only while they run.
type runner struct {
	mix         []Weighted
	cum         []int
	measureFrom time.Time
	limited     bool
	// tickets counts down the measured requests still allowed. One
	// uncontended-enough atomic per request keeps the total exact, and
	// unlike a fixed share per client it lets fast clients take up the
	// slack of slow ones, so concurrency holds until the very end.
	tickets atomic.Int64
}

func (r *runner) run(ctx context.Context, cfg Config, newClient func(id int) *Client) (*Report, error) {
	r.measureFrom = time.Now().Add(cfg.Warmup)
	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, r.measureFrom.Add(cfg.Duration))
		defer cancel()
	}
	r.limited = cfg.Requests > 0
	r.tickets.Store(int64(cfg.Requests))

	stats := make([][]opCounters, cfg.Clients)
	var wg sync.WaitGroup
	for id := range cfg.Clients {
		stats[id] = make([]opCounters, len(r.mix))
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(id)))
		wg.Go(func() { r.client(runCtx, newClient(id), rng, stats[id]) })
	}
	wg.Wait()
	rep := newReport(r.mix, stats, time.Since(r.measureFrom), cfg.Clients)
	return rep, ctx.Err()
}

// client is one client's loop. It records into stats, which it owns, so the
// hot path takes no lock.
func (r *runner) client(ctx context.Context, c *Client, rng *rand.Rand, stats []opCounters) {
	done := ctx.Done()
	for {
		select {
		case <-done:
			return
		default:
		}
		start := time.Now()
		measured := !start.Before(r.measureFrom)
		if measured && r.limited && r.tickets.Add(-1) < 0 {
			return
		}
		i := pick(r.cum, rng)
		err := r.mix[i].Op.Do(ctx, c, rng)
		d := time.Since(start)
		if !measured {
			continue
		}
		if err != nil && ctx.Err() != nil {
			// Cut short by the end of the run, not failed by the server.
			return
		}
		stats[i].record(d, err)
	}
}
