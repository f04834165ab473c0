package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
)

func testToken(t *testing.T, open Opener) {
	s := open(t)
	tok := &vern.Token{ID: "tok_1", Name: "admin", Hash: []byte("hash-1"), Scopes: []string{vern.ScopeAdmin}, CreatedAt: epoch}
	mustNoErr(t, s.CreateToken(ctx(t), tok))
	got, err := s.FindTokenByHash(ctx(t), []byte("hash-1"))
	mustNoErr(t, err)
	if diff := cmp.Diff(tok, got); diff != "" {
		t.Fatalf("FindTokenByHash mismatch (-want +got):\n%s", diff)
	}
	_, err = s.FindTokenByHash(ctx(t), []byte("hash-2"))
	wantCode(t, err, vern.ENOTFOUND)
	wantCode(t, s.CreateToken(ctx(t), &vern.Token{ID: "tok_2", Name: "x", Hash: []byte("hash-1"), CreatedAt: epoch}), vern.ECONFLICT)
	n, err := s.CountTokens(ctx(t))
	mustNoErr(t, err)
	if n != 1 {
		t.Fatalf("CountTokens = %d, want 1", n)
	}
}
