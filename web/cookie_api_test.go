package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/auth"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/cookie"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/request"
	"github.com/vernhq/vern/web"
)

const testSite = "https://www.example.com"

// mustCookieServer is mustServer with the cookie service, allowing
// testSite, and the given per-address cookie rate.
func mustCookieServer(t testing.TB, cookieRate float64) *testServer {
	t.Helper()
	return mustCookieServerFor(t, cookieRate, testSite)
}

// mustCookieServerFor is mustCookieServer allowing the given site origins.
func mustCookieServerFor(t testing.TB, cookieRate float64, origins ...string) *testServer {
	t.Helper()
	ctx := context.Background()
	store := testdb.SQLite(t)
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
	rec := audit.New(store, clock, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	cons := consent.New(store, people, pol, keys, clock)
	cons.SetTrailVerifier(rec)
	reqs := request.New(request.Config{Store: store, Keys: keys, People: people, Ledger: cons, Policy: pol, Clock: clock,
		BaseURL: "https://privacy.example.test"})
	cookies := cookie.New(cookie.Config{Store: store, Policy: pol, Clock: clock, Origins: origins})
	srv := web.New(web.Services{People: people, Policy: pol, Auth: au, Consent: cons, Audit: rec, Requests: reqs, Cookies: cookies},
		slog.New(slog.NewJSONHandler(logs, nil)), web.Config{PublicRate: 1000, CookieRate: cookieRate})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, token: secret, logs: logs, web: srv, audit: rec, store: store, keys: keys, requests: reqs}
}

