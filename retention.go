package vern

import (
	"context"
	"time"
)

// RetentionFacts is what a retention sweep needs to know about one living
// person to decide whether a rule makes their data due (S6): the anchors
// the policy's rules count from. It holds no personal data: ids, times,
// counts, the source channel and purpose keys only.
type RetentionFacts struct {
	PersonID       string
	CreatedAt      time.Time
	SourceChannel  string
	OrganizationID string // "" without an organisation
	// OrganizationPeople is how many living people share the organisation
	// (0 without one); FindRetentionFactsOf fills it, FindRetentionFacts
	// leaves it 0.
	OrganizationPeople int
	// EmailIndex is the keyed hash of the person's email (nil without
	// one): it goes on the suppression list and clears caches on erasure.
	EmailIndex []byte
	// HeldUntil is the person's legal hold, YYYY-MM-DD, "" when not held.
	HeldUntil string
	// Purposes are the purposes the person's data was recorded as
	// collected for (Person.Purposes), nil when none was recorded.
	Purposes []string
	// Interactions counts the person's interactions; LastInteraction is
	// the newest one's time, zero without any.
	Interactions    int
	LastInteraction time.Time
	// Contracts counts the person's contracts; InForce those without an
	// end; LastContractEnd is the latest end of the ended ones.
	Contracts       int
	ContractInForce bool
	LastContractEnd time.Time
	// Consents holds, per purpose, the newest consent event (granted or
	// withdrawn) of the person's ledger.
	Consents map[string]ConsentFact
	// Objected is set when the ledger holds any objection.
	Objected bool
	// Restricted is set when the newest restriction event placed one
	// (Art. 18): such a person's data is kept and not used.
	Restricted bool
	// DocumentsHeldUntil is the latest hold date of the person's
	// accounting documents, YYYY-MM-DD, "" without documents.
	DocumentsHeldUntil string
	// OpenRequests counts the person's data-subject requests not yet closed.
	OpenRequests int
}

// ConsentFact is the newest consent event of a person for one purpose.
type ConsentFact struct {
	Kind string // EventConsentGranted or EventConsentWithdrawn
	At   time.Time
	// Redacted is set when that event's evidence has been redacted (by
	// an erasure or a retention sweep).
	Redacted bool
}

