package consent

import (
	"context"

	"github.com/vernhq/vern"
)

// Restriction actions.
const (
	ActionPlace = "place"
	ActionLift  = "lift"
)

// RestrictionInput places or lifts a restriction of processing (Art. 18).
type RestrictionInput struct {
	Email    string `json:"email,omitempty" maxLength:"320"`
	PersonID string `json:"person_id,omitempty" maxLength:"64"`
	Action   string `json:"action" enum:"place,lift"`
	Evidence
}

// errNotRestricted refuses lifting a restriction that is not in force.
var errNotRestricted = vern.Errorf(vern.ECONFLICT, "No restriction is in force for this person.")

// Restrict places or lifts a restriction. While one is in force every
// decision is denied: the data may only be stored (Art. 18(2)).
//
// Returns EINVALID, ENOTFOUND, and ECONFLICT for lifting a restriction that
// is not in force. also runs in the append's transaction, as for Record.
func (s *Service) Restrict(ctx context.Context, actor string, in RestrictionInput, also ...func(tx vern.Store) error) (*vern.ConsentEvent, error) {
	_, v := s.policy.Current()
	var fs vern.Fields
	kind := ""
	switch in.Action {
	case ActionPlace:
		kind = vern.EventRestrictionPlaced
	case ActionLift:
		kind = vern.EventRestrictionLifted
	default:
		fs.Add("action", "unknown", "The action must be place or lift.")
	}
	ev := checkEvidence(&fs, in.Evidence)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	personID, err := s.resolve(ctx, in.Email, in.PersonID)
	if err != nil {
		return nil, err
	}
	e := &vern.ConsentEvent{Kind: kind, PolicyVersion: v.Version, Actor: actor}
	ev.apply(e)
	return s.append(ctx, personID, e, func(st State) error {
		if kind == vern.EventRestrictionLifted && st.Restriction == nil {
			return errNotRestricted
		}
		return nil
	}, also)
}
