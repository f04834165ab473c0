package vern

import (
	"context"
	"time"
)

// Contract is a contract relation with a person (S11 b: the contract legal
// basis): while one is in force, purposes resting on a contract may use
// the person; its end is the anchor of the retention rules that count from
// the end of a contract.
type Contract struct {
	ID        string     `json:"id"`
	PersonID  string     `json:"person_id"`
	Reference string     `json:"reference,omitempty"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// InForce reports whether the contract binds at t: started and not ended.
func (c *Contract) InForce(t time.Time) bool {
	return !c.StartedAt.After(t) && (c.EndedAt == nil || c.EndedAt.After(t))
}

// ContractStore persists contracts.
type ContractStore interface {
	// CreateContract stores c. Returns ENOTFOUND for an unknown person.
	CreateContract(ctx context.Context, c *Contract) error
	// EndContract sets a contract's end and returns its person's id.
	// Returns ENOTFOUND.
	EndContract(ctx context.Context, id string, at time.Time) (personID string, err error)
	// FindContractsOfPeople returns the contracts of many people, keyed by
	// person id, oldest first; people without any are absent.
	FindContractsOfPeople(ctx context.Context, personIDs []string) (map[string][]*Contract, error)
}
