package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testInteraction(t *testing.T, open Opener) {
	s := open(t)
	p := NewSealedPerson(1)
	mustNoErr(t, s.CreatePerson(ctx(t), p))
	var want []*vern.SealedInteraction
	for i, kind := range []string{vern.KindQuestion, vern.KindNote, vern.KindFeedback} {
		in := &vern.SealedInteraction{
			ID: "int_" + kind, PersonID: p.ID, Channel: vern.ChannelEmail, Kind: kind,
			SealedText: []byte("sealed " + kind), CreatedAt: epoch.Add(time.Duration(i) * time.Minute),
		}
		mustNoErr(t, s.CreateInteraction(ctx(t), in))
		want = append(want, in)
	}
	got, err := s.FindInteractions(ctx(t), p.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FindInteractions mismatch (-want +got):\n%s", diff)
	}
	none, err := s.FindInteractions(ctx(t), "per_other")
	mustNoErr(t, err)
	if len(none) != 0 {
		t.Fatalf("FindInteractions for unknown person = %d rows, want 0", len(none))
	}
	orphan := &vern.SealedInteraction{ID: "int_x", PersonID: "per_missing", Channel: vern.ChannelEmail, Kind: vern.KindNote, SealedText: []byte("x"), CreatedAt: epoch}
	wantCode(t, s.CreateInteraction(ctx(t), orphan), vern.ENOTFOUND)
}
