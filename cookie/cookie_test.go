package cookie_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/cookie"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

const site = "https://www.example.com"

func mustService(t *testing.T) (*cookie.Service, *publish.Service, vern.Store) {
	t.Helper()
	store := testdb.SQLite(t)
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	pol := publish.New(store, clock)
	if _, _, err := pol.Publish(t.Context(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	return cookie.New(cookie.Config{Store: store, Policy: pol, Clock: clock, Origins: []string{site, "not an origin"}}), pol, store
}

func hashOf(t *testing.T, s *cookie.Service) string {
	t.Helper()
	b, err := s.Banner()
	if err != nil {
		t.Fatal(err)
	}
	return b.CookieHash
}

var n int

func id(prefix string) string {
	n++
	return prefix + strings.Repeat("x", 16) + string(rune('a'+n%26)) + strings.Repeat("y", n%7)
}

func TestHeaderGPC(t *testing.T) {
	// REFERENCE 11.23.
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{"absent", nil, false},
		{"one", []string{"1"}, true},
		{"zero", []string{"0"}, false},
		{"true", []string{"true"}, false},
		{"list in one header", []string{"1, 1"}, false},
		{"two headers one exact", []string{"0", "1"}, true},
		{"padded", []string{" 1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cookie.HeaderGPC(tt.values); got != tt.want {
				t.Fatalf("HeaderGPC(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

func TestAllowOrigin(t *testing.T) {
	s, _, _ := mustService(t)
	self := "http://vern.example.test:8080"
	tests := []struct {
		origin string
		want   bool
	}{
		{site, true},
		{"HTTPS://WWW.EXAMPLE.COM", true},
		{self, true},
		{"https://www.example.com.evil.test", false},
		{"http://www.example.com", false},
		{"null", false},
		{"", false},
		{"https://evil.test", false},
	}
	for _, tt := range tests {
		if got := s.AllowOrigin(tt.origin, self); got != tt.want {
			t.Errorf("AllowOrigin(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
}

func TestBanner(t *testing.T) {
	s, _, _ := mustService(t)
	b, err := s.Banner()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	mode := map[string][]string{}
	for _, c := range b.Categories {
		keys = append(keys, c.Key)
		mode[c.Key] = c.ConsentMode
	}
	if diff := cmp.Diff([]string{"necessary", "statistics", "remarketing"}, keys); diff != "" {
		t.Fatalf("categories mismatch (-want +got):\n%s", diff)
	}
	// REFERENCE 6.2 mapping.
	want := map[string][]string{"necessary": nil, "statistics": {"analytics_storage"}, "remarketing": {"ad_storage", "ad_user_data", "ad_personalization"}}
	if diff := cmp.Diff(want, mode); diff != "" {
		t.Fatalf("consent mode mismatch (-want +got):\n%s", diff)
	}
	if len(b.CookieHash) != 64 {
		t.Fatalf("cookie hash %q", b.CookieHash)
	}
}

func TestRecord(t *testing.T) {
	s, _, store := mustService(t)
	h := hashOf(t, s)
	visitor := id("v")
	rc := cookie.Context{Origin: site, Self: "http://vern.test", UserAgent: "Mozilla/5.0", IP: "203.0.113.77"}

	tests := []struct {
		name        string
		in          cookie.Input
		rc          cookie.Context
		wantGranted []string
		wantRefused []string
		wantGPC     bool
		wantCode    string
	}{
		{name: "accept all", in: cookie.Input{Granted: []string{"statistics", "remarketing", "necessary"}},
			wantGranted: []string{"remarketing", "statistics"}, wantRefused: []string{}},
		{name: "reject all", in: cookie.Input{Granted: []string{}},
			wantGranted: []string{}, wantRefused: []string{"remarketing", "statistics"}},
		{name: "gpc header blocks remarketing", in: cookie.Input{Granted: []string{"statistics", "remarketing"}},
			rc: cookie.Context{SecGPC: []string{"1"}}, wantGranted: []string{"statistics"}, wantRefused: []string{"remarketing"}, wantGPC: true},
		{name: "gpc from the script", in: cookie.Input{Granted: []string{"remarketing"}, GPC: true},
			wantGranted: []string{}, wantRefused: []string{"remarketing", "statistics"}, wantGPC: true},
		{name: "invalid gpc header ignored", in: cookie.Input{Granted: []string{"remarketing"}},
			rc: cookie.Context{SecGPC: []string{"1, 1"}}, wantGranted: []string{"remarketing"}, wantRefused: []string{"statistics"}},
		{name: "unknown category", in: cookie.Input{Granted: []string{"fingerprinting"}}, wantCode: vern.EINVALID},
		{name: "bad visitor id", in: cookie.Input{VisitorID: "kari@example.com", Granted: []string{}}, wantCode: vern.EINVALID},
		{name: "stale cookie text", in: cookie.Input{CookieHash: strings.Repeat("0", 64), Granted: []string{}}, wantCode: vern.ECONFLICT},
		{name: "foreign origin", in: cookie.Input{Granted: []string{}}, rc: cookie.Context{Origin: "https://evil.test"}, wantCode: vern.EFORBIDDEN},
		{name: "fnr in page url", in: cookie.Input{Granted: []string{}, PageURL: "https://www.example.com/15838512086"}, wantCode: vern.EINVALID},
		{name: "unknown language", in: cookie.Input{Granted: []string{}, Language: "sv"}, wantCode: vern.EINVALID},
	}
	var seq int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.VisitorID == "" {
				in.VisitorID = visitor
			}
			in.Nonce = id("n")
			if in.CookieHash == "" {
				in.CookieHash = h
			}
			ctx := rc
			if tt.rc.SecGPC != nil {
				ctx.SecGPC = tt.rc.SecGPC
			}
			if tt.rc.Origin != "" {
				ctx.Origin = tt.rc.Origin
			}
			c, err := s.Record(t.Context(), in, ctx)
			if got := vern.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Record error = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode != "" {
				return
			}
			seq++
			if diff := cmp.Diff([]any{tt.wantGranted, tt.wantRefused, tt.wantGPC, seq, "203.0.113.0/24", site},
				[]any{c.Granted, c.Refused, c.GPC, c.Seq, c.IPPrefix, c.Origin}); diff != "" {
				t.Fatalf("Record mismatch (-want +got):\n%s", diff)
			}
		})
	}
	stored, err := store.FindVisitorConsents(t.Context(), visitor)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(stored)) != seq || vern.VerifyVisitorChain(stored) != -1 {
		t.Fatalf("stored %d choices (want %d), chain break at %d", len(stored), seq, vern.VerifyVisitorChain(stored))
	}
	if stored[0].PolicyVersion == "" || stored[0].CookieHash != h {
		t.Fatalf("choice lacks its policy version or cookie hash: %+v", stored[0])
	}
}

func TestRecordRefusesReplay(t *testing.T) {
	s, _, store := mustService(t)
	in := cookie.Input{VisitorID: id("v"), Nonce: id("n"), CookieHash: hashOf(t, s), Granted: []string{"statistics"}}
	rc := cookie.Context{Origin: site}
	if _, err := s.Record(t.Context(), in, rc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(t.Context(), in, rc); vern.ErrorCode(err) != vern.ECONFLICT {
		t.Fatalf("replay: %v, want conflict", err)
	}
	in.VisitorID = id("v") // the same nonce under another visitor is a replay too
	if _, err := s.Record(t.Context(), in, rc); vern.ErrorCode(err) != vern.ECONFLICT {
		t.Fatalf("replay under another visitor: %v, want conflict", err)
	}
	if n, _ := store.CountVisitorConsents(t.Context()); n != 1 {
		t.Fatalf("%d choices stored, want 1", n)
	}
}

func TestPolicyChangeAsksAgain(t *testing.T) {
	s, pol, _ := mustService(t)
	before := hashOf(t, s)
	// A new version that changes only a purpose text keeps the cookie hash.
	src := policy.Seed()
	src = bytes.Replace(src, []byte(`version: "`), []byte(`version: "x`), 1)
	if _, _, err := pol.Publish(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	if after := hashOf(t, s); after != before {
		t.Fatalf("cookie hash changed with a non-cookie edit")
	}
	// A change of a cookie category's text changes it: old choices are stale.
	src2 := bytes.Replace(src, []byte(`version: "x`), []byte(`version: "y`), 1)
	src2 = bytes.Replace(src2, []byte("Help us see how the website is used"), []byte("Help us count visits"), 1)
	if _, _, err := pol.Publish(t.Context(), src2); err != nil {
		t.Fatal(err)
	}
	if hashOf(t, s) == before {
		t.Fatal("cookie hash unchanged after the cookie text changed")
	}
	_, err := s.Record(t.Context(), cookie.Input{VisitorID: id("v"), Nonce: id("n"), CookieHash: before, Granted: []string{}}, cookie.Context{Origin: site})
	if vern.ErrorCode(err) != vern.ECONFLICT {
		t.Fatalf("choice under old cookie text: %v, want conflict", err)
	}
}

func TestConcurrentRecordsOneVisitor(t *testing.T) {
	s, _, store := mustService(t)
	h := hashOf(t, s)
	visitor := id("v")
	nonces := make([]string, 20)
	for i := range nonces {
		nonces[i] = id("n")
	}
	var wg sync.WaitGroup
	for _, nc := range nonces {
		wg.Go(func() {
			if _, err := s.Record(context.Background(), cookie.Input{VisitorID: visitor, Nonce: nc, CookieHash: h, Granted: []string{"statistics"}}, cookie.Context{Origin: site}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := store.FindVisitorConsents(t.Context(), visitor)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(nonces) || vern.VerifyVisitorChain(got) != -1 {
		t.Fatalf("%d choices, chain break at %d", len(got), vern.VerifyVisitorChain(got))
	}
}

func TestLink(t *testing.T) {
	s, _, store := mustService(t)
	p := &vern.SealedPerson{ID: "per_link", WrappedKey: []byte("k"), Sealed: []byte("s"), SourceChannel: vern.ChannelAPI, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := store.CreatePerson(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	visitor := id("v")
	if _, err := s.Record(t.Context(), cookie.Input{VisitorID: visitor, Nonce: id("n"), CookieHash: hashOf(t, s), Granted: []string{"statistics"}}, cookie.Context{Origin: site}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(t.Context(), visitor, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(t.Context(), "bad id", p.ID, ""); vern.ErrorCode(err) != vern.EINVALID {
		t.Fatalf("bad visitor id: %v", err)
	}
	if _, err := s.Link(t.Context(), id("v"), "per_missing", ""); vern.ErrorCode(err) != vern.ENOTFOUND {
		t.Fatalf("unknown person: %v", err)
	}
	got, err := s.PersonChoices(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got[0].Grants("statistics") {
		t.Fatalf("PersonChoices = %+v", got)
	}
}
