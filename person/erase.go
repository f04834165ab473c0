package person

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// Erasure says what an erasure removed.
type Erasure struct {
	// Person is the person as they were just before erasure; the caller
	// may use the email for a suppression entry, and must not keep it.
	Person       *vern.Person
	EmailIndex   []byte
	Interactions int
	Events       int
}

// Erase crypto-shreds a person (GDPR Art. 17): in one transaction it
// deletes their interactions, clears the evidence of their ledger events,
// and destroys their data key and sealed fields, leaving only a tombstone
// with the id, so every copy of their encrypted data, backups included,
// becomes unreadable. Each also function runs inside that transaction.
//
// Returns ENOTFOUND for an unknown or already erased person.
func (s *Service) Erase(ctx context.Context, id string, also ...func(tx vern.Store, e *Erasure) error) (*Erasure, error) {
	out, err := s.remove(ctx, "erase person", id, also, func(tx vern.Store, sp *vern.SealedPerson, e *Erasure) error {
		var err error
		if e.Events, err = tx.RedactConsentEvents(ctx, id); err != nil {
			return err
		}
		// The person's website visits become anonymous again.
		if _, err := tx.DeleteVisitorLinks(ctx, id); err != nil {
			return err
		}
		if err := tx.ErasePerson(ctx, id, s.clock.Now()); err != nil {
			return err
		}
		if err := announceEmailGone(ctx, tx, sp.EmailIndex); err != nil {
			return err
		}
		// Decision caches forget the person on every node.
		return tx.NotifyChange(ctx, vern.TopicLedger, id)
	})
	if err != nil {
		return nil, err
	}
	s.forget(id, out.EmailIndex)
	return out, nil
}

// Hold keeps what the law requires of a person who asked for erasure and
// removes the rest (GDPR Art. 17(3)(b)): their interactions are deleted,
// their phone number cleared, and the last day of the hold recorded. Their
// name, email and organisation stay sealed for the accounting documents
// that name them. Each also function runs inside the transaction.
//
// Returns ENOTFOUND.
func (s *Service) Hold(ctx context.Context, id, until string, also ...func(tx vern.Store, e *Erasure) error) (*Erasure, error) {
	out, err := s.remove(ctx, "hold person", id, also, func(tx vern.Store, sp *vern.SealedPerson, e *Erasure) error {
		if p := e.Person; p.Phone != "" {
			dk, err := s.unwrap(sp)
			if err != nil {
				return err
			}
			pd := vern.PersonalData{FirstName: p.FirstName, LastName: p.LastName, Email: p.Email}
			if sp.Sealed, err = sealPersonal(dk, sp.ID, pd); err != nil {
				return err
			}
			sp.UpdatedAt = s.clock.Now()
			if err := tx.UpdatePerson(ctx, sp); err != nil {
				return err
			}
		}
		return tx.SetPersonHold(ctx, id, until)
	})
	if err != nil {
		return nil, err
	}
	s.forget(id)
	return out, nil
}

// remove runs what Erase and Hold share, in one transaction: it locks and
// opens the person, deletes their interactions, runs body, then each also
// function. Returns ENOTFOUND for an unknown or erased person.
func (s *Service) remove(ctx context.Context, op, id string, also []func(vern.Store, *Erasure) error,
	body func(tx vern.Store, sp *vern.SealedPerson, e *Erasure) error) (*Erasure, error) {
	var out *Erasure
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		out = nil
		sp, err := tx.FindPersonByIDForUpdate(ctx, id)
		if err != nil {
			return notFound(err)
		}
		p, err := s.openWith(ctx, tx, sp)
		if err != nil {
			return err
		}
		e := &Erasure{Person: p, EmailIndex: sp.EmailIndex}
		if e.Interactions, err = tx.DeleteInteractions(ctx, id); err != nil {
			return err
		}
		if err := body(tx, sp, e); err != nil {
			return err
		}
		if err := announceChanged(ctx, tx, id); err != nil {
			return err
		}
		for _, fn := range also {
			if err := fn(tx, e); err != nil {
				return err
			}
		}
		out = e
		return nil
	})
	if err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
