package vern

import "context"

// Change topics announced through the ChangeFeed.
const (
	// TopicLedger carries a person id whenever their ledger changed.
	TopicLedger = "vern_ledger"
)

// ChangeFeed tells every node of the changes any node commits, so that
// in-memory caches drop what changed the moment it is committed.
type ChangeFeed interface {
	// NotifyChange announces, from inside InTx, that key changed under
	// topic; the announcement goes out only if the transaction commits.
	NotifyChange(ctx context.Context, topic, key string) error
	// ListenChanges calls fn for each change announced under topic, by
	// this node or another, until ctx ends. ready is called once listening
	// has begun. It returns when the feed fails; the caller must then
	// treat everything it cached as stale.
	ListenChanges(ctx context.Context, topic string, ready func(), fn func(key string)) error
}
