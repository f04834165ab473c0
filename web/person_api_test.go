package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/web"
)

// syntheticFNR is a generated fødselsnummer with valid check digits.
const syntheticFNR = "15076500565"

type apiScenario struct {
	name       string
	method     string
	path       string
	body       string
	token      string // "" admin, "-" none
	wantStatus int
	wantField  string // for 422: a field that must be named
	wantCode   string // for 422: that field's code
	wantIn     []string
}

func (tt apiScenario) run(t *testing.T, ts *testServer) []byte {
	t.Helper()
	status, h, body := ts.do(t, tt.method, tt.path, tt.body, tt.token)
	if status != tt.wantStatus {
		t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, status, body, tt.wantStatus)
	}
	if status >= 400 {
		if ct := h.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("Content-Type = %q, want application/problem+json", ct)
		}
		p := decode[web.Problem](t, body)
		if p.Status != status || p.Title == "" {
			t.Errorf("problem = %+v, want status %d and a title", p, status)
		}
		if tt.wantField != "" {
			found := false
			for _, f := range p.Errors {
				found = found || f.Field == tt.wantField && (tt.wantCode == "" || f.Code == tt.wantCode)
			}
			if !found {
				t.Errorf("errors = %+v, want field %q code %q", p.Errors, tt.wantField, tt.wantCode)
			}
		}
	}
	for _, s := range tt.wantIn {
		if !strings.Contains(string(body), s) {
			t.Errorf("body %s does not contain %q", body, s)
		}
	}
	return body
}

func TestPersonAPI(t *testing.T) {
	ts := mustServer(t)
	created := apiScenario{
		name: "create", method: "POST", path: "/v1/people", wantStatus: 201,
		body:   `{"first_name":"Kari","last_name":"Nordmann","email":"Kari@Example.test","phone":"+47 412 34 567","organization":{"name":"Mementor AS","org_number":"915 213 049"},"source":{"channel":"web_form"}}`,
		wantIn: []string{`"email":"kari@example.test"`, `"phone":"+4741234567"`, `"org_number":"915213049"`},
	}.run(t, ts)
	p := decode[vern.Person](t, created)

	tests := []apiScenario{
		{name: "create again matches", method: "POST", path: "/v1/people", body: `{"email":" KARI@example.test","source":{"channel":"api"}}`, wantStatus: 200, wantIn: []string{p.ID}},
		{name: "find by email", method: "GET", path: "/v1/people?email=kari%40EXAMPLE.test", wantStatus: 200, wantIn: []string{p.ID, "Nordmann"}},
		{name: "get by id", method: "GET", path: "/v1/people/" + p.ID, wantStatus: 200, wantIn: []string{"Nordmann"}},
		{name: "rectify", method: "PATCH", path: "/v1/people/" + p.ID, body: `{"last_name":"Nordmann-Hansen"}`, wantStatus: 200, wantIn: []string{"Nordmann-Hansen", `"first_name":"Kari"`}},
		{name: "add interaction", method: "POST", path: "/v1/people/" + p.ID + "/interactions", body: `{"channel":"phone","kind":"question","text":"Asked about pricing."}`, wantStatus: 201, wantIn: []string{"Asked about pricing."}},
		{name: "list interactions", method: "GET", path: "/v1/people/" + p.ID + "/interactions", wantStatus: 200, wantIn: []string{"Asked about pricing."}},

		{name: "unknown person", method: "GET", path: "/v1/people/per_nobody", wantStatus: 404},
		{name: "unknown email", method: "GET", path: "/v1/people?email=nobody%40example.test", wantStatus: 404},
		{name: "no token", method: "GET", path: "/v1/people/" + p.ID, token: "-", wantStatus: 401},
		{name: "wrong token", method: "GET", path: "/v1/people/" + p.ID, token: "vern_wrong", wantStatus: 401},
		{name: "not a vern token", method: "POST", path: "/v1/people", body: `{"email":"x@example.test","source":{"channel":"api"}}`, token: "abc", wantStatus: 401},

		{name: "national ID refused", method: "POST", path: "/v1/people", body: `{"first_name":"Kari","last_name":"` + syntheticFNR + `","email":"n@example.test","source":{"channel":"api"}}`, wantStatus: 422, wantField: "last_name", wantCode: "norwegian_national_id"},
		{name: "national ID in rectification refused", method: "PATCH", path: "/v1/people/" + p.ID, body: `{"first_name":"fnr ` + syntheticFNR + `"}`, wantStatus: 422, wantField: "first_name", wantCode: "norwegian_national_id"},
		{name: "national ID in interaction refused", method: "POST", path: "/v1/people/" + p.ID + "/interactions", body: `{"channel":"email","kind":"note","text":"id ` + syntheticFNR + `"}`, wantStatus: 422, wantField: "text", wantCode: "norwegian_national_id"},
		{name: "malformed JSON", method: "POST", path: "/v1/people", body: `{"email":`, wantStatus: 400},
		{name: "unknown field", method: "POST", path: "/v1/people", body: `{"email":"u@example.test","source":{"channel":"api"},"shoe_size":44}`, wantStatus: 422, wantField: "shoe_size"},
		{name: "wrong type", method: "POST", path: "/v1/people", body: `{"email":42,"source":{"channel":"api"}}`, wantStatus: 422, wantField: "email"},
		{name: "invalid email", method: "POST", path: "/v1/people", body: `{"email":"nope","source":{"channel":"api"}}`, wantStatus: 422, wantField: "email", wantCode: "invalid_email"},
		{name: "invalid phone", method: "POST", path: "/v1/people", body: `{"phone":"123","source":{"channel":"api"}}`, wantStatus: 422, wantField: "phone", wantCode: "invalid_phone"},
		{name: "unknown channel", method: "POST", path: "/v1/people", body: `{"email":"c@example.test","source":{"channel":"fax"}}`, wantStatus: 422, wantField: "source.channel", wantCode: "unknown"},
		{name: "oversized body", method: "POST", path: "/v1/people", body: `{"email":"big@example.test","source":{"channel":"api","reference":"` + strings.Repeat("x", 70<<10) + `"}}`, wantStatus: 413},
		{name: "missing email parameter", method: "GET", path: "/v1/people", wantStatus: 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, ts) })
	}

	// Nothing refused was written or logged.
	for _, bad := range []string{"n@example.test", "u@example.test", "c@example.test", "big@example.test"} {
		if status, _, _ := ts.do(t, "GET", "/v1/people?email="+bad, "", ""); status != http.StatusNotFound {
			t.Errorf("refused person %s was stored (status %d)", bad, status)
		}
	}
	if strings.Contains(ts.logs.String(), syntheticFNR) || strings.Contains(ts.logs.String(), "kari@example.test") {
		t.Errorf("logs contain personal data:\n%s", ts.logs.String())
	}
}

