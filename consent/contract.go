package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/pii"
)

// ContractInput records a contract relation with a person.
type ContractInput struct {
	Email     string     `json:"email,omitempty" maxLength:"320"`
	PersonID  string     `json:"person_id,omitempty" maxLength:"64"`
	Reference string     `json:"reference,omitempty" maxLength:"200" doc:"The order, agreement or customer number: no personal data."`
	StartedAt *time.Time `json:"started_at,omitempty" doc:"When the contract began; now when absent."`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

// AddContract records a contract; while it is in force, purposes resting on
// a contract may use the person. Returns EINVALID and ENOTFOUND.
func (s *Service) AddContract(ctx context.Context, in ContractInput) (*vern.Contract, error) {
	var fs vern.Fields
	if f, found := pii.Find(in.Reference); found {
		fs.Add("reference", string(f.Kind), "Contains "+f.Kind.Description("en")+", which Vern never stores (privacy policy S5).")
	}
	now := s.clock.Now()
	c := &vern.Contract{ID: vern.NewID("con", now), Reference: in.Reference, StartedAt: now, CreatedAt: now}
	if in.StartedAt != nil {
		c.StartedAt = in.StartedAt.UTC()
	}
	if in.EndedAt != nil {
		end := in.EndedAt.UTC()
		if !end.After(c.StartedAt) {
			fs.Add("ended_at", "before_start", "A contract must end after it starts.")
		}
		c.EndedAt = &end
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	personID, err := s.resolve(ctx, in.Email, in.PersonID)
	if err != nil {
		return nil, err
	}
	c.PersonID = personID
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		if err := tx.CreateContract(ctx, c); err != nil {
			return err
		}
		return tx.NotifyChange(ctx, vern.TopicLedger, personID)
	})
	if err != nil {
		return nil, fmt.Errorf("add contract: %w", err)
	}
	s.cache.Drop(personID)
	return c, nil
}

// EndContract ends a contract at the given time (now when zero) and
// returns its person's id. Returns ENOTFOUND.
func (s *Service) EndContract(ctx context.Context, id string, at time.Time) (string, error) {
	if at.IsZero() {
		at = s.clock.Now()
	}
	var personID string
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		var err error
		if personID, err = tx.EndContract(ctx, id, at.UTC()); err != nil {
			return err
		}
		return tx.NotifyChange(ctx, vern.TopicLedger, personID)
	})
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return "", err
	} else if err != nil {
		return "", fmt.Errorf("end contract: %w", err)
	}
	s.cache.Drop(personID)
	return personID, nil
}
