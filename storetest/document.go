package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testDocument(t *testing.T, open Opener) {
	s := open(t)
	p1, p2 := NewSealedPerson(1), NewSealedPerson(2)
	mustNoErr(t, s.CreatePerson(ctx(t), p1))
	mustNoErr(t, s.CreatePerson(ctx(t), p2))
	doc := func(id, person, kind, datedOn, holdUntil string) *vern.Document {
		return &vern.Document{ID: id, PersonID: person, Kind: kind, Reference: "invoice " + id,
			DatedOn: datedOn, HoldUntil: holdUntil, CreatedAt: epoch}
	}
	// Created newest first: the listing goes by DatedOn.
	d3 := doc("doc_a", p1.ID, vern.DocumentPrimary, "2026-03-01", "2031-12-31")
	d1 := doc("doc_c", p1.ID, vern.DocumentSecondary, "2025-11-20", "2029-06-30")
	d2 := doc("doc_b", p1.ID, vern.DocumentPrimary, "2026-01-15", "2031-12-31")
	d2.Reference = ""
	other := doc("doc_d", p2.ID, vern.DocumentPrimary, "2020-01-01", "2025-12-31")
	for i, d := range []*vern.Document{d3, d1, d2, other} {
		d.CreatedAt = epoch.Add(time.Duration(i) * time.Second)
		mustNoErr(t, s.CreateDocument(ctx(t), d))
	}
	got, err := s.FindDocuments(ctx(t), p1.ID)
	mustNoErr(t, err)
	if diff := cmp.Diff([]*vern.Document{d1, d2, d3}, got); diff != "" {
		t.Fatalf("FindDocuments mismatch (-want +got):\n%s", diff)
	}
	wantCode(t, s.CreateDocument(ctx(t), doc("doc_x", "per_missing", vern.DocumentPrimary, "2026-01-01", "2031-12-31")), vern.ENOTFOUND)
	wantCode(t, s.CreateDocument(ctx(t), doc("doc_a", p2.ID, vern.DocumentPrimary, "2026-01-01", "2031-12-31")), vern.ECONFLICT)
	none, err := s.FindDocuments(ctx(t), "per_missing")
	mustNoErr(t, err)
	if len(none) != 0 {
		t.Fatalf("FindDocuments of an unknown person = %d, want 0", len(none))
	}
}