// RetentionRun is one retention sweep, stored so that an interrupted sweep
// resumes where it stopped and with the same cut-off time, and so that
// the sweeps can be listed afterwards.
type RetentionRun struct {
	ID string `json:"id"`
	// AsOf is the time every rule's cut-off is computed from.
	AsOf      time.Time `json:"as_of"`
	StartedAt time.Time `json:"started_at"`
	// Cursor is the id of the last person whose batch was committed: a
	// resumed sweep continues after it.
	Cursor string `json:"cursor,omitempty"`
	// Report is the sweep's report so far, as JSON; it is updated in the
	// same transaction as each batch of erasures.
	Report     []byte     `json:"-"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// LeaseOwner identifies the sweep working on the run, and LeaseUntil
	// is when its claim lapses unless renewed (zero: released). Another
	// sweep may take an unfinished run over only once the lease has
	// lapsed, as when the process working on it died.
	LeaseOwner string    `json:"-"`
	LeaseUntil time.Time `json:"-"`
}

// DocumentDue selects the accounting documents a retention sweep may
// delete: those whose legal hold has ended.
type DocumentDue struct {
	Kind string // DocumentPrimary or DocumentSecondary
	// HeldBefore selects documents whose HoldUntil is before this day,
	// YYYY-MM-DD.
	HeldBefore string
	// ContractsEndedBefore, when not zero, keeps the documents of people
	// with a contract in force or one that ended at or after it.
	ContractsEndedBefore time.Time
	// After and Limit page through the documents in id order.
	After string
	Limit int
}

// InteractionDue selects interactions a retention sweep may delete.
type InteractionDue struct {
	Kind string
	// Before selects interactions created before this time.
	Before time.Time
	// After and Limit page through the interactions in id order.
	After string
	Limit int
}

// RetentionStore persists what retention sweeps need (issue 5). It only
// reads facts and applies what the retention service decided.
type RetentionStore interface {
	// FindRetentionFacts returns the facts of up to limit living people
	// whose id sorts after after, in id order (keyset pagination; "" starts
	// at the beginning).
	FindRetentionFacts(ctx context.Context, after string, limit int) ([]*RetentionFacts, error)
	// FindRetentionFactsOf returns the facts of the living people among
	// ids, in id order, with OrganizationPeople filled in. Inside InTx it
	// locks those people until commit (on PostgreSQL), so the facts cannot
	// change between the decision and the erasure.
	FindRetentionFactsOf(ctx context.Context, ids []string) ([]*RetentionFacts, error)
	// ErasePeople crypto-shreds many people at once, as ErasePerson,
	// DeleteInteractions and RedactConsentEvents do for one: it deletes
	// their interactions, redacts their ledger evidence and destroys their
	// keys, sealed fields and email indexes, leaving tombstones. People
	// already erased or unknown are skipped. It returns how many people,
	// interactions and events it erased, deleted and redacted.
	ErasePeople(ctx context.Context, ids []string, at time.Time) (people, interactions, events int, err error)
	// NotifyChanges is NotifyChange for many keys of one topic.
	NotifyChanges(ctx context.Context, topic string, keys []string) error
	// AddSuppressions is AddSuppression for many entries.
	AddSuppressions(ctx context.Context, ss []*Suppression) error
	// FindDocumentsDue returns the accounting documents f selects, in id
	// order, whether their person is living or erased.
	FindDocumentsDue(ctx context.Context, f DocumentDue) ([]*Document, error)
	// DeleteDocuments deletes the listed documents and returns how many
	// it deleted; unknown ids are skipped.
	DeleteDocuments(ctx context.Context, ids []string) (int, error)
	// RedactConsentEventsByID clears the evidence fields of the listed
	// events as RedactConsentEvents does, keeping ids, sequence numbers,
	// kinds, purposes, times and hashes so that the chains still verify.
	// It returns how many events it redacted; events already redacted and
	// unknown ids are skipped.
	RedactConsentEventsByID(ctx context.Context, ids []string) (int, error)
	// FindInteractionsDue returns the interactions f selects, of living
	// people, in id order, without their sealed text.
	FindInteractionsDue(ctx context.Context, f InteractionDue) ([]*SealedInteraction, error)
	// DeleteInteractionsByID deletes the listed interactions and returns
	// how many it deleted; unknown ids are skipped.
	DeleteInteractionsByID(ctx context.Context, ids []string) (int, error)
	// CreateRetentionRun stores a new run, leased to r.LeaseOwner until
	// r.LeaseUntil. Returns ECONFLICT when another run is unfinished.
	CreateRetentionRun(ctx context.Context, r *RetentionRun) error
	// FindUnfinishedRetentionRun returns the run not yet finished.
	// Returns ENOTFOUND when there is none.
	FindUnfinishedRetentionRun(ctx context.Context) (*RetentionRun, error)
	// TakeRetentionRun leases the unfinished run r.ID to r.LeaseOwner
	// until r.LeaseUntil, in one compare-and-set: only when no other
	// owner's lease is still running at now. Returns ECONFLICT when
	// another sweep holds the run, ENOTFOUND when it is not unfinished.
	TakeRetentionRun(ctx context.Context, r *RetentionRun, now time.Time) error
	// UpdateRetentionRun stores a run's Cursor, Report, FinishedAt and
	// LeaseUntil, provided r.LeaseOwner still holds the run: a sweep whose
	// run was taken over cannot commit another batch. Returns ENOTFOUND,
	// and ECONFLICT when another owner holds the run.
	UpdateRetentionRun(ctx context.Context, r *RetentionRun) error
	// FindRetentionRuns returns the newest runs first, at most limit.
	FindRetentionRuns(ctx context.Context, limit int) ([]*RetentionRun, error)
}

// Statistic metrics folded from people before their data is deleted.
const (
	// StatPeople counts people, by the month they were collected.
	StatPeople = "people"
	// StatInteractions counts their interactions, by the same month.
	StatInteractions = "interactions"
)

// Organisation size bands of a statistic. Vern holds no head counts, so
// the band is the number of the organisation's contacts in Vern.
const (
	OrgBandNone  = "none"
	OrgBandOne   = "1"
	OrgBandFew   = "2-9"
	OrgBandMany  = "10+"
	OrgBandOther = "unknown"
)

// OrgBand returns the size band of an organisation with n living contacts
// in Vern (0: no organisation).
func OrgBand(n int) string {
	switch {
	case n <= 0:
		return OrgBandNone
	case n == 1:
		return OrgBandOne
	case n < 10:
		return OrgBandFew
	default:
		return OrgBandMany
	}
}

// StatCell is one cell of the anonymised statistics (S6, S9): a count per
// metric, month, purpose, channel and organisation size band. It names no
// one; small cells are suppressed when they are shown.
type StatCell struct {
	Metric  string `json:"metric"`
	Month   string `json:"month,omitempty"` // YYYY-MM
	Purpose string `json:"purpose,omitempty"`
	Channel string `json:"channel,omitempty"`
	OrgBand string `json:"org_band,omitempty"`
	Count   int64  `json:"count"`
}

// StatsStore persists anonymised aggregates that survive deletion.
type StatsStore interface {
	// AddStats adds each cell's Count to the stored cell with the same
	// metric, month, purpose, channel and band, creating it at zero first.
	AddStats(ctx context.Context, cells []*StatCell) error
	// FindStats returns every stored cell of metric ("" for all), ordered by
	// metric, month, purpose, channel and band.
	FindStats(ctx context.Context, metric string) ([]*StatCell, error)
}
