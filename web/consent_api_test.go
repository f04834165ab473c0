package web_test

import (
	"strings"
	"testing"

	"github.com/vernhq/vern"
)

func TestConsentAPI(t *testing.T) {
	ts := mustServer(t)
	body := apiScenario{name: "person", method: "POST", path: "/v1/people", wantStatus: 201,
		body: `{"email":"kari@example.test","source":{"channel":"web_form"}}`}.run(t, ts)
	p := decode[vern.Person](t, body)

	grant := apiScenario{name: "grant", method: "POST", path: "/v1/consents", wantStatus: 201,
		body:   `{"email":"kari@example.test","purpose":"newsletter","action":"grant","source":"web_form","ip":"203.0.113.9","page_url":"https://example.test/signup"}`,
		wantIn: []string{`"kind":"consent_granted"`, `"ip_prefix":"203.0.113.0/24"`, `"seq":1`, `"receipt_url":"/v1/receipts/evt_`}}.run(t, ts)
	if strings.Contains(string(grant), "203.0.113.9") {
		t.Fatal("the full IP address was stored")
	}
	e := decode[vern.ConsentEvent](t, grant)
	links := decode[struct {
		WithdrawURL string `json:"withdraw_url"`
	}](t, grant)
	if !strings.HasPrefix(links.WithdrawURL, "/withdraw?token=") {
		t.Fatalf("withdraw_url = %q", links.WithdrawURL)
	}
	if status, _, page := ts.do(t, "GET", links.WithdrawURL, "", "-"); status != 200 || !strings.Contains(string(page), "<form") {
		t.Fatalf("the withdrawal link's page = %d", status)
	}
	if !strings.HasPrefix(e.Actor, "token:tok_") {
		t.Fatalf("actor = %q, want the token", e.Actor)
	}

	tests := []apiScenario{
		{name: "decision allowed", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=newsletter", wantStatus: 200,
			wantIn: []string{`"allowed":true`, `"basis":"consent"`, `"evidence_id":"` + e.ID + `"`}},
		{name: "decision unknown person", method: "GET", path: "/v1/decisions?email=nobody%40example.test&purpose=newsletter", wantStatus: 200,
			wantIn: []string{`"allowed":false`, `"reason":"unknown_person"`}},
		{name: "decision unknown purpose", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=horoscopes", wantStatus: 422, wantField: "purpose", wantCode: "unknown_purpose"},
		{name: "bulk", method: "POST", path: "/v1/decisions", body: `{"purpose":"newsletter","emails":["nobody@example.test","KARI@example.test"]}`, wantStatus: 200,
			wantIn: []string{`"results":[{"allowed":false,"basis":"","reason":"unknown_person"},{"allowed":true,"basis":"consent","reason":"consent_given"`}},
		{name: "withdraw never given", method: "POST", path: "/v1/consents", body: `{"email":"kari@example.test","purpose":"remarketing","action":"withdraw","source":"web_form"}`, wantStatus: 409},
		{name: "grant for legitimate interest", method: "POST", path: "/v1/consents", body: `{"email":"kari@example.test","purpose":"sales_contact","action":"grant","source":"web_form"}`, wantStatus: 422, wantField: "purpose", wantCode: "not_consent_purpose"},
		{name: "unknown person", method: "POST", path: "/v1/consents", body: `{"email":"nobody@example.test","purpose":"newsletter","action":"grant","source":"web_form"}`, wantStatus: 404},
		{name: "objection", method: "POST", path: "/v1/objections", body: `{"person_id":"` + p.ID + `","scope":"direct_marketing","source":"email"}`, wantStatus: 201, wantIn: []string{`"kind":"objection"`, `"seq":2`}},
		{name: "newsletter after objection", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=newsletter", wantStatus: 200, wantIn: []string{`"reason":"objected"`}},
		{name: "state", method: "GET", path: "/v1/people/" + p.ID + "/consents", wantStatus: 200, wantIn: []string{`"objections":["direct_marketing"]`, `"history":[`}},
		{name: "lift without restriction", method: "POST", path: "/v1/restrictions", body: `{"email":"kari@example.test","action":"lift","source":"email"}`, wantStatus: 409},
		{name: "restrict", method: "POST", path: "/v1/restrictions", body: `{"email":"kari@example.test","action":"place","source":"email"}`, wantStatus: 201, wantIn: []string{`"kind":"restriction_placed"`}},
		{name: "documents while restricted", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=inquiries", wantStatus: 200, wantIn: []string{`"reason":"restricted"`}},
		{name: "lift", method: "POST", path: "/v1/restrictions", body: `{"email":"kari@example.test","action":"lift","source":"email"}`, wantStatus: 201},
		{name: "inquiries after lift", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=inquiries", wantStatus: 200, wantIn: []string{`"allowed":true`}},
		{name: "contract purpose without a contract", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=service_info", wantStatus: 200, wantIn: []string{`"reason":"no_contract"`}},
		{name: "contract ending before it starts", method: "POST", path: "/v1/contracts", body: `{"email":"kari@example.test","started_at":"2026-01-02T00:00:00Z","ended_at":"2026-01-01T00:00:00Z"}`, wantStatus: 422, wantField: "ended_at"},
		{name: "add contract", method: "POST", path: "/v1/contracts", body: `{"email":"kari@example.test","reference":"order 42"}`, wantStatus: 201, wantIn: []string{`"reference":"order 42"`}},
		{name: "contract purpose with a contract", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=service_info", wantStatus: 200, wantIn: []string{`"allowed":true`, `"basis":"contract"`}},
		{name: "end unknown contract", method: "POST", path: "/v1/contracts/con_nope/end", body: `{}`, wantStatus: 404},
		{name: "no token", method: "GET", path: "/v1/decisions?email=kari%40example.test&purpose=newsletter", token: "-", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, ts) })
	}
	apiScenario{name: "verify", method: "GET", path: "/v1/audit/verify", wantStatus: 200, wantIn: []string{`"ok":true`, `"checked":4`, `"first_bad":null`}}.run(t, ts)
}