// TestRefusedValueNeverEchoed checks every error body for the refused value.
func TestRefusedValueNeverEchoed(t *testing.T) {
	ts := mustServer(t)
	for _, body := range []string{
		`{"first_name":"` + syntheticFNR + `","email":"e@example.test","source":{"channel":"api"}}`,
		`{"email":"` + syntheticFNR + `","source":{"channel":"api"}}`,
		`{"phone":"` + syntheticFNR + `","source":{"channel":"api"}}`,
		`{"email":"e@example.test","source":{"channel":"` + syntheticFNR + `"}}`,
		`{"email":"e@example.test","source":{"channel":"api"},"` + syntheticFNR + `":1}`,
		`{"email":` + syntheticFNR + `,"source":{"channel":"api"}}`,
	} {
		status, _, resp := ts.do(t, "POST", "/v1/people", body, "")
		if status < 400 {
			t.Errorf("%s accepted with %d", body, status)
		}
		if strings.Contains(string(resp), syntheticFNR) {
			t.Errorf("response echoes the refused value: %s", resp)
		}
	}
	if strings.Contains(ts.logs.String(), syntheticFNR) {
		t.Errorf("logs contain the refused value")
	}
}

func TestPersonAPIOnPostgres(t *testing.T) {
	ts := mustServerOn(t, testdb.Postgres(t))
	for i := range 3 {
		apiScenario{name: "create", method: "POST", path: "/v1/people", wantStatus: 201,
			body: fmt.Sprintf(`{"email":"pg%d@example.test","source":{"channel":"api"}}`, i)}.run(t, ts)
	}
	apiScenario{name: "find", method: "GET", path: "/v1/people?email=PG1%40example.test", wantStatus: 200, wantIn: []string{"pg1@example.test"}}.run(t, ts)
}
