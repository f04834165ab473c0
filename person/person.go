// Package person is the people registry use case (S2, S4, S5): it creates,
// matches, reads and rectifies people and their interactions, guards every
// input against identifiers Vern must never store, and seals personal fields
// with each person's own data key before they reach the store.
package person

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/keyring"
)

// Service is the people registry.
type Service struct {
	store vern.Store
	keys  *keyring.Keyring
	clock vern.Clock
	// ids and records are the lookup caches (cache.go).
	ids     *vern.Cache[string]
	records *vern.Cache[cachedPerson]
	// validPurpose, when set, reports whether a purpose key is known.
	validPurpose func(key string) bool
}

// New returns a registry over store, sealing with keys and timed by clock.
func New(store vern.Store, keys *keyring.Keyring, clock vern.Clock) *Service {
	ids, records := newCaches()
	return &Service{store: store, keys: keys, clock: clock, ids: ids, records: records}
}

// SetPurposes makes the registry refuse purposes that valid does not know,
// with a FieldError on "purposes" (code unknown_purpose). Call it before
// the registry is used; valid is called on every check, so it may consult
// the policy current at the time.
func (s *Service) SetPurposes(valid func(key string) bool) { s.validPurpose = valid }

// emailDomain separates the email blind index from any other keyed hash.
const emailDomain = "email"

// EmailIndex returns the keyed hash under which a normalised email is found.
func (s *Service) EmailIndex(normalizedEmail string) []byte {
	return s.keys.BlindIndex(emailDomain, normalizedEmail)
}

// Create stores a new person, or returns the existing person with the same
// normalised email, with the given purposes added to theirs. created
// reports which.
//
// Returns EINVALID naming each bad field, including any field that holds a
// national identity number or similar identifier (nothing is stored then),
// or an unknown purpose.
func (s *Service) Create(ctx context.Context, in vern.PersonInput) (p *vern.Person, created bool, err error) {
	n, err := normalizeInput(in, s.validPurpose)
	if err != nil {
		return nil, false, err
	}
	var index []byte
	if n.Email != "" {
		index = s.EmailIndex(n.Email)
	}
	now := s.clock.Now()
	sp, err := s.seal(n, index, now)
	if err != nil {
		return nil, false, err
	}
	// The lookup runs inside the write transaction: on SQLite that is the
	// writer's warm cache and no second read transaction, and the answer
	// cannot go stale before the insert.
	var existing *vern.SealedPerson
	var org *vern.Organization
	var grew bool // the existing person's purposes grew
	create := func(tx vern.Store) error {
		existing, org, grew, sp.OrganizationID = nil, nil, false, "" // fn may run again
		if index != nil {
			found, err := tx.FindPersonByEmailIndex(ctx, index)
			if err == nil {
				existing = found
				grew, err = s.addPurposes(ctx, tx, found, n.Purposes, now)
				return err
			} else if vern.ErrorCode(err) != vern.ENOTFOUND {
				return err
			}
		}
		if n.Organization != nil {
			org = newOrganization(n.Organization, now)
			if err := tx.EnsureOrganization(ctx, org); err != nil {
				return err
			}
			sp.OrganizationID = org.ID
		}
		return tx.CreatePerson(ctx, sp)
	}
	err = s.store.InTx(ctx, create)
	if vern.ErrorCode(err) == vern.ECONFLICT && index != nil {
		// Another node created the same email between our lookup and our
		// insert (PostgreSQL): that person is the one to match, and a
		// second attempt finds them.
		err = s.store.InTx(ctx, create)
	}
	if err != nil {
		return nil, false, fmt.Errorf("create person: %w", err)
	}
	if existing != nil {
		if grew {
			s.forget(existing.ID)
		}
		p, err := s.open(ctx, existing)
		return p, false, err
	}
	return n.person(sp, org), true, nil
}

// addPurposes adds purposes to the stored person sp, writing (and
// reporting true) only when that changes them.
func (s *Service) addPurposes(ctx context.Context, tx vern.Store, sp *vern.SealedPerson, purposes []string, now time.Time) (bool, error) {
	merged, changed := mergePurposes(sp.Purposes, purposes)
	if !changed {
		return false, nil
	}
	sp.Purposes, sp.UpdatedAt = merged, now
	if err := tx.UpdatePerson(ctx, sp); err != nil {
		return false, err
	}
	return true, announceChanged(ctx, tx, sp.ID)
}

