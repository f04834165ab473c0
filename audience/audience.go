// Package audience is the audience use case (S10): it keeps segment
// definitions and exports their members, hashed, in each ad platform's
// format. Every member is decided through the consent ledger for the
// audience's purpose and checked against the suppression list, so no one
// is exported whose consent is missing, withdrawn, stale, objected to or
// restricted, or who asked never to be marketed to again; and every
// export is recorded in the disclosure log, per person.
package audience

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/policy"
)

// Decider answers bulk decisions; consent.Service implements it.
type Decider interface {
	DecideLoaded(purpose string, ids []string, events map[string][]*vern.ConsentEvent, contracts map[string][]*vern.Contract) ([]consent.Decision, []consent.Facts, error)
}

// Opener decrypts a stored person's personal fields; person.Service
// implements it. It must be safe for concurrent use.
type Opener interface {
	OpenPersonal(sp *vern.SealedPerson) (vern.PersonalData, error)
}

// Service keeps audiences and exports them.
type Service struct {
	store   vern.Store
	people  Opener
	decider Decider
	policy  consent.PolicySource
	clock   vern.Clock
}

// New returns the audience service.
func New(store vern.Store, people Opener, decider Decider, pol consent.PolicySource, clock vern.Clock) *Service {
	return &Service{store: store, people: people, decider: decider, policy: pol, clock: clock}
}

// Define creates the audience a, or replaces the definition of the one
// with its name; created reports which. Returns EINVALID naming every bad
// field, including a purpose the policy does not declare.
func (s *Service) Define(ctx context.Context, a *vern.Audience) (out *vern.Audience, created bool, err error) {
	var fs vern.Fields
	if err := a.Validate(); err != nil {
		fs = vern.ErrorFields(err)
	}
	p, _ := s.policy.Current()
	if a.Purpose != "" {
		if _, ok := p.Purpose(a.Purpose); !ok {
			fs.Add("purpose", "unknown_purpose", "The policy declares no such purpose.")
		}
	}
	if err := fs.Err(); err != nil {
		return nil, false, err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	a.CreatedAt, a.UpdatedAt = now, now
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		old, err := tx.FindAudience(ctx, a.Name)
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			created = true
			return tx.CreateAudience(ctx, a)
		} else if err != nil {
			return err
		}
		created = false
		a.CreatedAt = old.CreatedAt
		return tx.UpdateAudience(ctx, a)
	})
	if err != nil {
		return nil, false, fmt.Errorf("define audience: %w", err)
	}
	return a, created, nil
}

// Find returns the audience named name. Returns ENOTFOUND.
func (s *Service) Find(ctx context.Context, name string) (*vern.Audience, error) {
	return s.store.FindAudience(ctx, name)
}

// List returns every audience by name.
func (s *Service) List(ctx context.Context) ([]*vern.Audience, error) {
	return s.store.FindAudiences(ctx)
}

// Exports returns an audience's exports, newest first.
func (s *Service) Exports(ctx context.Context, name string) ([]*vern.AudienceExport, error) {
	return s.store.FindAudienceExports(ctx, name)
}

// recipientFor checks that the policy lets recipient receive data for the
// purpose (S7): an export to anyone else is refused.
func recipientFor(p *policy.Policy, purpose, recipient string) error {
	r, ok := p.Recipient(recipient)
	if !ok {
		return vern.Invalid(vern.FieldError{Field: "recipient", Code: "unknown_recipient", Message: "The policy declares no such recipient."})
	}
	if !slices.Contains(r.Purposes, purpose) {
		return vern.Invalid(vern.FieldError{Field: "recipient", Code: "not_for_purpose", Message: "The policy does not share data with this recipient for the audience's purpose."})
	}
	return nil
}
