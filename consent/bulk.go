package consent

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// DecidePeople answers DecidePerson for many stored people at once, in
// order, with two store queries per few thousand people not in the cache:
// the path of audience exports and mailings, which already hold the ids
// of people they streamed from the store. It also returns the Facts each
// answer rested on (a customer or not), for rules over them. Ids must be
// of stored people; an id with no ledger is decided as a person who never
// gave or refused anything.
//
// Returns EINVALID for an unknown purpose.
func (s *Service) DecidePeople(ctx context.Context, purpose string, ids []string) ([]Decision, []Facts, error) {
	p, _ := s.policy.Current()
	if _, ok := p.Purpose(purpose); !ok {
		_, err := Decide(p, purpose, State{}, Facts{})
		return nil, nil, err
	}
	states := make(map[string]State, len(ids))
	missing := make([]string, 0, len(ids))
	for _, id := range ids {
		if st, ok := s.cache.Get(id); ok {
			states[id] = st
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		seen := s.cache.Version()
		events, err := s.store.FindConsentEventsOfPeople(ctx, missing)
		if err != nil {
			return nil, nil, fmt.Errorf("find consent events: %w", err)
		}
		contracts, err := s.store.FindContractsOfPeople(ctx, missing)
		if err != nil {
			return nil, nil, fmt.Errorf("find contracts: %w", err)
		}
		for _, id := range missing {
			st := Fold(events[id])
			st.Contracts = contracts[id]
			states[id] = st
			s.cache.Put(id, st, seen)
		}
	}
	return s.decideStates(p, purpose, ids, states)
}

// DecideLoaded is DecidePeople over ledgers the caller has read itself,
// such as a whole id range at once (vern.AudienceStore.FindAudienceLedger):
// events and contracts are keyed by person id, each oldest first, and a
// person absent from events has none. Returns EINVALID for an unknown
// purpose.
func (s *Service) DecideLoaded(purpose string, ids []string, events map[string][]*vern.ConsentEvent, contracts map[string][]*vern.Contract) ([]Decision, []Facts, error) {
	p, _ := s.policy.Current()
	if _, ok := p.Purpose(purpose); !ok {
		_, err := Decide(p, purpose, State{}, Facts{})
		return nil, nil, err
	}
	states := make(map[string]State, len(ids))
	for _, id := range ids {
		st := Fold(events[id])
		st.Contracts = contracts[id]
		states[id] = st
	}
	return s.decideStates(p, purpose, ids, states)
}

func (s *Service) decideStates(p *policy.Policy, purpose string, ids []string, states map[string]State) ([]Decision, []Facts, error) {
	now := s.clock.Now()
	out := make([]Decision, len(ids))
	facts := make([]Facts, len(ids))
	for i, id := range ids {
		st := states[id]
		facts[i] = s.facts(st, now)
		d, err := Decide(p, purpose, st, facts[i])
		if err != nil {
			return nil, nil, err
		}
		d.PersonID = id
		out[i] = d
	}
	return out, facts, nil
}
