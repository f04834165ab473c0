package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vernhq/vern"
)

// TestAccessTrail checks that reads and writes of a person through the API
// land in their access trail, with names of fields and never their values.
func TestAccessTrail(t *testing.T) {
	ts := mustServer(t)
	body := apiScenario{name: "create", method: "POST", path: "/v1/people", wantStatus: 201,
		body: `{"first_name":"Trail","email":"trail@example.test","source":{"channel":"api"}}`}.run(t, ts)
	p := decode[vern.Person](t, body)
	apiScenario{name: "get", method: "GET", path: "/v1/people/" + p.ID, wantStatus: 200}.run(t, ts)
	apiScenario{name: "patch", method: "PATCH", path: "/v1/people/" + p.ID, body: `{"last_name":"Sporet"}`, wantStatus: 200}.run(t, ts)
	apiScenario{name: "refused", method: "PATCH", path: "/v1/people/" + p.ID, body: `{"last_name":"` + syntheticFNR + `"}`, wantStatus: 422}.run(t, ts)
	apiScenario{name: "consent", method: "POST", path: "/v1/consents", wantStatus: 201,
		body: `{"person_id":"` + p.ID + `","purpose":"newsletter","action":"grant","source":"api"}`}.run(t, ts)

	apiScenario{name: "decide", method: "GET", path: "/v1/decisions?email=trail%40example.test&purpose=newsletter", wantStatus: 200}.run(t, ts)
	apiScenario{name: "decide bulk", method: "POST", path: "/v1/decisions", body: `{"purpose":"newsletter","emails":["nobody@example.test","TRAIL@example.test"]}`, wantStatus: 200}.run(t, ts)

	ctx := context.Background()
	if err := ts.audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	trail, err := ts.audit.Trail(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range trail {
		got = append(got, fmt.Sprintf("%s:%s:%s", r.Action, r.Operation, strings.Join(r.Fields, "+")))
		if !strings.HasPrefix(r.Actor, "token:") {
			t.Errorf("actor = %q", r.Actor)
		}
		for _, f := range r.Fields {
			if strings.Contains(f, "@") || strings.Contains(f, "Sporet") || strings.Contains(f, syntheticFNR) {
				t.Errorf("trail holds a value: %q", f)
			}
		}
	}
	want := "create:create-person:first_name+last_name+email+phone+language+organization read:get-person:first_name+last_name+email+phone+language+organization update:update-person:last_name create:record-consent:consents read:decide:consents read:decide-bulk:consents"
	if strings.Join(got, " ") != want {
		t.Fatalf("trail =\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	apiScenario{name: "verify", method: "GET", path: "/v1/audit/verify", wantStatus: 200, wantIn: []string{`"ok":true`, `"checked":7`}}.run(t, ts)
}
