package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testOrganization(t *testing.T, open Opener) {
	t.Run("EnsureIsIdempotent", func(t *testing.T) {
		s := open(t)
		o := &vern.Organization{ID: "org_1", MatchKey: "no:915213049", Name: "Mementor AS", OrgNumber: "915213049", Country: "NO", CreatedAt: epoch}
		want := *o
		mustNoErr(t, s.EnsureOrganization(ctx(t), o))
		if diff := cmp.Diff(&want, o); diff != "" {
			t.Fatalf("EnsureOrganization mismatch (-want +got):\n%s", diff)
		}
		again := &vern.Organization{ID: "org_2", MatchKey: "no:915213049", Name: "Other spelling", CreatedAt: epoch}
		mustNoErr(t, s.EnsureOrganization(ctx(t), again))
		if diff := cmp.Diff(&want, again); diff != "" {
			t.Fatalf("second EnsureOrganization mismatch (-want +got):\n%s", diff)
		}
		got, err := s.FindOrganizationByID(ctx(t), "org_1")
		mustNoErr(t, err)
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Fatalf("FindOrganizationByID mismatch (-want +got):\n%s", diff)
		}
		_, err = s.FindOrganizationByID(ctx(t), "org_2")
		wantCode(t, err, vern.ENOTFOUND)
	})
	t.Run("PersonLink", func(t *testing.T) {
		s := open(t)
		o := &vern.Organization{ID: "org_1", MatchKey: "name:acme", Name: "Acme", CreatedAt: epoch}
		mustNoErr(t, s.EnsureOrganization(ctx(t), o))
		p := NewSealedPerson(1)
		p.OrganizationID = o.ID
		mustNoErr(t, s.CreatePerson(ctx(t), p))
		got, err := s.FindPersonByID(ctx(t), p.ID)
		mustNoErr(t, err)
		if got.OrganizationID != o.ID {
			t.Fatalf("OrganizationID = %q, want %q", got.OrganizationID, o.ID)
		}
		bad := NewSealedPerson(2)
		bad.OrganizationID = "org_missing"
		wantCode(t, s.CreatePerson(ctx(t), bad), vern.ENOTFOUND)
	})
}
