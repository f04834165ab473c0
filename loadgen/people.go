package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
)

// The people registry's operations, against POST /v1/people and
// GET /v1/people?email= (API.md). Their data is synthetic: names from the
// lists below, emails under example.test (RFC 2606, never deliverable) and
// Norwegian mobile numbers. They report counts only, never the data.

// Synthetic Norwegian names. Short lists suffice: the server matches people
// by email, and names only need to look like real input.
var (
	firstNames = []string{"Ola", "Kari", "Per", "Ingrid", "Lars", "Silje", "Nils", "Marit", "Jonas", "Hanne", "Eirik", "Solveig", "Magnus", "Ragnhild", "Sindre", "Tone", "Håkon", "Åse", "Bjørn", "Øydis"}
	lastNames  = []string{"Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Haugen", "Bakken", "Solberg", "Lie", "Dahl", "Sæther", "Strøm", "Berg", "Ødegård"}
	// mobileSecond holds the digits that may follow the leading 4 of a
	// Norwegian mobile number (40, 41, 45–48: 42–44 and 49 are not mobile
	// ranges, and libphonenumber rejects them).
	mobileSecond = []int{0, 1, 5, 6, 7, 8}
)

// seedStream separates the random streams of seeded people from those of
// the run's clients, which use the client ID as their stream.
const seedStream = 1 << 62

// ErrEmptyPool is the error of a lookup operation whose Pool holds no
// people: its run needs a prepare function such as Pool.SeedPeople.
var ErrEmptyPool = errors.New("the pool of people is empty: seed it with Pool.SeedPeople")

// errNoID reports a person in a response without an id.
var errNoID = errors.New("person in response has no id")

// Pool is the set of email addresses of people known to exist on the
// server, shared by the operations that look people up. The zero Pool is
// empty and ready to use.
type Pool struct {
	mu sync.Mutex // serialises Add
	// emails is published as a whole, so that Pick, which every lookup
	// request calls, is one atomic load rather than a shared lock.
	emails atomic.Pointer[[]string]
}

// Add adds email addresses to the pool.
func (p *Pool) Add(emails ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var cur []string
	if old := p.emails.Load(); old != nil {
		// Appending never writes inside the published length, so readers
		// of the old slice are undisturbed.
		cur = *old
	}
	cur = append(cur, emails...)
	p.emails.Store(&cur)
}

// Len returns the number of addresses in the pool.
func (p *Pool) Len() int {
	if e := p.emails.Load(); e != nil {
		return len(*e)
	}
	return 0
}

// Pick returns an address chosen uniformly by rng, or false if the pool is
// empty.
func (p *Pool) Pick(rng *rand.Rand) (string, bool) {
	e := p.emails.Load()
	if e == nil || len(*e) == 0 {
		return "", false
	}
	return (*e)[rng.IntN(len(*e))], true
}

// Ready returns ErrEmptyPool if the pool is empty.
func (p *Pool) Ready() error {
	if p.Len() == 0 {
		return ErrEmptyPool
	}
	return nil
}

// SeedPeople returns a prepare function for Run that creates n people, with
// as many concurrent requests as the run has clients, and adds their emails
// to the pool. Their addresses depend only on Config.Seed, so seeding twice
// with one seed matches the existing people (200) instead of creating more.
func (p *Pool) SeedPeople(n int) func(ctx context.Context, c *Client) error {
	return func(ctx context.Context, c *Client) error {
		if n < 0 {
			return fmt.Errorf("seed %d people: count must not be negative", n)
		}
		emails := make([]string, n)
		for i := range emails {
			emails[i] = fmt.Sprintf("bench-%d-pool-%d@example.test", c.Seed(), i)
		}
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range max(1, min(c.Clients(), n)) {
			wg.Go(func() {
				for ctx.Err() == nil {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					rng := rand.New(rand.NewPCG(uint64(c.Seed()), seedStream+uint64(i)))
					err := postPerson(ctx, c, newPerson(rng, emails[i]), http.StatusCreated, http.StatusOK)
					if err != nil {
						cancel(fmt.Errorf("seed person %d of %d: %w", i+1, n, err))
						return
					}
				}
			})
		}
		wg.Wait()
		if err := context.Cause(ctx); err != nil {
			return err
		}
		p.Add(emails...)
		return nil
	}
}

// CreatePerson is the operation people.create: it creates a new person with
// an email unique to the request, expecting 201 (or 200, when a rerun with
// the same seed finds the person already there).
type CreatePerson struct{}

// Name implements Op.
func (CreatePerson) Name() string { return "people.create" }

// Do implements Op.
func (CreatePerson) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	email := fmt.Sprintf("bench-%d-%d-%d@example.test", c.Seed(), c.ID(), c.Next())
	return postPerson(ctx, c, newPerson(rng, email), http.StatusCreated, http.StatusOK)
}

// MatchPerson is the operation people.match: it posts a person whose email
// is already in Pool, which the server must answer with the existing person
// and 200 (create-or-match).
type MatchPerson struct{ Pool *Pool }

// Name implements Op.
func (MatchPerson) Name() string { return "people.match" }

// Ready returns ErrEmptyPool if the pool is empty.
func (o MatchPerson) Ready() error { return o.Pool.Ready() }

// Do implements Op.
func (o MatchPerson) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	email, ok := o.Pool.Pick(rng)
	if !ok {
		return ErrEmptyPool
	}
	return postPerson(ctx, c, newPerson(rng, email), http.StatusOK)
}

// FindPersonByEmail is the operation people.find: it looks up a person of
// Pool by email, expecting 200.
type FindPersonByEmail struct{ Pool *Pool }

// Name implements Op.
func (FindPersonByEmail) Name() string { return "people.find" }

// Ready returns ErrEmptyPool if the pool is empty.
func (o FindPersonByEmail) Ready() error { return o.Pool.Ready() }

// Do implements Op.
func (o FindPersonByEmail) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	email, ok := o.Pool.Pick(rng)
	if !ok {
		return ErrEmptyPool
	}
	var out personOutput
	status, err := c.GetJSON(ctx, "/v1/people?email="+url.QueryEscape(email), &out)
	return check(status, err, out, http.StatusOK)
}

// personInput is the body of POST /v1/people.
type personInput struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Source    struct {
		Channel string `json:"channel"`
	} `json:"source"`
}

// personOutput is the part of a person response the operations check.
type personOutput struct {
	ID string `json:"id"`
}

// newPerson returns a synthetic person with the given email.
func newPerson(rng *rand.Rand, email string) personInput {
	p := personInput{
		FirstName: firstNames[rng.IntN(len(firstNames))],
		LastName:  lastNames[rng.IntN(len(lastNames))],
		Email:     email,
		Phone:     fmt.Sprintf("+47 4%d%06d", mobileSecond[rng.IntN(len(mobileSecond))], rng.IntN(1_000_000)),
	}
	p.Source.Channel = "api"
	return p
}

// postPerson posts p and checks the answer's status is one of want.
func postPerson(ctx context.Context, c *Client, p personInput, want ...int) error {
	var out personOutput
	status, err := c.PostJSON(ctx, "/v1/people", p, &out)
	return check(status, err, out, want...)
}

// check turns an unexpected 2xx status, or a person without an id, into an
// error; a *StatusError carries the status so that it is counted under it.
func check(status int, err error, out personOutput, want ...int) error {
	switch {
	case err != nil:
		return err
	case !slices.Contains(want, status):
		return &StatusError{Code: status}
	case out.ID == "":
		return errNoID
	}
	return nil
}
