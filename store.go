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

	// InTx runs fn with a Store bound to one transaction, committed when fn
	// returns nil and rolled back otherwise. Nested calls join the outer
	// transaction.
	InTx(ctx context.Context, fn func(Store) error) error
}
