package consent

import (
	"context"

	"github.com/vernhq/vern"
)

// maxCached bounds the decision cache (Service.cache), which keeps folded
// ledger states by person id so that a decision over a hot set needs no
// store read. Every append on any node announces the person on
// vern.TopicLedger, which drops the entry.
const maxCached = 1 << 20

// Run keeps the decision cache coherent with every node's writes until ctx
// ends: it listens to the store's change feed and, whenever the feed fails,
// turns the cache off (answers then come from the store) and listens again.
func (s *Service) Run(ctx context.Context) {
	s.cache.Follow(ctx, s.store, vern.TopicLedger, nil, func(err error) {
		if s.log != nil {
			s.log.Error("consent change feed stopped; decisions read the store until it is back", "error", err.Error())
		}
	})
}

// WaitFollowing waits until Run has the decision cache following the
// change feed, or ctx ends.
func (s *Service) WaitFollowing(ctx context.Context) error {
	return vern.WaitFollowing(ctx, s.cache)
}

// state returns a person's folded ledger and contracts, from the cache
// when it is live.
func (s *Service) state(ctx context.Context, personID string) (State, error) {
	if st, ok := s.cache.Get(personID); ok {
		return st, nil
	}
	seen := s.cache.Version()
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
	s.cache.Put(personID, st, seen)
	return st, nil
}

// DecidePerson answers whether purpose may use the person with the given
// id now: the hot path of a mail-send loop that already holds ids. Returns
// EINVALID for an unknown purpose; an unknown id is denied as unknown_person.
func (s *Service) DecidePerson(ctx context.Context, personID, purpose string) (Decision, error) {
	p, _ := s.policy.Current()
	st, ok := s.cache.Get(personID)
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
