package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern/internal/smtptest"
)

// TestMailingEndToEnd runs vern serve against a real SMTP server: a
// newsletter reaches each subscriber exactly once with RFC 8058 headers,
// the one-click POST from the header unsubscribes, and the CLI then
// exports the audience without them. (newsletter/delivery_test.go covers
// a server that drops the connection mid-batch.)
func TestMailingEndToEnd(t *testing.T) {
	smtp := smtptest.Start(t)
	r := MustRunMain(t, nil, "--smtp-url", smtp.URL(), "--public-url", "https://privacy.example.test", "--mail-from", "Nyheter <nyheter@example.test>")
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		st, b, _ := r.call(t, true, method, path, body)
		return st, b
	}
	emails := []string{"a@example.test", "b@example.test", "c@example.test"}
	for _, e := range emails {
		if st, b := call("POST", "/v1/people", `{"email":"`+e+`","language":"en","source":{"channel":"web_form"}}`); st != 201 {
			t.Fatalf("create: %d %s", st, b)
		}
		for _, purpose := range []string{"newsletter", "remarketing"} {
			if st, b := call("POST", "/v1/consents", `{"email":"`+e+`","purpose":"`+purpose+`","action":"grant","source":"web_form"}`); st != 201 {
				t.Fatalf("grant: %d %s", st, b)
			}
		}
	}
	st, b := call("POST", "/v1/newsletters/newsletter/sends", `{"subject":{"nb":"Nytt","en":"News"},"body":{"nb":"Hei","en":"Hello"}}`)
	if st != 201 || !strings.Contains(string(b), `"queued":3`) {
		t.Fatalf("send: %d %s", st, b)
	}
	msgs := smtp.WaitFor(3, 20*time.Second)
	time.Sleep(700 * time.Millisecond) // a resend, if any, would arrive by now
	msgs = smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages delivered, want each of 3 exactly once", len(msgs))
	}
	seen := map[string]bool{}
	var unsubscribe string
	for _, m := range msgs {
		if seen[m.To[0]] {
			t.Fatalf("%s got the newsletter twice", m.To[0])
		}
		seen[m.To[0]] = true
		lu := m.Header("List-Unsubscribe")
		if !strings.HasPrefix(lu, "<https://privacy.example.test/u/") || m.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || m.Header("Subject") != "News" {
			t.Fatalf("headers: List-Unsubscribe %q, -Post %q, Subject %q", lu, m.Header("List-Unsubscribe-Post"), m.Header("Subject"))
		}
		if m.To[0] == "a@example.test" {
			unsubscribe = strings.Trim(lu, "<>")
		}
	}
	// The mailbox provider's one-click POST, to our address instead of the public one.
	path := strings.TrimPrefix(unsubscribe, "https://privacy.example.test")
	resp, err := http.Post("http://"+r.addr+path, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click POST = %d", resp.StatusCode)
	}
	if st, b := call("GET", "/v1/decisions?email=a%40example.test&purpose=newsletter", ""); st != 200 || !strings.Contains(string(b), `"allowed":false`) {
		t.Fatalf("decision after unsubscribing: %d %s", st, b)
	}
	r.stop()

	// The unsubscribed email is suppressed for every audience too.
	code, _, stderr := runCLI(t, nil, "audience", "define", "prospects", "--purpose", "remarketing", "--data", r.data)
	if code != 0 {
		t.Fatalf("define: %d %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "prospects.csv")
	code, _, stderr = runCLI(t, nil, "audience", "export", "prospects", "--format", "google", "--out", out, "--data", r.data)
	if code != 0 || !strings.Contains(stderr, "2 of 3 people exported to google") || !strings.Contains(stderr, "left out, suppressed: 1") ||
		!strings.Contains(stderr, "ad_user_data=GRANTED ad_personalization=GRANTED") {
		t.Fatalf("export: %d %s", code, stderr)
	}
	file, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(file), "Email,Phone,First Name,Last Name,Country,Zip\r\n") || strings.Count(string(file), "\r\n") != 3 {
		t.Fatalf("export file %q, %v", file, err)
	}
	code, _, stderr = runCLI(t, nil, "audience", "export", "prospects", "--format", "linkedin", "--out", out+".li", "--data", r.data)
	if code != 1 || !strings.Contains(stderr, "at least 300 rows") {
		t.Fatalf("linkedin export of 2: %d %s", code, stderr)
	}
	if _, err := os.Stat(out + ".li"); !os.IsNotExist(err) {
		t.Fatal("a refused export left a file")
	}
	code, stdout, _ := runCLI(t, nil, "newsletter", "list", "--data", r.data)
	if code != 0 || !strings.Contains(stdout, "newsletter") || !strings.Contains(stdout, "queued") {
		t.Fatalf("newsletter list: %d %s", code, stdout)
	}
}
