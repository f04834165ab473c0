package vern

import "context"

// Store is everything Vern persists. Implementations (sqlite, postgres) only
// store and fetch; every rule lives in the services, so the two backends
// cannot drift apart. Both run the same conformance suite (storetest).
type Store interface {
	PersonStore
	OrganizationStore
	InteractionStore
	PolicyStore
	TokenStore
	SettingStore
	ConsentStore
	AuditStore
	OutboxStore
	CheckpointStore
	ContractStore
	RequestStore
	MailStore
	SuppressionStore
	DisclosureStore
	DocumentStore
	RetentionStore
	StatsStore
	VisitorStore
	AudienceStore
	NewsletterStore
	ChangeFeed

	// InTx runs fn with a Store bound to one transaction, committed when fn
	// returns nil and rolled back otherwise; it returns once the commit is
	// durable. Nested calls join the outer transaction. fn may run more
	// than once (a backend may retry it), so it must only touch the Store
	// and state it sets afresh on each run. fn must use the Store it is
	// given, never the outer one: on SQLite the outer Store waits for the
	// single writer that fn is holding.
	InTx(ctx context.Context, fn func(Store) error) error
}
