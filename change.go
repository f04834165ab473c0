package vern

import (
	"context"
	"time"
)

// Change topics announced through the ChangeFeed.
const (
	// TopicLedger carries a person id whenever their ledger changed.
	TopicLedger = "vern_ledger"
	// TopicPeople carries the hex blind index of an email that no longer
	// leads to the person it led to (rectified or erased).
	TopicPeople = "vern_people"
	// TopicPerson carries a person id whenever their stored record changed
	// (rectified, purposes added, held, erased).
	TopicPerson = "vern_person"
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

// FollowChanges listens to topic until ctx ends, for a cache: live(true) is
// called once listening has begun, drop for every change, and live(false)
// whenever the feed fails, after which it listens again a second later.
// While not live, a cache must not be used.
func FollowChanges(ctx context.Context, feed ChangeFeed, topic string, live func(bool), drop func(string), lost func(error)) {
	for ctx.Err() == nil {
		err := feed.ListenChanges(ctx, topic, func() { live(true) }, drop)
		live(false)
		if ctx.Err() != nil {
			return
		}
		if lost != nil {
			lost(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
