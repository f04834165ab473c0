package person

import (
	"context"
	"encoding/hex"
	"log/slog"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/keyring"
)

// Two caches spare the store the registry's hot reads. Both answer only
// while the change feed listens (vern.Cache), and every node's writes drop
// what they change.
//
// ids maps email blind indexes to person ids, so that bulk decisions over
// a mailing list need no store read for people seen before. Only found
// people are kept (a new person may appear at any moment); an email stops
// leading to its person only by rectification or erasure, and both announce
// the old index on vern.TopicPeople.
//
// records keeps people as stored, sealed, by id, with their unwrapped data
// key and their organisation (organisations are never changed once
// stored), so that finding a person costs one decryption instead of a store
// read and a key unwrap. No personal field is kept in the clear, and the
// keys held are no more than the master key in this process's memory can
// unwrap at any moment. Every write of a person's record announces their id
// on vern.TopicPerson, which drops the entry, key and all, on every node.
const (
	maxCachedIDs     = 1 << 20
	maxCachedRecords = 1 << 16
)

// cachedPerson is a person as stored, with their data key and
// organisation.
type cachedPerson struct {
	sealed *vern.SealedPerson
	key    *keyring.DataKey
	org    *vern.Organization
}

func newCaches() (*vern.Cache[string], *vern.Cache[cachedPerson]) {
	return vern.NewCache[string](maxCachedIDs), vern.NewCache[cachedPerson](maxCachedRecords)
}

// Run keeps the registry's caches coherent with every node's writes until
// ctx ends.
func (s *Service) Run(ctx context.Context, log *slog.Logger) {
	lost := func(err error) {
		if log != nil {
			log.Error("people change feed stopped; lookups read the store until it is back", "error", err.Error())
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.records.Follow(ctx, s.store, vern.TopicPerson, nil, lost)
	}()
	s.ids.Follow(ctx, s.store, vern.TopicPeople, decodeIndex, lost)
	<-done
}

// WaitFollowing waits until Run has both caches following the change
// feed, or ctx ends.
func (s *Service) WaitFollowing(ctx context.Context) error {
	return vern.WaitFollowing(ctx, s.ids, s.records)
}

// decodeIndex turns an announced hex index into the ids cache's key.
func decodeIndex(announced string) (string, bool) {
	index, err := hex.DecodeString(announced)
	return string(index), err == nil
}

// announceEmailGone tells every node that index no longer leads to its person.
func announceEmailGone(ctx context.Context, tx vern.Store, index []byte) error {
	if len(index) == 0 {
		return nil
	}
	return tx.NotifyChange(ctx, vern.TopicPeople, hex.EncodeToString(index))
}

// announceChanged tells every node that the stored record of the person
// with id changed.
func announceChanged(ctx context.Context, tx vern.Store, id string) error {
	return tx.NotifyChange(ctx, vern.TopicPerson, id)
}

// cachedByID returns the person with id from the records cache.
func (s *Service) cachedByID(id string) (*vern.Person, bool) {
	c, ok := s.records.Get(id)
	if !ok {
		return nil, false
	}
	return s.openCached(c)
}

// cachedByIndex returns the person found under an email index from the
// caches.
func (s *Service) cachedByIndex(index []byte) (*vern.Person, bool) {
	id, ok := s.ids.Get(string(index))
	if !ok {
		return nil, false
	}
	c, ok := s.records.Get(id)
	if !ok || string(c.sealed.EmailIndex) != string(index) {
		return nil, false
	}
	return s.openCached(c)
}

// openCached decrypts a cached person. The person returned is the
// caller's own: nothing in it is shared with the cache.
func (s *Service) openCached(c cachedPerson) (*vern.Person, bool) {
	p, err := decrypt(c.sealed, c.key)
	if err != nil {
		return nil, false // the store read that follows reports it
	}
	if c.org != nil {
		org := *c.org
		p.Organization = &org
	}
	return p, true
}

// cacheVersions are the caches' versions taken before a store read.
type cacheVersions struct{ ids, records uint64 }

func (s *Service) cacheVersions() cacheVersions {
	return cacheVersions{ids: s.ids.Version(), records: s.records.Version()}
}

// remember caches a person read from the store with versions taken before
// the read.
func (s *Service) remember(c cachedPerson, v cacheVersions) {
	if len(c.sealed.EmailIndex) > 0 {
		s.ids.Put(string(c.sealed.EmailIndex), c.sealed.ID, v.ids)
	}
	s.records.Put(c.sealed.ID, c, v.records)
}

// forget is Forget for one person, after a commit that changed them.
func (s *Service) forget(id string, indexes ...[]byte) {
	s.Forget([]string{id}, indexes)
}
