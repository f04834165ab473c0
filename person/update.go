package person

import (
	"context"
	"fmt"
	"slices"

	"github.com/vernhq/vern"
)

// Update rectifies a person (GDPR Art. 16): the fields set in upd replace
// the stored ones, validated and guarded exactly as on creation; set
// Purposes replace the recorded purposes.
//
// Returns ENOTFOUND, EINVALID, or ECONFLICT when the new email belongs to
// another person. Each also function runs inside the update's transaction,
// after the write, and sees the person as it was and as it is now.
func (s *Service) Update(ctx context.Context, id string, upd vern.PersonUpdate, also ...func(tx vern.Store, before, after *vern.Person) error) (*vern.Person, error) {
	var out *vern.Person
	var oldIndexOut, newIndexOut []byte
	// Read, merge and write in one transaction with the row locked, so
	// that two concurrent rectifications of one person both take effect.
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		out = nil
		sp, err := tx.FindPersonByIDForUpdate(ctx, id)
		if err != nil {
			return notFound(err)
		}
		cur, err := s.openWith(ctx, tx, sp)
		if err != nil {
			return err
		}
		in := vern.PersonInput{
			FirstName: cur.FirstName, LastName: cur.LastName, Email: cur.Email, Phone: cur.Phone,
			Language: cur.Language, Source: cur.Source, Purposes: cur.Purposes,
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&in.FirstName, upd.FirstName)
		set(&in.LastName, upd.LastName)
		set(&in.Email, upd.Email)
		set(&in.Phone, upd.Phone)
		set(&in.Language, upd.Language)
		in.Organization = upd.Organization
		if upd.Purposes != nil {
			in.Purposes = *upd.Purposes
		}
		// Purposes recorded before stay valid when the policy drops them.
		valid := s.validPurpose
		if valid != nil {
			valid = func(k string) bool { return slices.Contains(cur.Purposes, k) || s.validPurpose(k) }
		}
		n, err := normalizeInput(in, valid)
		if err != nil {
			return err
		}
		dk, err := s.unwrap(sp)
		if err != nil {
			return err
		}
		if sp.Sealed, err = sealPersonal(dk, sp.ID, n.personal()); err != nil {
			return err
		}
		oldIndex := sp.EmailIndex
		sp.EmailIndex = nil
		if n.Email != "" {
			sp.EmailIndex = s.EmailIndex(n.Email)
		}
		oldIndexOut, newIndexOut = oldIndex, sp.EmailIndex
		if string(oldIndex) != string(sp.EmailIndex) {
			if err := announceEmailGone(ctx, tx, oldIndex); err != nil {
				return err
			}
		}
		sp.Language = n.Language
		sp.Purposes = n.Purposes
		sp.UpdatedAt = s.clock.Now()
		org := cur.Organization
		if n.Organization != nil {
			org = newOrganization(n.Organization, sp.UpdatedAt)
			if err := tx.EnsureOrganization(ctx, org); err != nil {
				return err
			}
			sp.OrganizationID = org.ID
		}
		if err := tx.UpdatePerson(ctx, sp); err != nil {
			return err
		}
		if err := announceChanged(ctx, tx, sp.ID); err != nil {
			return err
		}
		n.Source = cur.Source
		out = n.person(sp, org)
		for _, fn := range also {
			if err := fn(tx, cur, out); err != nil {
				return err
			}
		}
		return nil
	})
	switch vern.ErrorCode(err) {
	case "":
		// This node forgets the old record at once; other nodes when the
		// announcements reach them.
		if string(oldIndexOut) != string(newIndexOut) {
			s.forget(id, oldIndexOut)
		} else {
			s.forget(id)
		}
		return out, nil
	case vern.ECONFLICT:
		return nil, vern.Invalid(vern.FieldError{Field: "email", Code: "taken", Message: "Another person already has this email address."})
	case vern.ENOTFOUND, vern.EINVALID:
		return nil, err
	default:
		return nil, fmt.Errorf("update person: %w", err)
	}
}
