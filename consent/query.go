package consent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

// PurposeState is one purpose's standing for a person.
type PurposeState struct {
	Purpose  string   `json:"purpose"`
	Basis    []string `json:"legal_basis"`
	Decision Decision `json:"decision"`
}

// PersonState is a person's ledger: the standing per purpose and the full
// history with its evidence.
type PersonState struct {
	PersonID   string               `json:"person_id"`
	Restricted bool                 `json:"restricted"`
	Objections []string             `json:"objections"`
	Purposes   []PurposeState       `json:"purposes"`
	History    []*vern.ConsentEvent `json:"history"`
}

// State returns a person's standing for every purpose of the policy in
// force, and their history. Returns ENOTFOUND.
func (s *Service) State(ctx context.Context, personID string) (*PersonState, error) {
	if err := s.people.PersonExists(ctx, personID); err != nil {
		return nil, err
	}
	events, err := s.store.FindConsentEvents(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("find consent events: %w", err)
	}
	contracts, err := s.store.FindContractsOfPeople(ctx, []string{personID})
	if err != nil {
		return nil, fmt.Errorf("find contracts: %w", err)
	}
	st := Fold(events)
	st.Contracts = contracts[personID]
	p, _ := s.policy.Current()
	out := &PersonState{PersonID: personID, Restricted: st.Restriction != nil, Objections: []string{}, History: events}
	if out.History == nil {
		out.History = []*vern.ConsentEvent{}
	}
	for k := range st.Objections {
		out.Objections = append(out.Objections, k)
	}
	for _, pu := range p.Purposes() {
		d, err := Decide(p, pu.Key, st, s.facts(st, s.clock.Now()))
		if err != nil {
			return nil, err
		}
		bases := make([]string, len(pu.LegalBasis))
		for i, b := range pu.LegalBasis {
			bases[i] = string(b)
		}
		out.Purposes = append(out.Purposes, PurposeState{Purpose: pu.Key, Basis: bases, Decision: d})
	}
	return out, nil
}

// DecideEmail answers whether purpose may use the person with email now.
// An unknown person is denied with reason unknown_person, not an error.
// Returns EINVALID for an unknown purpose or a malformed email.
func (s *Service) DecideEmail(ctx context.Context, email, purpose string) (Decision, error) {
	p, _ := s.policy.Current()
	if _, ok := p.Purpose(purpose); !ok {
		return Decide(p, purpose, State{}, Facts{})
	}
	id, err := s.people.PersonIDByEmail(ctx, email)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return Decide(p, purpose, State{}, Facts{})
	} else if err != nil {
		return Decision{}, err
	}
	st, err := s.state(ctx, id)
	if err != nil {
		return Decision{}, fmt.Errorf("find consent events: %w", err)
	}
	d, err := Decide(p, purpose, st, s.facts(st, s.clock.Now()))
	d.PersonID = id
	return d, err
}

// MaxBulk bounds one bulk decision request.
const MaxBulk = 10000

// DecideEmails answers DecideEmail for many emails, in order, with two
// store queries for the whole list. A malformed email is answered as an
// unknown person rather than failing the batch.
func (s *Service) DecideEmails(ctx context.Context, purpose string, emails []string) ([]Decision, error) {
	if len(emails) > MaxBulk {
		return nil, vern.Invalid(vern.FieldError{Field: "emails", Code: "too_many", Message: fmt.Sprintf("At most %d emails per request.", MaxBulk)})
	}
	p, _ := s.policy.Current()
	if _, ok := p.Purpose(purpose); !ok {
		_, err := Decide(p, purpose, State{}, Facts{})
		return nil, err
	}
	ids, err := s.people.PersonIDsByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	states := make(map[string]State, len(ids))
	missing := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		if st, ok := s.cache.Get(id); ok {
			states[id] = st
		} else {
			missing = append(missing, id)
		}
	}
	seen := s.cache.Version()
	events, err := s.store.FindConsentEventsOfPeople(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("find consent events: %w", err)
	}
	contracts, err := s.store.FindContractsOfPeople(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("find contracts: %w", err)
	}
	for _, id := range missing {
		st := Fold(events[id])
		st.Contracts = contracts[id]
		states[id] = st
		s.cache.Put(id, st, seen)
	}
	now := s.clock.Now()
	out := make([]Decision, len(emails))
	for i, id := range ids {
		st := states[id]
		if out[i], err = Decide(p, purpose, st, s.factsOf(id, st, now)); err != nil {
			return nil, err
		}
		out[i].PersonID = id
	}
	return out, nil
}

// VerifyReport is the outcome of walking every chain.
type VerifyReport struct {
	OK       bool    `json:"ok"`
	Checked  int     `json:"checked"`
	FirstBad *string `json:"first_bad"`
}

// Verify walks every person's chain and names the first event that does
// not follow from the one before it (an edited, removed or reordered
// record), then checks the chain of sealed checkpoints and that the newest
// one still matches the chains as they stood when it was sealed (a chain
// deleted whole or cut short). A broken checkpoint is named
// "checkpoint:<seq>".
func (s *Service) Verify(ctx context.Context) (*VerifyReport, error) {
	rep := &VerifyReport{OK: true}
	cps, err := s.store.FindLedgerCheckpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("find checkpoints: %w", err)
	}
	latest, bad := checkCheckpoints(cps)
	root := vern.NewRootHasher()
	err = s.store.EachConsentChain(ctx, func(personID string, events []*vern.ConsentEvent) error {
		if i := vern.VerifyChain(events); i >= 0 {
			id := events[i].ID
			rep.OK, rep.FirstBad = false, &id
			rep.Checked += i + 1
			return errStop
		}
		rep.Checked += len(events)
		if latest != nil {
			root.AddChain(events, latest.At)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	if !rep.OK {
		return rep, nil
	}
	if bad == "" && latest != nil && (string(root.Sum()) != string(latest.Root) || root.Chains != latest.Chains || root.Events != latest.Events) {
		bad = fmt.Sprintf("checkpoint:%d", latest.Seq)
	}
	if bad != "" {
		rep.OK, rep.FirstBad = false, &bad
		return rep, nil
	}
	rep.Checked += len(cps)
	if s.trails != nil {
		checked, firstBad, err := s.trails.Verify(ctx)
		if err != nil {
			return nil, fmt.Errorf("verify access trail: %w", err)
		}
		rep.Checked += checked
		if firstBad != "" {
			rep.OK, rep.FirstBad = false, &firstBad
		}
	}
	return rep, nil
}

// TrailVerifier checks other hash-chained records, such as the access
// trail, so that one verification covers everything tamper-evident.
type TrailVerifier interface {
	Verify(ctx context.Context) (checked int, firstBad string, err error)
}

// SetTrailVerifier adds v to Verify.
func (s *Service) SetTrailVerifier(v TrailVerifier) { s.trails = v }

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop = stopError{}

// factsOf gives the Facts of a person in a bulk answer; "" is unknown.
func (s *Service) factsOf(id string, st State, now time.Time) Facts {
	if id == "" {
		return Facts{}
	}
	return s.facts(st, now)
}

// facts are the Facts of a known person's state at now, with the
// policy's consent renewals.
func (s *Service) facts(st State, now time.Time) Facts {
	f := st.facts(now)
	if r, ok := s.policy.(Renewals); ok {
		f.Renewals = r
	}
	return f
}
