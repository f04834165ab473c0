package person

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vernhq/vern"
)

func interactionAAD(id string) []byte { return []byte("interaction:" + id) }

// AddInteraction records feedback, a comment, a question or a note from a
// conversation with a person (S4). The text is guarded like every input and
// sealed with the person's data key.
//
// Returns ENOTFOUND or EINVALID.
func (s *Service) AddInteraction(ctx context.Context, personID string, in vern.InteractionInput) (*vern.Interaction, error) {
	var fs vern.Fields
	if !vern.ValidChannel(in.Channel) {
		fs.Add("channel", "unknown", "Unknown channel; use one of "+strings.Join(vern.Channels, ", ")+".")
	}
	if !validKind(in.Kind) {
		fs.Add("kind", "unknown", "Unknown kind; use one of "+strings.Join(vern.InteractionKinds, ", ")+".")
	}
	txt := strings.TrimSpace(in.Text)
	switch {
	case !guard(&fs, "text", txt):
	case txt == "":
		fs.Add("text", "required", "The text is required.")
	case !utf8.ValidString(txt):
		fs.Add("text", "encoding", "Must be valid UTF-8 text.")
	case len(txt) > vern.MaxInteractionText:
		fs.Add("text", "too_long", "Must be at most 64 KiB.")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	sp, err := s.store.FindPersonByID(ctx, personID)
	if err != nil {
		return nil, notFound(err)
	}
	dk, err := s.unwrap(sp)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &vern.Interaction{ID: vern.NewID("int", now), PersonID: personID, Channel: in.Channel, Kind: in.Kind, Text: txt, CreatedAt: now}
	err = s.store.CreateInteraction(ctx, &vern.SealedInteraction{
		ID: out.ID, PersonID: personID, Channel: in.Channel, Kind: in.Kind,
		SealedText: dk.Seal([]byte(txt), interactionAAD(out.ID)), CreatedAt: now,
	})
	if err != nil {
		return nil, fmt.Errorf("add interaction: %w", notFound(err))
	}
	return out, nil
}

// Interactions returns a person's interactions, oldest first. Returns ENOTFOUND.
func (s *Service) Interactions(ctx context.Context, personID string) ([]*vern.Interaction, error) {
	sp, err := s.store.FindPersonByID(ctx, personID)
	if err != nil {
		return nil, notFound(err)
	}
	dk, err := s.unwrap(sp)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.FindInteractions(ctx, personID)
	if err != nil {
		return nil, err
	}
	out := make([]*vern.Interaction, 0, len(rows))
	for _, r := range rows {
		txt, err := dk.Open(r.SealedText, interactionAAD(r.ID))
		if err != nil {
			return nil, fmt.Errorf("open interaction %s: %w", r.ID, err)
		}
		out = append(out, &vern.Interaction{ID: r.ID, PersonID: r.PersonID, Channel: r.Channel, Kind: r.Kind, Text: string(txt), CreatedAt: r.CreatedAt})
	}
	return out, nil
}

func validKind(k string) bool {
	for _, v := range vern.InteractionKinds {
		if v == k {
			return true
		}
	}
	return false
}
