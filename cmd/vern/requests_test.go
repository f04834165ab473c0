package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern/internal/smtptest"
)

// TestRequestsEndToEnd runs vern serve against a real SMTP server: a
// person asks for access through the public endpoint, receives the code by
// email, verifies it, gets the completion email with a download link, and
// downloads the package; staff erase another person; the CLI lists both.
func TestRequestsEndToEnd(t *testing.T) {
	smtp := smtptest.Start(t)
	r := MustRunMain(t, nil, "--smtp-url", smtp.URL(), "--public-url", "https://privacy.example.test", "--mail-from", "Personvern <personvern@example.test>")
	call := func(method, path, body string, admin bool) (int, []byte, http.Header) {
		t.Helper()
		return r.call(t, admin, method, path, body)
	}
	for _, email := range []string{"innsyn@example.test", "slett@example.test"} {
		if st, b, _ := call("POST", "/v1/people", `{"first_name":"Åse","email":"`+email+`","source":{"channel":"api"}}`, true); st != 201 {
			t.Fatalf("create person: %d %s", st, b)
		}
	}

	st, b, _ := call("POST", "/v1/public/requests", `{"kind":"access","email":"innsyn@example.test","language":"nb"}`, false)
	if st != http.StatusAccepted {
		t.Fatalf("submit: %d %s", st, b)
	}
	var rc struct{ ID, Status string }
	if err := json.Unmarshal(b, &rc); err != nil || rc.Status != "received" {
		t.Fatalf("receipt %s: %v", b, err)
	}
	msgs := smtp.WaitFor(1, 15*time.Second)
	verification := msgs[0]
	if verification.To[0] != "innsyn@example.test" || !strings.Contains(verification.Header("Subject"), "Bekreft") {
		t.Fatalf("verification mail to %v, subject %q", verification.To, verification.Header("Subject"))
	}
	code := regexp.MustCompile(`\b\d{4} \d{4}\b`).FindString(verification.Text())
	if code == "" {
		t.Fatalf("no code in the verification mail:\n%s", verification.Text())
	}
	if !strings.Contains(verification.Text(), "https://privacy.example.test/privacy/requests/"+rc.ID+"/verify") {
		t.Errorf("the verification mail lacks the verification link:\n%s", verification.Text())
	}
	if st, b, _ := call("POST", "/v1/public/requests/"+rc.ID+"/verify", `{"code":"00000000"}`, false); st != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d %s", st, b)
	}
	if st, b, _ := call("POST", "/v1/public/requests/"+rc.ID+"/verify", `{"code":"`+code+`"}`, false); st != http.StatusOK {
		t.Fatalf("verify: %d %s", st, b)
	}
	// Acknowledgement, then completion, arrive without anyone acting.
	msgs = smtp.WaitFor(3, 20*time.Second)
	completion := msgs[2]
	link := regexp.MustCompile(`https://privacy\.example\.test/privacy/packages/([A-Za-z0-9_-]+)`).FindStringSubmatch(completion.Text())
	if link == nil {
		t.Fatalf("no package link in the completion mail:\n%s", completion.Text())
	}
	st, b, h := call("GET", "/v1/public/packages/"+link[1]+"?format=json", "", false)
	if st != 200 || !strings.Contains(string(b), `"email": "innsyn@example.test"`) || !strings.Contains(string(b), "Datatilsynet") {
		t.Fatalf("package: %d %s %s", st, h.Get("Content-Type"), b)
	}
	st, b, h = call("GET", "/v1/public/packages/"+link[1]+"?format=pdf", "", false)
	if st != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("pdf package: %d %s", st, h.Get("Content-Type"))
	}
	if st, _, _ := call("GET", "/v1/public/packages/"+link[1]+"x?format=json", "", false); st != 404 {
		t.Fatalf("forged link: %d", st)
	}

	// Staff erase a known person without a code, with the reason recorded.
	st, b, _ = call("POST", "/v1/people?email=slett@example.test", "", true)
	st, b, _ = call("GET", "/v1/people?email=slett@example.test", "", true)
	var p struct{ ID string }
	if err := json.Unmarshal(b, &p); err != nil || st != 200 {
		t.Fatalf("find person: %d %s", st, b)
	}
	st, b, _ = call("POST", "/v1/requests", `{"kind":"erasure","person_id":"`+p.ID+`","skip_verification":true,"skip_reason":"asked in person at the office"}`, true)
	if st != 201 {
		t.Fatalf("open erasure: %d %s", st, b)
	}
	var er struct{ ID string }
	_ = json.Unmarshal(b, &er)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, b, _ = call("GET", "/v1/requests/"+er.ID, "", true)
		if strings.Contains(string(b), `"status":"completed"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("erasure not completed: %d %s", st, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, _, _ := call("GET", "/v1/people/"+p.ID, "", true); st != 404 {
		t.Fatalf("erased person: %d", st)
	}
	if code := r.stop(); code != 0 {
		t.Fatalf("vern serve exited %d:\n%s", code, r.stderr.String())
	}
	for _, m := range smtp.Messages() {
		if strings.Contains(r.stderr.String(), m.To[0]) {
			t.Fatalf("an email address reached the log")
		}
	}

	code2, out, errOut := runCLI(t, nil, "requests", "list", "--status", "all", "--data", r.data)
	if code2 != 0 || strings.Count(out, "completed") != 2 || !strings.Contains(out, rc.ID) {
		t.Fatalf("requests list: %d\n%s\n%s", code2, out, errOut)
	}
	code2, out, errOut = runCLI(t, nil, "requests", "show", rc.ID, "--data", r.data)
	if code2 != 0 || !strings.Contains(out, `"history"`) || !strings.Contains(out, `"in_progress"`) {
		t.Fatalf("requests show: %d\n%s\n%s", code2, out, errOut)
	}
	code2, out, errOut = runCLI(t, nil, "requests", "open", "--kind", "objection", "--email", "innsyn@example.test",
		"--skip-reason", "asked on the phone from the number on file", "--data", r.data)
	if code2 != 0 || !strings.Contains(out, "is completed") {
		t.Fatalf("requests open: %d\n%s\n%s", code2, out, errOut)
	}
	code2, _, errOut = runCLI(t, nil, "requests", "extend", rc.ID, "--reason", "more time", "--data", r.data)
	if code2 == 0 || !strings.Contains(errOut, "closed") {
		t.Fatalf("extending a completed request: %d %s", code2, errOut)
	}
}
