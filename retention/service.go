// Package retention enforces the policy's retention rules (S6): a sweep
// finds the people each rule makes due and erases them by
// crypto-shredding, in batches, each batch one transaction that also folds
// the people into anonymised statistics, writes the audit trail and
// records the sweep's progress, so an interrupted sweep resumes without
// erasing anyone twice or leaving anyone half erased.
package retention

import (
	"log/slog"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
)

// Actor names sweeps in the audit trail.
const Actor = "system:retention"

// Operation names sweeps in the audit trail.
const Operation = "retention-sweep"

// PolicySource gives the policy in force.
type PolicySource interface {
	Current() (*policy.Policy, *vern.PolicyVersion)
}

// Config holds the service's collaborators.
type Config struct {
	Store  vern.Store
	People *person.Service
	Policy PolicySource
	Clock  vern.Clock
	Log    *slog.Logger
	// BatchSize is how many people one transaction erases; 0 means 500.
	// Larger batches erase faster but hold SQLite's single writer longer.
	BatchSize int
	// PageSize is how many people one read examines; 0 means 5,000.
	PageSize int
}

// Service runs retention sweeps and reads the statistics they leave.
type Service struct {
	store  vern.Store
	people *person.Service
	policy PolicySource
	clock  vern.Clock
	log    *slog.Logger
	batch  int
	page   int
}

// New returns the retention service.
func New(c Config) *Service {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.PageSize <= 0 {
		c.PageSize = 5000
	}
	return &Service{store: c.Store, people: c.People, policy: c.Policy, clock: c.Clock, log: c.Log, batch: c.BatchSize, page: c.PageSize}
}

// Options tune one sweep.
type Options struct {
	// Progress, when set, is called after each page with the people
	// examined so far and the number of living people at the start.
	Progress func(scanned, total int)
	// ListIDs makes a dry run list up to this many person ids per rule.
	ListIDs int
}
