package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testStats(t *testing.T, open Opener) {
	s := open(t)
	got, err := s.FindStats(ctx(t), "")
	mustNoErr(t, err)
	if len(got) != 0 {
		t.Fatalf("FindStats on an empty store = %d cells, want none", len(got))
	}
	cell := func(metric, month, purpose string, n int64) *vern.StatCell {
		return &vern.StatCell{Metric: metric, Month: month, Purpose: purpose, Channel: vern.ChannelWebForm, OrgBand: vern.OrgBandNone, Count: n}
	}
	mustNoErr(t, s.AddStats(ctx(t), []*vern.StatCell{
		cell(vern.StatPeople, "2024-02", "newsletter", 3),
		cell(vern.StatPeople, "2024-01", "newsletter", 1),
		cell(vern.StatInteractions, "2024-01", "sales_contact", 7),
		cell(vern.StatPeople, "2024-02", "newsletter", 2), // the same cell twice in one call
	}))
	err = s.InTx(ctx(t), func(tx vern.Store) error {
		return tx.AddStats(ctx(t), []*vern.StatCell{cell(vern.StatPeople, "2024-01", "newsletter", 4)})
	})
	mustNoErr(t, err)
	mustNoErr(t, s.AddStats(ctx(t), nil))
	got, err = s.FindStats(ctx(t), "")
	mustNoErr(t, err)
	want := []*vern.StatCell{
		cell(vern.StatInteractions, "2024-01", "sales_contact", 7),
		cell(vern.StatPeople, "2024-01", "newsletter", 5),
		cell(vern.StatPeople, "2024-02", "newsletter", 5),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FindStats mismatch (-want +got):\n%s", diff)
	}
	got, err = s.FindStats(ctx(t), vern.StatInteractions)
	mustNoErr(t, err)
	if diff := cmp.Diff(want[:1], got); diff != "" {
		t.Fatalf("FindStats(interactions) mismatch (-want +got):\n%s", diff)
	}
}
