package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/auth"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/newsletter"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/request"
	"github.com/vernhq/vern/retention"
	"github.com/vernhq/vern/web"
)

// testServer is a real HTTP server on a real SQLite file with the seed
// policy published and an admin token issued.
type testServer struct {
	*httptest.Server
	token string
	logs  *bytes.Buffer
	web   *web.Server
	audit *audit.Recorder

	store    vern.Store
	keys     *keyring.Keyring
	requests *request.Service
	// newsletters and people serve the mailing tests (issue 7).
	newsletters *newsletter.Service
	people      *person.Service
}

func mustServer(t *testing.T) *testServer {
	t.Helper()
	return mustServerOn(t, testdb.SQLite(t))
}

func mustServerTB(tb testing.TB) *testServer {
	tb.Helper()
	return mustServerOn(tb, testdb.SQLite(tb))
}

func mustServerOn(t testing.TB, store vern.Store) *testServer {
	t.Helper()
	return mustServerWith(t, store, 1000)
}

func mustServerRate(t testing.TB, rate float64) *testServer {
	t.Helper()
	return mustServerWith(t, testdb.SQLite(t), rate)
}

func mustServerWith(t testing.TB, store vern.Store, rate float64) *testServer {
	t.Helper()
	ctx := context.Background()
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	keys, err := keyring.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(store, clock)
	if _, _, err := pol.Publish(ctx, policy.Seed()); err != nil {
		t.Fatal(err)
	}
	au := auth.New(store, clock)
	secret, _, err := au.Create(ctx, "test", []string{vern.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	people := person.New(store, keys, clock)
	people.SetPurposes(func(key string) bool {
		cur, _ := pol.Current()
		_, ok := cur.Purpose(key)
		return ok
	})
	rec := audit.New(store, clock, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	cons := consent.New(store, people, pol, keys, clock)
	cons.SetTrailVerifier(rec)
	reqs := request.New(request.Config{Store: store, Keys: keys, People: people, Ledger: cons, Policy: pol, Clock: clock,
		BaseURL: "https://privacy.example.test"})
	ret := retention.New(retention.Config{Store: store, People: people, Policy: pol, Clock: clock})
	auds := audience.New(store, people, cons, pol, clock)
	news := newsletter.New(newsletter.Config{Store: store, Keys: keys, People: people, Ledger: cons, Policy: pol, Clock: clock, BaseURL: "https://privacy.example.test"})
	srv := web.New(web.Services{People: people, Policy: pol, Auth: au, Consent: cons, Audit: rec, Requests: reqs, Retention: ret, Audiences: auds, Newsletters: news},
		slog.New(slog.NewJSONHandler(logs, nil)), web.Config{PublicRate: rate})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, token: secret, logs: logs, web: srv, audit: rec, store: store, keys: keys, requests: reqs, newsletters: news, people: people}
}

// doTB sends a request with the admin token.
func (ts *testServer) doTB(tb testing.TB, method, path, body string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ts.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// do sends a request with the admin token (unless token is "-") and
// returns the status and body.
func (ts *testServer) do(t *testing.T, method, path, body, token string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch token {
	case "-":
	case "":
		req.Header.Set("Authorization", "Bearer "+ts.token)
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
