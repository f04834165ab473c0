package storetest

import "testing"

func testSetting(t *testing.T, open Opener) {
	s := open(t)
	got, err := s.EnsureSetting(ctx(t), "key_fingerprint", "aaa")
	mustNoErr(t, err)
	if got != "aaa" {
		t.Fatalf("first EnsureSetting = %q, want aaa", got)
	}
	got, err = s.EnsureSetting(ctx(t), "key_fingerprint", "bbb")
	mustNoErr(t, err)
	if got != "aaa" {
		t.Fatalf("second EnsureSetting = %q, want the stored aaa", got)
	}
}
