package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
)

// withdrawFixture is a person who has consented to the newsletter and a
// withdrawal token for that consent.
type withdrawFixture struct {
	ts    *testServer
	token string
}

func newWithdrawFixture(t *testing.T) *withdrawFixture {
	t.Helper()
	ts := mustServer(t)
	ctx := context.Background()
	p, _, err := ts.web.People.Create(ctx, vern.PersonInput{Email: "siri@example.test", Source: vern.Source{Channel: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ts.web.Consent.Record(ctx, "token:test", consent.RecordInput{PersonID: p.ID, Purpose: "newsletter", Action: consent.ActionGrant, Evidence: consent.Evidence{Source: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.web.Consent.WithdrawalToken(g, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &withdrawFixture{ts: ts, token: tok}
}

// decision is the newsletter decision for the fixture's person now.
func (f *withdrawFixture) decision(t *testing.T) consent.Decision {
	t.Helper()
	d, err := f.ts.web.Consent.DecideEmail(context.Background(), "siri@example.test", "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// send makes an unauthenticated request and does not follow redirects, so
// that a redirect shows up as one (RFC 8058 forbids them).
func (f *withdrawFixture) send(t *testing.T, method, path, contentType string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "TestMail/2.0")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func checkWithdrawHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

func TestWithdrawPageDoesNotWithdraw(t *testing.T) {
	f := newWithdrawFixture(t)
	for _, tt := range []struct{ name, query, want string }{
		{"default Norwegian", "", "Trekk tilbake samtykke"},
		{"English", "&lang=en", "Withdraw consent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := f.send(t, "GET", "/withdraw?token="+url.QueryEscape(f.token)+tt.query, "", nil)
			if status != http.StatusOK {
				t.Fatalf("status = %d; body %s", status, body)
			}
			checkWithdrawHeaders(t, h)
			for _, want := range []string{`<form method="post"`, `name="token" value="` + f.token + `"`, "<button", tt.want, "Nyhetsbrev"} {
				if tt.query != "" && want == "Nyhetsbrev" {
					want = "Newsletter"
				}
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "<script") {
				t.Errorf("page loads external resources or scripts:\n%s", body)
			}
			if d := f.decision(t); !d.Allowed {
				t.Fatalf("GET changed the decision: %+v", d)
			}
		})
	}
}

func TestWithdrawSubmit(t *testing.T) {
	f := newWithdrawFixture(t)
	form := url.Values{"token": {f.token}, "lang": {"en"}}.Encode()
	status, h, body := f.send(t, "POST", "/withdraw", "application/x-www-form-urlencoded", strings.NewReader(form))
	if status != http.StatusOK || !strings.Contains(body, "Your consent has been withdrawn") {
		t.Fatalf("POST = %d:\n%s", status, body)
	}
	checkWithdrawHeaders(t, h)
	if d := f.decision(t); d.Allowed || d.Reason != consent.ReasonConsentWithdrawn {
		t.Fatalf("decision after POST = %+v", d)
	}
	// A second click answers the same page and changes nothing.
	status, _, body = f.send(t, "POST", "/withdraw", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"token": {f.token}}.Encode()))
	if status != http.StatusOK || !strings.Contains(body, "Samtykket ditt er trukket tilbake") {
		t.Fatalf("second POST = %d:\n%s", status, body)
	}
}

func TestWithdrawOneClick(t *testing.T) {
	t.Run("urlencoded", func(t *testing.T) {
		f := newWithdrawFixture(t)
		status, _, body := f.send(t, "POST", "/withdraw?token="+url.QueryEscape(f.token), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if status != http.StatusOK {
			t.Fatalf("one-click POST = %d:\n%s", status, body)
		}
		if d := f.decision(t); d.Allowed || d.Reason != consent.ReasonConsentWithdrawn {
			t.Fatalf("decision after one-click = %+v", d)
		}
	})
	t.Run("multipart", func(t *testing.T) {
		f := newWithdrawFixture(t)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.WriteField("List-Unsubscribe", "One-Click"); err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		status, _, body := f.send(t, "POST", "/withdraw?token="+url.QueryEscape(f.token), mw.FormDataContentType(), &buf)
		if status != http.StatusOK {
			t.Fatalf("one-click POST = %d:\n%s", status, body)
		}
		if d := f.decision(t); d.Allowed {
			t.Fatalf("decision after one-click = %+v", d)
		}
	})
}

func TestWithdrawBadToken(t *testing.T) {
	f := newWithdrawFixture(t)
	forged := f.token[:len(f.token)-5] + "AAAAA"
	if forged == f.token {
		forged = f.token[:len(f.token)-5] + "BBBBB"
	}
	tests := []struct {
		name, method, path, ct, body, want string
	}{
		{"GET forged", "GET", "/withdraw?lang=en&token=" + url.QueryEscape(forged), "", "", "This link is invalid or has expired"},
		{"GET forged, Norwegian", "GET", "/withdraw?token=" + url.QueryEscape(forged), "", "", "Lenken er ugyldig eller utløpt"},
		{"GET without token", "GET", "/withdraw", "", "", "Lenken er ugyldig"},
		{"POST forged", "POST", "/withdraw", "application/x-www-form-urlencoded", url.Values{"token": {forged}, "lang": {"en"}}.Encode(), "invalid or has expired"},
		{"one-click forged", "POST", "/withdraw?token=" + url.QueryEscape(forged), "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", "Lenken er ugyldig"},
		{"POST garbage", "POST", "/withdraw", "application/x-www-form-urlencoded", "token=%3Cscript%3E", "Lenken er ugyldig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			status, h, page := f.send(t, tt.method, tt.path, tt.ct, body)
			if status != http.StatusBadRequest || !strings.Contains(page, tt.want) {
				t.Fatalf("status %d; want 400 with %q:\n%s", status, tt.want, page)
			}
			checkWithdrawHeaders(t, h)
			if strings.Contains(page, forged) || strings.Contains(page, "<form") || strings.Contains(page, "script") {
				t.Errorf("page repeats the token or offers a form:\n%s", page)
			}
		})
	}
	if d := f.decision(t); !d.Allowed {
		t.Fatalf("a bad token changed the decision: %+v", d)
	}
}

func TestWithdrawExpiredToken(t *testing.T) {
	f := newWithdrawFixture(t)
	// The server's clock is not reachable from this package, so issue a
	// token whose lifetime rounds down to now (the clock is on a whole
	// second): it is expired at once.
	tok, err := f.ts.web.Consent.WithdrawalToken(&vern.ConsentEvent{Kind: vern.EventConsentGranted, ID: "evt_x", PersonID: "per_x", Purpose: "newsletter"}, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	status, _, page := f.send(t, "GET", "/withdraw?lang=en&token="+url.QueryEscape(tok), "", nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "invalid or has expired") {
		t.Fatalf("expired token: %d\n%s", status, page)
	}
}
