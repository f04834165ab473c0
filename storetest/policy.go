package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testPolicy(t *testing.T, open Opener) {
	s := open(t)
	_, err := s.FindLatestPolicyVersion(ctx(t))
	wantCode(t, err, vern.ENOTFOUND)

	v1 := &vern.PolicyVersion{Version: "2023-06-27", Hash: "h1", PublishedAt: time.Date(2023, 6, 27, 0, 0, 0, 0, time.UTC), RecordedAt: epoch, Source: []byte("version: one")}
	v2 := &vern.PolicyVersion{Version: "2024-01-01", Hash: "h2", PublishedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), RecordedAt: epoch, Source: []byte("version: two")}
	mustNoErr(t, s.CreatePolicyVersion(ctx(t), v1))
	mustNoErr(t, s.CreatePolicyVersion(ctx(t), v2))
	if v1.Seq <= 0 || v2.Seq <= v1.Seq {
		t.Fatalf("Seq = %d then %d, want increasing positive", v1.Seq, v2.Seq)
	}
	wantCode(t, s.CreatePolicyVersion(ctx(t), &vern.PolicyVersion{Version: "2023-06-27", Hash: "h3", RecordedAt: epoch, Source: []byte("x")}), vern.ECONFLICT)

	latest, err := s.FindLatestPolicyVersion(ctx(t))
	mustNoErr(t, err)
	if diff := cmp.Diff(v2, latest); diff != "" {
		t.Fatalf("FindLatestPolicyVersion mismatch (-want +got):\n%s", diff)
	}
	old, err := s.FindPolicyVersion(ctx(t), "2023-06-27")
	mustNoErr(t, err)
	if diff := cmp.Diff(v1, old); diff != "" {
		t.Fatalf("FindPolicyVersion mismatch (-want +got):\n%s", diff)
	}
	list, err := s.FindPolicyVersions(ctx(t))
	mustNoErr(t, err)
	if len(list) != 2 || list[0].Version != v2.Version || list[1].Version != v1.Version || len(list[0].Source) != 0 {
		t.Fatalf("FindPolicyVersions = %+v, want v2 then v1 without sources", list)
	}
	_, err = s.FindPolicyVersion(ctx(t), "1999")
	wantCode(t, err, vern.ENOTFOUND)
}
