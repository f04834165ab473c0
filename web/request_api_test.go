package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/mail"
)

// mailedCode returns the verification code queued for a request.
func (ts *testServer) mailedCode(t *testing.T, id string) string {
	t.Helper()
	sms, err := ts.store.FindMailOfRequest(t.Context(), id)
	if err != nil || len(sms) == 0 {
		t.Fatalf("no mail for %s: %v", id, err)
	}
	m, err := mail.Open(ts.keys, sms[0])
	if err != nil {
		t.Fatal(err)
	}
	return m.Vars["code"]
}

func TestPublicRequestAPI(t *testing.T) {
	ts := mustServer(t)
	if st, _, b := ts.do(t, "POST", "/v1/people", `{"email":"kjent@example.test","source":{"channel":"api"}}`, ""); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	// Known and unknown addresses get the same answer.
	var bodies []map[string]any
	for _, email := range []string{"kjent@example.test", "ukjent@example.test"} {
		st, _, b := ts.do(t, "POST", "/v1/public/requests", `{"kind":"access","email":"`+email+`"}`, "-")
		if st != http.StatusAccepted {
			t.Fatalf("submit %s: %d %s", email, st, b)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		bodies = append(bodies, m)
	}
	if bodies[0]["status"] != bodies[1]["status"] || bodies[0]["due_on"] != bodies[1]["due_on"] || len(bodies[0]) != len(bodies[1]) {
		t.Fatalf("answers differ: %v vs %v", bodies[0], bodies[1])
	}
	id := bodies[0]["id"].(string)

	// A national identity number is refused, named by field, not echoed.
	st, _, b := ts.do(t, "POST", "/v1/public/requests", `{"kind":"complaint","email":"a@example.test","details":{"message":"fnr 15838512086"}}`, "-")
	if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"details.message"`) || strings.Contains(string(b), "15838512086") {
		t.Fatalf("fnr in a complaint: %d %s", st, b)
	}
	if strings.Contains(ts.logs.String(), "15838512086") || strings.Contains(ts.logs.String(), "kjent@example.test") {
		t.Fatal("personal data reached the log")
	}

	// The verification page: GET changes nothing, a wrong code says so,
	// the right one verifies.
	st, _, b = ts.do(t, "GET", "/privacy/requests/"+id+"/verify?lang=en", "", "-")
	if st != 200 || !strings.Contains(string(b), `name="code"`) {
		t.Fatalf("verify page: %d %s", st, b)
	}
	form := func(code string) (int, string) {
		resp, err := http.PostForm(ts.URL+"/privacy/requests/"+id+"/verify?lang=en", url.Values{"code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		page, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(page)
	}
	if st, page := form("<script>alert(1)</script>"); st != http.StatusUnprocessableEntity || strings.Contains(page, "<script>alert") {
		t.Fatalf("wrong code: %d %s", st, page)
	}
	if st, page := form(ts.mailedCode(t, id)); st != 200 || !strings.Contains(page, "confirmed") {
		t.Fatalf("right code: %d %s", st, page)
	}
	st, _, b = ts.do(t, "GET", "/v1/requests/"+id, "", "")
	if st != 200 || !strings.Contains(string(b), `"status":"verified"`) || !strings.Contains(string(b), `"history"`) {
		t.Fatalf("get request: %d %s", st, b)
	}
	if st, _, _ := ts.do(t, "GET", "/v1/requests/"+id, "", "-"); st != http.StatusUnauthorized {
		t.Fatalf("admin endpoint without a token: %d", st)
	}
	st, _, b = ts.do(t, "GET", "/v1/requests?status=open", "", "")
	if st != 200 || strings.Count(string(b), `"kind":"access"`) != 2 {
		t.Fatalf("list: %d %s", st, b)
	}
	if st, _, _ := ts.do(t, "GET", "/v1/requests?status=nonsense", "", ""); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad status filter: %d", st)
	}
	st, _, b = ts.do(t, "GET", "/.well-known/vern-transfer-key", "", "-")
	if st != 200 || !strings.Contains(string(b), `"crv":"Ed25519"`) {
		t.Fatalf("transfer key: %d %s", st, b)
	}
	if st, _, _ := ts.do(t, "GET", "/v1/public/packages/forged?format=json", "", "-"); st != http.StatusNotFound {
		t.Fatalf("forged package link: %d", st)
	}
}

func TestPersonPackageAndDocuments(t *testing.T) {
	ts := mustServer(t)
	st, _, b := ts.do(t, "POST", "/v1/people", `{"first_name":"Åse","email":"pakke@example.test","source":{"channel":"api"}}`, "")
	if st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	var p vern.Person
	_ = json.Unmarshal(b, &p)
	st, _, b = ts.do(t, "POST", "/v1/people/"+p.ID+"/documents", `{"kind":"primary","reference":"F-1","dated_on":"2025-03-10"}`, "")
	if st != 201 || !strings.Contains(string(b), `"hold_until":"2030-12-31"`) {
		t.Fatalf("add document: %d %s", st, b)
	}
	if st, _, b := ts.do(t, "POST", "/v1/people/"+p.ID+"/documents", `{"kind":"primary","reference":"F-2","dated_on":"2025-02-30"}`, ""); st != 422 || !strings.Contains(string(b), "dated_on") {
		t.Fatalf("impossible date: %d %s", st, b)
	}
	for format, ct := range map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf"} {
		st, h, b := ts.do(t, "GET", "/v1/people/"+p.ID+"/package?format="+format+"&lang=nb", "", "")
		if st != 200 || h.Get("Content-Type") != ct || len(b) == 0 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s package: %d %s", format, st, h.Get("Content-Type"))
		}
	}
	if st, _, _ := ts.do(t, "GET", "/v1/people/per_nosuch/package", "", ""); st != 404 {
		t.Fatalf("package of an unknown person: %d", st)
	}
}
