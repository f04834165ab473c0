package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// form posts an HTML form without following redirects.
func (ts *testServer) form(t *testing.T, path string, v url.Values, origin string) (int, http.Header, []byte) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if origin != "" {
		h["Origin"] = origin
	}
	return ts.raw(t, "POST", path, []byte(v.Encode()), h)
}

func assertSafePage(t *testing.T, name string, h http.Header, b []byte) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("%s: CSP %q allows scripts", name, csp)
	}
	page := string(b)
	if strings.Contains(page, "<script") || strings.Contains(page, "<img src=x") {
		t.Errorf("%s: the page carries a script", name)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href|action)="(https?:)?//[^"]*"`).FindAllString(page, -1) {
		t.Errorf("%s: third-party reference %s", name, ref)
	}
}

func TestPrivacyCentrePages(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	for _, lang := range []string{"nb", "en"} {
		for _, path := range []string{"/privacy/centre", "/privacy/versions"} {
			st, h, b := ts.raw(t, "GET", path+"?lang="+lang, nil, nil)
			if st != 200 || !strings.Contains(string(b), `<html lang="`+lang+`"`) {
				t.Fatalf("%s %s: %d", path, lang, st)
			}
			assertSafePage(t, path, h, b)
		}
	}
	_, _, b := ts.raw(t, "GET", "/privacy/centre?lang=en", nil, nil)
	for _, want := range []string{`<label for="email">`, `<label for="kind">`, `name="kind"`, `value="portability"`, `value="direct_marketing"`, "/privacy/versions"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("centre lacks %s", want)
		}
	}
	_, _, b = ts.raw(t, "GET", "/privacy/versions?lang=en", nil, nil)
	if !strings.Contains(string(b), `/privacy/versions/2023-06-27?lang=en`) {
		t.Fatalf("versions page lacks the seed version: %s", b)
	}
	st, _, b := ts.raw(t, "GET", "/privacy/versions/2023-06-27?lang=en", nil, nil)
	if st != 200 || !strings.Contains(string(b), "Mementor") {
		t.Fatalf("version page: %d", st)
	}
	if st, _, _ := ts.raw(t, "GET", "/privacy/versions/1999-01-01", nil, nil); st != 404 {
		t.Fatalf("unknown version: %d", st)
	}
}

// TestPrivacyCentreEscapesInput sends script through every text field that
// reaches a page (request form, a person's name, the form's own echo) and
// checks each page shows it as text.
func TestPrivacyCentreEscapesInput(t *testing.T) {
	ts := mustCookieServer(t, 1000)
	if st, _, b := ts.do(t, "POST", "/v1/people", `{"first_name":"<script>alert(\"x\")</script>","last_name":"<img src=x onerror=alert(1)>","email":"kari@example.test","source":{"channel":"api"}}`, ""); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}

	// A refused form is shown again with the values escaped.
	st, h, b := ts.form(t, "/privacy/requests?lang=en", url.Values{"kind": {"access"}, "email": {`"><script>alert(1)</script>`}, "message": {xss}}, "")
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad email: %d %s", st, b)
	}
	assertSafePage(t, "refused form", h, b)
	if !strings.Contains(string(b), "&lt;script&gt;") {
		t.Fatalf("the form does not show the escaped input: %s", b)
	}

	// A good form opens the request and goes on to the code page.
	st, h, b = ts.form(t, "/privacy/requests?lang=en", url.Values{"kind": {"access"}, "email": {"kari@example.test"}, "message": {xss}}, "")
	if st != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", st, b)
	}
	loc := h.Get("Location")
	m := regexp.MustCompile(`^/privacy/requests/([^/]+)/verify\?lang=en$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("redirect to %q", loc)
	}
	id := m[1]
	code := ts.mailedCode(t, id)
	if st, _, b := ts.form(t, "/privacy/requests/"+id+"/verify?lang=en", url.Values{"code": {code}}, ""); st != 200 {
		t.Fatalf("verify: %d %s", st, b)
	}
	if err := ts.requests.Process(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	token := ts.requests.PackageToken(id, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))

	st, h, b = ts.raw(t, "GET", "/privacy/packages/"+token+"?lang=en", nil, nil)
	if st != 200 {
		t.Fatalf("me: %d %s", st, b)
	}
	assertSafePage(t, "me", h, b)
	page := string(b)
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("the name is not shown escaped: %s", page)
	}
	if !strings.Contains(page, "/v1/public/packages/"+token+"?format=pdf") {
		t.Fatal("no package download link")
	}

	// The person gives a consent from the page; a form from another site
	// is refused.
	give := url.Values{"action": {"grant"}, "purpose": {"newsletter"}}
	if st, _, _ := ts.form(t, "/privacy/packages/"+token+"?lang=en", give, "https://evil.test"); st != http.StatusForbidden {
		t.Fatalf("cross-site form: %d", st)
	}
	st, h, b = ts.form(t, "/privacy/packages/"+token+"?lang=en", give, ts.URL)
	if st != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", st, b)
	}
	_, _, b = ts.raw(t, "GET", h.Get("Location"), nil, nil)
	if !regexp.MustCompile(`(?s)<td>[^<]*</td><td>Given</td>`).Match(b) || !strings.Contains(string(b), "Your choice is saved.") {
		t.Fatalf("consent not shown as given: %s", b)
	}
	// A forged token shows no one's data.
	st, _, b = ts.raw(t, "GET", "/privacy/packages/"+token[:len(token)-2]+"AA?lang=en", nil, nil)
	if st != 404 || strings.Contains(string(b), "kari@example.test") {
		t.Fatalf("forged token: %d", st)
	}
	if strings.Contains(ts.logs.String(), "kari@example.test") {
		t.Fatal("personal data reached the log")
	}
}