// raw sends a request with the given headers and no token.
func (ts *testServer) raw(t testing.TB, method, path string, body []byte, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip, no redirects
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

// bannerHash reads the cookie hash the script carries, as the banner does.
func bannerHash(t *testing.T, ts *testServer) string {
	t.Helper()
	_, _, b := ts.raw(t, "GET", "/consent.js", nil, nil)
	m := regexp.MustCompile(`"cookie_hash":"([0-9a-f]{64})"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no cookie hash in the script")
	}
	return string(m[1])
}

func TestConsentScript(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	st, h, gz := ts.raw(t, "GET", "/consent.js", nil, map[string]string{"Accept-Encoding": "gzip, br"})
	if st != 200 || h.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET /consent.js: %d %v", st, h)
	}
	// The budget: under 15 KB gzipped.
	t.Logf("consent.js: %d bytes gzipped", len(gz))
	if len(gz) >= 15*1024 {
		t.Fatalf("consent.js is %d bytes gzipped, want < 15 KB", len(gz))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	js, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("consent.js: %d bytes uncompressed", len(js))
	for _, want := range []string{`"key":"statistics"`, `"key":"remarketing"`, `"analytics_storage"`, `gtag("consent", "default"`, "globalPrivacyControl"} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("script lacks %s", want)
		}
	}
	if bytes.Contains(js, []byte("/*VERN_CONFIG*/null")) {
		t.Fatal("configuration not filled in")
	}
	if !strings.Contains(h.Get("Cache-Control"), "public") || h.Get("ETag") == "" {
		t.Fatalf("not cacheable: %v", h)
	}
	st, _, b := ts.raw(t, "GET", "/consent.js", nil, map[string]string{"If-None-Match": h.Get("ETag")})
	if st != http.StatusNotModified || len(b) != 0 {
		t.Fatalf("revalidation: %d, %d bytes", st, len(b))
	}
	st, h2, plain := ts.raw(t, "GET", "/consent.js", nil, nil)
	if st != 200 || h2.Get("Content-Encoding") != "" || !bytes.Equal(plain, js) {
		t.Fatalf("plain GET: %d %q, same body %v", st, h2.Get("Content-Encoding"), bytes.Equal(plain, js))
	}
}

func TestGPCSupportResource(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	st, h, b := ts.raw(t, "GET", "/.well-known/gpc.json", nil, nil)
	if st != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("gpc.json: %d %q", st, h.Get("Content-Type"))
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	last, _ := got["lastUpdate"].(string)
	if got["gpc"] != true || len(got) != 2 {
		t.Fatalf("gpc.json = %s", b)
	}
	if _, err := time.Parse(time.DateOnly, last); err != nil {
		t.Fatalf("lastUpdate %q is not a full-date: %v", last, err)
	}
}

func TestCookieConsentAPI(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	hash := bannerHash(t, ts)
	const visitor = "VisitorAbcdefgh1234"
	body := func(nonce string, granted ...string) []byte {
		b, _ := json.Marshal(map[string]any{"visitor_id": visitor, "nonce": nonce, "cookie_hash": hash, "granted": append([]string{}, granted...),
			"language": "en", "page_url": testSite + "/pricing?email=kari@example.com"})
		return b
	}
	jsonFrom := func(origin string) map[string]string {
		h := map[string]string{"Content-Type": "application/json"}
		if origin != "" {
			h["Origin"] = origin
		}
		return h
	}
	withGPC := jsonFrom(testSite)
	withGPC["Sec-GPC"] = "1"

	tests := []struct {
		name       string
		method     string
		body       []byte
		headers    map[string]string
		wantStatus int
		wantBody   []string
		wantCORS   bool
	}{
		{"preflight from the site", "OPTIONS", nil, map[string]string{"Origin": testSite, "Access-Control-Request-Method": "POST"}, 204, nil, true},
		{"preflight from elsewhere", "OPTIONS", nil, map[string]string{"Origin": "https://evil.test"}, 403, nil, false},
		{"accept statistics", "POST", body("nonce-0000000000000001", "statistics"), jsonFrom(testSite), 201,
			[]string{`"granted":["statistics"]`, `"refused":["remarketing"]`, `"seq":1`, `"gpc":false`}, true},
		{"gpc header", "POST", body("nonce-0000000000000002", "statistics", "remarketing"), withGPC, 201,
			[]string{`"granted":["statistics"]`, `"refused":["remarketing"]`, `"gpc":true`}, true},
		{"replay", "POST", body("nonce-0000000000000001", "statistics"), jsonFrom(testSite), 409, []string{"already recorded"}, true},
		{"wrong origin", "POST", body("nonce-0000000000000003"), jsonFrom("https://evil.test"), 403, nil, false},
		{"no origin", "POST", body("nonce-0000000000000004"), jsonFrom(""), 403, nil, false},
		{"same origin", "POST", body("nonce-0000000000000005"), jsonFrom(ts.URL), 201, []string{`"seq":3`}, true},
		{"unknown category", "POST", body("nonce-0000000000000006", "fingerprinting"), jsonFrom(testSite), 422, []string{"unknown_category"}, true},
		{"form post", "POST", body("nonce-0000000000000007"), map[string]string{"Origin": testSite, "Content-Type": "text/plain"}, 422, []string{"content_type"}, true},
		{"oversized", "POST", append(body("nonce-0000000000000008")[:10], bytes.Repeat([]byte(" "), cookie.MaxBody)...), jsonFrom(testSite), 413, nil, true},
		{"unknown field", "POST", []byte(`{"visitor_id":"` + visitor + `","nonce":"nonce-0000000000000009","granted":[],"admin":true}`), jsonFrom(testSite), 422, nil, true},
		{"stale cookie text", "POST", bytes.Replace(body("nonce-0000000000000010"), []byte(hash), []byte(strings.Repeat("a", 64)), 1), jsonFrom(testSite), 409, []string{"choose again"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, h, b := ts.raw(t, tt.method, "/v1/public/cookie-consents", tt.body, tt.headers)
			if st != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", st, tt.wantStatus, b)
			}
			for _, w := range tt.wantBody {
				if !strings.Contains(string(b), w) {
					t.Errorf("body lacks %s: %s", w, b)
				}
			}
			if got := h.Get("Access-Control-Allow-Origin") != ""; got != tt.wantCORS {
				t.Errorf("CORS allowed = %v, want %v (%q)", got, tt.wantCORS, h.Get("Access-Control-Allow-Origin"))
			}
			if strings.Contains(string(b), "kari@example.com") {
				t.Error("the answer echoes personal data")
			}
		})
	}
	// Only the three good choices are stored, chained, without the query
	// string of the page URL (where forms put emails).
	st, _, b := ts.do(t, "GET", "/v1/cookie-consents/"+visitor, "", "")
	var got struct {
		Choices     []*vern.VisitorConsent `json:"choices"`
		ChainIntact bool                   `json:"chain_intact"`
	}
	if err := json.Unmarshal(b, &got); st != 200 || err != nil {
		t.Fatalf("list: %d %s", st, b)
	}
	if len(got.Choices) != 3 || !got.ChainIntact || !got.Choices[1].GPC || got.Choices[0].PageURL != testSite+"/pricing" || got.Choices[0].PolicyVersion == "" {
		t.Fatalf("stored choices: %s", b)
	}
	if st, _, _ := ts.do(t, "GET", "/v1/cookie-consents/"+visitor, "", "-"); st != 401 {
		t.Fatalf("listing without a token: %d", st)
	}
	if strings.Contains(ts.logs.String(), "kari@example.com") {
		t.Fatal("personal data reached the log")
	}
}

func TestCookieConsentRateLimit(t *testing.T) {
	ts := mustCookieServer(t, 1) // burst 2
	hash := bannerHash(t, ts)
	var last int
	var h http.Header
	var b []byte
	// The fourth request in a row is refused unless the first three took
	// two seconds; a loaded machine gets a few more tries.
	for i := range 10 {
		body := []byte(`{"visitor_id":"VisitorAbcdefgh1234","nonce":"nonce-00000000000000` + string(rune('a'+i)) + `","cookie_hash":"` + hash + `","granted":[]}`)
		last, h, b = ts.raw(t, "POST", "/v1/public/cookie-consents", body, map[string]string{"Origin": testSite, "Content-Type": "application/json"})
		if last == http.StatusTooManyRequests {
			break
		}
	}
	if last != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(string(b), "rate_limited") {
		t.Fatalf("hammering: %d Retry-After %q %s", last, h.Get("Retry-After"), b)
	}
}

func TestLinkVisitor(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	hash := bannerHash(t, ts)
	if st, _, b := ts.do(t, "POST", "/v1/people", `{"email":"kari@example.test","source":{"channel":"api"}}`, ""); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	body := []byte(`{"visitor_id":"VisitorAbcdefgh1234","nonce":"nonce-0000000000000001","cookie_hash":"` + hash + `","granted":["statistics"]}`)
	if st, _, b := ts.raw(t, "POST", "/v1/public/cookie-consents", body, map[string]string{"Origin": testSite, "Content-Type": "application/json"}); st != 201 {
		t.Fatalf("record: %d %s", st, b)
	}
	tests := []struct {
		name, body string
		want       int
	}{
		{"by email", `{"visitor_id":"VisitorAbcdefgh1234","email":"kari@example.test"}`, 200},
		{"again", `{"visitor_id":"VisitorAbcdefgh1234","email":"KARI@example.test","source":"web_form"}`, 200},
		{"unknown person", `{"visitor_id":"VisitorAbcdefgh5678","email":"nobody@example.test"}`, 404},
		{"neither", `{"visitor_id":"VisitorAbcdefgh1234"}`, 422},
		{"bad visitor", `{"visitor_id":"x","email":"kari@example.test"}`, 422},
	}
	for _, tt := range tests {
		if st, _, b := ts.do(t, "POST", "/v1/cookie-consents/link", tt.body, ""); st != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.name, st, tt.want, b)
		}
	}
}
