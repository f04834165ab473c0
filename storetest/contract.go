package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testContract(t *testing.T, open Opener) {
	s := open(t)
	p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
	mustNoErr(t, s.CreatePerson(ctx(t), p1))
	mustNoErr(t, s.CreatePerson(ctx(t), p2))
	c1 := &vern.Contract{ID: "con_1", PersonID: p1.ID, Reference: "order 17", StartedAt: epoch, CreatedAt: epoch}
	c2 := &vern.Contract{ID: "con_2", PersonID: p1.ID, StartedAt: epoch.Add(time.Hour), CreatedAt: epoch}
	mustNoErr(t, s.CreateContract(ctx(t), c1))
	mustNoErr(t, s.CreateContract(ctx(t), c2))
	wantCode(t, s.CreateContract(ctx(t), &vern.Contract{ID: "con_3", PersonID: "per_missing", StartedAt: epoch, CreatedAt: epoch}), vern.ENOTFOUND)
	end := epoch.Add(48 * time.Hour)
	person, err := s.EndContract(ctx(t), "con_1", end)
	mustNoErr(t, err)
	if person != p1.ID {
		t.Fatalf("EndContract person = %q, want %q", person, p1.ID)
	}
	_, err = s.EndContract(ctx(t), "con_missing", end)
	wantCode(t, err, vern.ENOTFOUND)
	c1.EndedAt = &end
	got, err := s.FindContractsOfPeople(ctx(t), []string{p1.ID, p2.ID})
	mustNoErr(t, err)
	if diff := cmp.Diff(map[string][]*vern.Contract{p1.ID: {c1, c2}}, got); diff != "" {
		t.Fatalf("FindContractsOfPeople mismatch (-want +got):\n%s", diff)
	}
}
