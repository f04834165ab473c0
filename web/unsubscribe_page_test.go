package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vernhq/vern"
)

// TestUnsubscribeOneClick follows RFC 8058 and REFERENCE.md §11 item 26: a
// GET shows a page and changes nothing; a POST with the one-click body and
// no cookies unsubscribes at once and answers 200 without a redirect; a
// forged or foreign token is a 4xx that changes nothing.
func TestUnsubscribeOneClick(t *testing.T) {
	ts := mustServer(t)
	ctx := context.Background()
	body := apiScenario{name: "person", method: "POST", path: "/v1/people", wantStatus: 201,
		body: `{"email":"kari@example.test","source":{"channel":"web_form"}}`}.run(t, ts)
	p := decode[vern.Person](t, body)
	grant := apiScenario{name: "grant", method: "POST", path: "/v1/consents", wantStatus: 201,
		body: `{"email":"kari@example.test","purpose":"newsletter","action":"grant","source":"web_form"}`}.run(t, ts)
	withdrawURL := decode[struct {
		WithdrawURL string `json:"withdraw_url"`
	}](t, grant).WithdrawURL
	tok, err := ts.newsletters.Token(vern.ListNewsletter, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	allowed := func() bool {
		t.Helper()
		_, _, b := ts.do(t, "GET", "/v1/decisions?email=kari%40example.test&purpose=newsletter", "", "")
		return strings.Contains(string(b), `"allowed":true`)
	}
	suppressed := func() int {
		n, err := ts.store.CountSuppressions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	post := func(path, contentType, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
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

	// GET: a page with a button, and no change.
	status, h, page := ts.do(t, "GET", "/u/"+tok, "", "-")
	if status != 200 || !strings.Contains(string(page), `<form method="post">`) || !strings.Contains(string(page), "Nyhetsbrev") || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET = %d %s", status, page)
	}
	if !allowed() || suppressed() != 0 {
		t.Fatal("a GET unsubscribed")
	}

	// Forged and foreign tokens: 400, no change.
	forged := tok[:len(tok)-3] + "AAA"
	withdrawToken := strings.TrimPrefix(withdrawURL, "/withdraw?token=")
	for name, bad := range map[string]string{"forged": forged, "withdrawal token": withdrawToken, "garbage": "x"} {
		if st, _, _ := post("/u/"+bad, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); st != http.StatusBadRequest {
			t.Errorf("%s: POST = %d, want 400", name, st)
		}
		if st, _, _ := ts.do(t, "GET", "/u/"+bad, "", "-"); st != http.StatusBadRequest {
			t.Errorf("%s: GET = %d, want 400", name, st)
		}
	}
	if !allowed() || suppressed() != 0 {
		t.Fatal("a bad token changed something")
	}

	// One-click POST: 200, no redirect, unsubscribed at once.
	status, h, text := post("/u/"+tok, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	if status != 200 || h.Get("Location") != "" || !strings.Contains(text, "Du er meldt av") {
		t.Fatalf("one-click POST = %d %v %s", status, h, text)
	}
	if allowed() || suppressed() != 1 {
		t.Fatal("the one-click POST did not unsubscribe at once")
	}
	// Again, as multipart: still 200.
	if st, _, _ := post("/u/"+tok, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n"); st != 200 {
		t.Fatalf("second one-click POST = %d", st)
	}
}
