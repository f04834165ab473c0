package consent

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vernhq/vern"
)

// maxCached bounds the state cache; past it the cache starts over.
const maxCached = 1 << 20

// stateCache keeps folded ledger states by person id, so that a decision
// over a hot set needs no store read. It is only used while the change feed
// is listening: every append on any node announces the person, and the
// announcement drops the entry. Without a feed there is no cache.
type stateCache struct {
	live atomic.Bool
	// invalidations counts every dropped entry. A state loaded from the
	// store is kept only if no invalidation happened while it was loaded,
	// so a slow load can never put back a state that a change superseded.
	invalidations atomic.Uint64

	mu     sync.RWMutex
	states map[string]State
}

func (c *stateCache) get(personID string) (State, bool) {
	if !c.live.Load() {
		return State{}, false
	}
	c.mu.RLock()
	st, ok := c.states[personID]
	c.mu.RUnlock()
	return st, ok
}

func (c *stateCache) put(personID string, st State, seenInvalidations uint64) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.invalidations.Load() != seenInvalidations {
		return
	}
	if c.states == nil || len(c.states) >= maxCached {
		c.states = make(map[string]State)
	}
	c.states[personID] = st
}

func (c *stateCache) drop(personID string) {
	c.mu.Lock()
	c.invalidations.Add(1)
	delete(c.states, personID)
	c.mu.Unlock()
}

func (c *stateCache) reset(live bool) {
	c.mu.Lock()
	c.invalidations.Add(1)
	c.states = nil
	c.live.Store(live)
	c.mu.Unlock()
}

// Run keeps the decision cache coherent with every node's writes until ctx
// ends: it listens to the store's change feed and, whenever the feed fails,
// turns the cache off (answers then come from the store) and listens again.
func (s *Service) Run(ctx context.Context) {
	vern.FollowChanges(ctx, s.store, vern.TopicLedger, s.cache.reset, s.cache.drop, func(err error) {
		if s.log != nil {
			s.log.Error("consent change feed stopped; decisions read the store until it is back", "error", err.Error())
		}
	})
}

// state returns a person's folded ledger and contracts, from the cache
// when it is live.
func (s *Service) state(ctx context.Context, personID string) (State, error) {
	if st, ok := s.cache.get(personID); ok {
		return st, nil
	}
	seen := s.cache.invalidations.Load()
	events, err := s.store.FindConsentEvents(ctx, personID)
	if err != nil {
		return State{}, err
	}
	contracts, err := s.store.FindContractsOfPeople(ctx, []string{personID})
	if err != nil {
		return State{}, err
	}
	st := Fold(events)
	st.Contracts = contracts[personID]
	s.cache.put(personID, st, seen)
	return st, nil
}

// DecidePerson answers whether purpose may use the person with the given
// id now: the hot path of a mail-send loop that already holds ids. Returns
// EINVALID for an unknown purpose; an unknown id is denied as unknown_person.
func (s *Service) DecidePerson(ctx context.Context, personID, purpose string) (Decision, error) {
	p, _ := s.policy.Current()
	st, ok := s.cache.get(personID)
	if !ok {
		if _, known := p.Purpose(purpose); !known {
			return Decide(p, purpose, State{}, Facts{})
		}
		if err := s.people.PersonExists(ctx, personID); vern.ErrorCode(err) == vern.ENOTFOUND {
			return Decide(p, purpose, State{}, Facts{})
		} else if err != nil {
			return Decision{}, err
		}
		var err error
		if st, err = s.state(ctx, personID); err != nil {
			return Decision{}, err
		}
	}
	return Decide(p, purpose, st, s.facts(st, s.clock.Now()))
}
