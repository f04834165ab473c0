package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vernhq/vern"
)

func TestReceiptAPI(t *testing.T) {
	ts := mustServer(t)
	p := decode[vern.Person](t, apiScenario{name: "person", method: "POST", path: "/v1/people", wantStatus: 201,
		body: `{"email":"ola.receipt@example.test","source":{"channel":"web_form"}}`}.run(t, ts))
	grant := decode[vern.ConsentEvent](t, apiScenario{name: "grant", method: "POST", path: "/v1/consents", wantStatus: 201,
		body: `{"email":"ola.receipt@example.test","purpose":"newsletter","action":"grant","source":"web_form","ip":"203.0.113.9"}`}.run(t, ts))
	objection := decode[vern.ConsentEvent](t, apiScenario{name: "objection", method: "POST", path: "/v1/objections", wantStatus: 201,
		body: `{"person_id":"` + p.ID + `","scope":"direct_marketing","source":"email"}`}.run(t, ts))

	tests := []apiScenario{
		{name: "grant receipt", method: "GET", path: "/v1/receipts/" + grant.ID, wantStatus: 200, wantIn: []string{
			`"version":"KI-CR-v1.1.0"`,
			`"jurisdiction":"NO"`,
			`"consentTimestamp":` + strconv.FormatInt(grant.At.Unix(), 10) + `,`,
			`"collectionMethod":"Web form"`,
			`"consentReceiptID":"` + grant.ID + `"`,
			`"piiPrincipalId":"` + p.ID + `"`,
			`"piiController":"Mementor AS"`,
			`"phone":""`,
			`"policyUrl":"/privacy"`,
			`"purposeCategory":["newsletter"]`,
			`"consentType":"EXPLICIT"`,
			`"thirdPartyDisclosure":true`,
			`"sensitive":false`,
			`"spiCat":[]`,
		}},
		{name: "objection has no receipt", method: "GET", path: "/v1/receipts/" + objection.ID, wantStatus: 404, wantIn: []string{`Receipt not found.`}},
		{name: "unknown event", method: "GET", path: "/v1/receipts/evt_unknown", wantStatus: 404, wantIn: []string{`Receipt not found.`}},
		{name: "id too long", method: "GET", path: "/v1/receipts/" + strings.Repeat("a", 65), wantStatus: 422},
		{name: "no token", method: "GET", path: "/v1/receipts/" + grant.ID, token: "-", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.run(t, ts)
			for _, leak := range []string{"ola.receipt@example.test", "203.0.113"} {
				if strings.Contains(string(body), leak) {
					t.Errorf("body carries %q: %s", leak, body)
				}
			}
		})
	}
}