// seal builds the stored form of a normalised input with a new data key.
func (s *Service) seal(n *input, index []byte, now time.Time) (*vern.SealedPerson, error) {
	id := vern.NewID("per", now)
	dk, wrapped, err := s.keys.NewDataKey(id)
	if err != nil {
		return nil, fmt.Errorf("new data key: %w", err)
	}
	sealed, err := sealPersonal(dk, id, n.personal())
	if err != nil {
		return nil, err
	}
	return &vern.SealedPerson{
		ID: id, EmailIndex: index, WrappedKey: wrapped, Sealed: sealed,
		Language: n.Language, SourceChannel: n.Source.Channel, SourceRef: n.Source.Reference,
		Purposes: n.Purposes, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// FindByID returns the person with id. Returns ENOTFOUND.
func (s *Service) FindByID(ctx context.Context, id string) (*vern.Person, error) {
	if p, ok := s.cachedByID(id); ok {
		return p, nil
	}
	v := s.cacheVersions()
	sp, err := s.store.FindPersonByID(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	return s.openAndRemember(ctx, sp, v)
}

// FindByEmail returns the person with the given email, matched after
// normalisation. Returns EINVALID for a malformed email and ENOTFOUND.
func (s *Service) FindByEmail(ctx context.Context, email string) (*vern.Person, error) {
	norm, ferr := normalizeEmail("email", email)
	if ferr != nil {
		return nil, vern.Invalid(*ferr)
	}
	index := s.EmailIndex(norm)
	if p, ok := s.cachedByIndex(index); ok {
		return p, nil
	}
	v := s.cacheVersions()
	sp, err := s.store.FindPersonByEmailIndex(ctx, index)
	if err != nil {
		return nil, notFound(err)
	}
	return s.openAndRemember(ctx, sp, v)
}

// openAndRemember opens a person read from the store and caches them with
// the cache versions taken before the read.
func (s *Service) openAndRemember(ctx context.Context, sp *vern.SealedPerson, v cacheVersions) (*vern.Person, error) {
	dk, err := s.unwrap(sp)
	if err != nil {
		return nil, err
	}
	p, err := s.openWithKey(ctx, s.store, sp, dk)
	if err != nil {
		return nil, err
	}
	var org *vern.Organization
	if p.Organization != nil {
		o := *p.Organization
		org = &o
	}
	s.remember(cachedPerson{sealed: sp, key: dk, org: org}, v)
	return p, nil
}

// open decrypts a stored person and attaches their organisation.
func (s *Service) open(ctx context.Context, sp *vern.SealedPerson) (*vern.Person, error) {
	return s.openWith(ctx, s.store, sp)
}

// openWith is open reading the organisation through store (a transaction).
func (s *Service) openWith(ctx context.Context, store vern.Store, sp *vern.SealedPerson) (*vern.Person, error) {
	dk, err := s.unwrap(sp)
	if err != nil {
		return nil, err
	}
	return s.openWithKey(ctx, store, sp, dk)
}

// openWithKey is openWith with the person's data key already unwrapped.
func (s *Service) openWithKey(ctx context.Context, store vern.Store, sp *vern.SealedPerson, dk *keyring.DataKey) (*vern.Person, error) {
	p, err := decrypt(sp, dk)
	if err != nil {
		return nil, err
	}
	if sp.OrganizationID != "" {
		if p.Organization, err = store.FindOrganizationByID(ctx, sp.OrganizationID); err != nil {
			return nil, fmt.Errorf("find organization of %s: %w", sp.ID, err)
		}
	}
	return p, nil
}

// unwrap returns a stored person's data key.
func (s *Service) unwrap(sp *vern.SealedPerson) (*keyring.DataKey, error) {
	dk, err := s.keys.Unwrap(sp.WrappedKey, sp.ID)
	if err != nil {
		return nil, fmt.Errorf("unwrap key of %s: %w", sp.ID, err)
	}
	return dk, nil
}

// decrypt opens a stored person's sealed fields with their data key.
func decrypt(sp *vern.SealedPerson, dk *keyring.DataKey) (*vern.Person, error) {
	pd, err := openPersonal(dk, sp.ID, sp.Sealed)
	if err != nil {
		return nil, err
	}
	return &vern.Person{
		ID: sp.ID, FirstName: pd.FirstName, LastName: pd.LastName, Email: pd.Email, Phone: pd.Phone,
		Language: sp.Language, Source: vern.Source{Channel: sp.SourceChannel, Reference: sp.SourceRef},
		// The person is the caller's own: the stored record may be cached.
		Purposes: slices.Clone(sp.Purposes), HeldUntil: sp.HeldUntil, CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt,
	}, nil
}

// personAAD binds a sealed record to its person, so that a sealed blob
// copied onto another person's row does not decrypt.
func personAAD(id string) []byte { return []byte("person:" + id) }

func sealPersonal(dk *keyring.DataKey, id string, pd vern.PersonalData) ([]byte, error) {
	plain, err := json.Marshal(pd)
	if err != nil {
		return nil, fmt.Errorf("encode personal data: %w", err)
	}
	return dk.Seal(plain, personAAD(id)), nil
}

func openPersonal(dk *keyring.DataKey, id string, sealed []byte) (vern.PersonalData, error) {
	var pd vern.PersonalData
	plain, err := dk.Open(sealed, personAAD(id))
	if err != nil {
		return pd, fmt.Errorf("open personal data of %s: %w", id, err)
	}
	if err := json.Unmarshal(plain, &pd); err != nil {
		return pd, fmt.Errorf("decode personal data of %s: %w", id, err)
	}
	return pd, nil
}

// notFound gives a store's not-found a user-facing message.
func notFound(err error) error {
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return vern.Errorf(vern.ENOTFOUND, "Person not found.")
	}
	return err
}

// PersonIDByEmail returns the id of the person with the given email without
// decrypting anything. Returns EINVALID for a malformed email and ENOTFOUND.
func (s *Service) PersonIDByEmail(ctx context.Context, email string) (string, error) {
	norm, ferr := normalizeEmail("email", email)
	if ferr != nil {
		return "", vern.Invalid(*ferr)
	}
	index := s.EmailIndex(norm)
	if id, ok := s.ids.Get(string(index)); ok {
		return id, nil
	}
	seen := s.ids.Version()
	sp, err := s.store.FindPersonByEmailIndex(ctx, index)
	if err != nil {
		return "", notFound(err)
	}
	s.ids.Put(string(index), sp.ID, seen)
	return sp.ID, nil
}

// PersonExists returns ENOTFOUND when there is no person with id.
func (s *Service) PersonExists(ctx context.Context, id string) error {
	if _, ok := s.records.Get(id); ok {
		return nil
	}
	if _, err := s.store.FindPersonByID(ctx, id); err != nil {
		return notFound(err)
	}
	return nil
}

// PersonIDsByEmails returns, for each email in order, the id of the person
// with that email, or "" when there is none or the email is malformed: one
// store query for the whole list.
func (s *Service) PersonIDsByEmails(ctx context.Context, emails []string) ([]string, error) {
	out := make([]string, len(emails))
	keys := make([]string, len(emails))
	indexes := make([][]byte, 0, len(emails))
	for i, e := range emails {
		norm, ferr := normalizeEmail("email", e)
		if ferr != nil {
			continue
		}
		idx := s.EmailIndex(norm)
		keys[i] = string(idx)
		if id, ok := s.ids.Get(keys[i]); ok {
			out[i] = id
			continue
		}
		indexes = append(indexes, idx)
	}
	if len(indexes) == 0 {
		return out, nil
	}
	seen := s.ids.Version()
	found, err := s.store.FindPersonIDsByEmailIndex(ctx, indexes)
	if err != nil {
		return nil, fmt.Errorf("find people by email: %w", err)
	}
	for k, id := range found {
		s.ids.Put(k, id, seen)
	}
	for i, k := range keys {
		if k != "" && out[i] == "" {
			out[i] = found[k]
		}
	}
	return out, nil
}
