package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestAudienceAPI(t *testing.T) {
	ts := mustServer(t)
	for _, email := range []string{"ola@example.test", "kari@example.test", "none@example.test"} {
		apiScenario{name: "person", method: "POST", path: "/v1/people", wantStatus: 201,
			body: `{"email":"` + email + `","phone":"68050000","source":{"channel":"web_form"},"organization":{"name":"Firma AS","country":"NO"}}`}.run(t, ts)
	}
	for _, email := range []string{"ola@example.test", "kari@example.test"} {
		apiScenario{name: "grant", method: "POST", path: "/v1/consents", wantStatus: 201,
			body: `{"email":"` + email + `","purpose":"remarketing","action":"grant","source":"web_form"}`}.run(t, ts)
	}
	apiScenario{name: "restrict", method: "POST", path: "/v1/restrictions", wantStatus: 201,
		body: `{"email":"kari@example.test","action":"place","source":"email"}`}.run(t, ts)

	tests := []apiScenario{
		{name: "unknown field", method: "POST", path: "/v1/audiences", wantStatus: 422, wantField: "include[0].field", wantCode: "unknown_field",
			body: `{"name":"prospects","purpose":"remarketing","include":[{"field":"shoe_size","values":["42"]}]}`},
		{name: "unknown purpose", method: "POST", path: "/v1/audiences", wantStatus: 422, wantField: "purpose", wantCode: "unknown_purpose",
			body: `{"name":"prospects","purpose":"telepathy"}`},
		{name: "create", method: "POST", path: "/v1/audiences", wantStatus: 201, wantIn: []string{`"name":"prospects"`, `"use":"include"`, `"values":["NO"]`},
			body: `{"name":"prospects","purpose":"remarketing","include":[{"field":"organization.country","values":["no"]}],"exclude":[{"field":"has_contract","values":["true"]}]}`},
		{name: "replace", method: "POST", path: "/v1/audiences", wantStatus: 200,
			body: `{"name":"prospects","purpose":"remarketing","include":[{"field":"organization.country","values":["NO"]}]}`},
		{name: "list", method: "GET", path: "/v1/audiences", wantStatus: 200, wantIn: []string{`"audiences":[{"name":"prospects"`}},
		{name: "no token", method: "GET", path: "/v1/audiences", token: "-", wantStatus: 401},
		{name: "export unknown audience", method: "GET", path: "/v1/audiences/nobody/export?format=google", wantStatus: 404},
		{name: "export bad format", method: "GET", path: "/v1/audiences/prospects/export?format=facebook", wantStatus: 422},
		{name: "export csv without recipient", method: "GET", path: "/v1/audiences/prospects/export?format=csv", wantStatus: 422, wantField: "recipient"},
		{name: "linkedin too few", method: "GET", path: "/v1/audiences/prospects/export?format=linkedin", wantStatus: 422, wantField: "format", wantCode: "too_few"},
		{name: "export without token", method: "GET", path: "/v1/audiences/prospects/export?format=google", token: "-", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, ts) })
	}

	status, h, body := ts.do(t, "GET", "/v1/audiences/prospects/export?format=google", "", "")
	if status != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || h.Get("Vern-Ad-User-Data") != "GRANTED" || h.Get("Vern-Ad-Personalization") != "GRANTED" {
		t.Fatalf("export = %d %v %s", status, h, body)
	}
	// Only ola: kari is restricted, none gave no consent.
	lines := strings.Split(strings.TrimSpace(string(body)), "\r\n")
	if len(lines) != 2 || lines[0] != "Email,Phone,First Name,Last Name,Country,Zip" ||
		lines[1] != sha("ola@example.test")+",dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941,,,," {
		t.Fatalf("export body = %q", body)
	}
	apiScenario{name: "history", method: "GET", path: "/v1/audiences/prospects/exports", wantStatus: 200,
		wantIn: []string{`"recipient":"google"`, `"people":1`, `"actor":"token:tok_`}}.run(t, ts)
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
