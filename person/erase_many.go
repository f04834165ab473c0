package person

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/vernhq/vern"
)

// BatchErasure says what EraseMany removed.
type BatchErasure struct {
	People       int
	Interactions int
	Events       int
}

// EraseMany crypto-shreds many people at once, as Erase does one: their
// interactions are deleted, their ledger evidence redacted, and their data
// keys, sealed fields and email indexes destroyed, leaving tombstones. It
// must run inside tx (a transaction of the caller's, so the caller's own
// records of the erasure commit with it); people already erased are
// skipped. emailIndexes are the indexes of the people being erased, so
// that every node forgets them; nothing is decrypted. Call Forget once tx
// has committed.
func (s *Service) EraseMany(ctx context.Context, tx vern.Store, ids []string, emailIndexes [][]byte) (*BatchErasure, error) {
	if len(ids) == 0 {
		return &BatchErasure{}, nil
	}
	var out BatchErasure
	var err error
	if out.People, out.Interactions, out.Events, err = tx.ErasePeople(ctx, ids, s.clock.Now()); err != nil {
		return nil, fmt.Errorf("erase people: %w", err)
	}
	// Their closed requests keep only the record that they were answered.
	if _, err := tx.ShredRequestsOfPeople(ctx, ids, ""); err != nil {
		return nil, err
	}
	hexes := make([]string, 0, len(emailIndexes))
	for _, idx := range emailIndexes {
		if len(idx) > 0 {
			hexes = append(hexes, hex.EncodeToString(idx))
		}
	}
	if err := tx.NotifyChanges(ctx, vern.TopicPeople, hexes); err != nil {
		return nil, err
	}
	// Decision and record caches forget the people on every node.
	if err := tx.NotifyChanges(ctx, vern.TopicLedger, ids); err != nil {
		return nil, err
	}
	if err := tx.NotifyChanges(ctx, vern.TopicPerson, ids); err != nil {
		return nil, err
	}
	return &out, nil
}

// Forget drops people, and the email indexes that led to them, from this
// node's caches at once. Call it once the transaction that changed them
// (EraseMany's, say) has committed: every node drops them when the
// announcements arrive, but on PostgreSQL even this node hears its own a
// moment later, and a read in between could put back what the commit
// removed.
func (s *Service) Forget(ids []string, emailIndexes [][]byte) {
	for _, id := range ids {
		s.records.Drop(id)
	}
	for _, index := range emailIndexes {
		if len(index) > 0 {
			s.ids.Drop(string(index))
		}
	}
}
