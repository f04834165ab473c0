package web_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestHealthz(t *testing.T) {
	ts := mustServer(t)
	apiScenario{name: "healthz", method: "GET", path: "/healthz", token: "-", wantStatus: 200, wantIn: []string{`{"status":"ok"}`}}.run(t, ts)
}

func TestMetricsHaveNoPersonalData(t *testing.T) {
	ts := mustServer(t)
	apiScenario{name: "create", method: "POST", path: "/v1/people", wantStatus: 201, body: `{"email":"metric.person@example.test","source":{"channel":"api"}}`}.run(t, ts)
	apiScenario{name: "find", method: "GET", path: "/v1/people?email=metric.person%40example.test", wantStatus: 200}.run(t, ts)
	apiScenario{name: "missing", method: "GET", path: "/v1/people/per_secret_id_123", wantStatus: 404}.run(t, ts)
	body := apiScenario{name: "metrics", method: "GET", path: "/metrics", token: "-", wantStatus: 200,
		wantIn: []string{`vern_http_requests_total{code="201",route="POST /v1/people"} 1`, `route="GET /v1/people/{id}"`}}.run(t, ts)
	for _, leak := range []string{"metric.person", "per_secret_id_123", "example.test"} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("metrics contain %q", leak)
		}
	}
}

func TestPolicyAPI(t *testing.T) {
	ts := mustServer(t)
	body := apiScenario{name: "policy", method: "GET", path: "/v1/policy", token: "-", wantStatus: 200,
		wantIn: []string{`"version":"2023-06-27"`, `"published_at":"2023-06-27"`, "Mementor AS"}}.run(t, ts)
	var p struct {
		Purposes []struct {
			Key        string   `json:"key"`
			LegalBasis []string `json:"legal_basis"`
		} `json:"purposes"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"newsletter": "consent", "customer_updates": "legitimate_interest", "sales_contact": "legitimate_interest",
		"event_info": "contract", "inquiries": "legitimate_interest", "documents": "contract", "service_info": "contract",
		"surveys": "legitimate_interest", "statistics": "consent", "remarketing": "consent",
	}
	got := map[string]string{}
	for _, pu := range p.Purposes {
		got[pu.Key] = pu.LegalBasis[0]
	}
	for k, basis := range want {
		if got[k] != basis {
			t.Errorf("purpose %s basis = %q, want %q", k, got[k], basis)
		}
	}
	apiScenario{name: "versions", method: "GET", path: "/v1/policy/versions", token: "-", wantStatus: 200, wantIn: []string{`"version":"2023-06-27"`}}.run(t, ts)
	apiScenario{name: "one version", method: "GET", path: "/v1/policy/versions/2023-06-27", token: "-", wantStatus: 200, wantIn: []string{"Datatilsynet"}}.run(t, ts)
	apiScenario{name: "unknown version", method: "GET", path: "/v1/policy/versions/1999", token: "-", wantStatus: 404}.run(t, ts)
}

func TestPrivacyPage(t *testing.T) {
	ts := mustServer(t)
	tests := []apiScenario{
		{name: "nb", method: "GET", path: "/privacy?lang=nb", token: "-", wantStatus: 200, wantIn: []string{`lang="nb"`, "Datatilsynet", "Mementor AS", "fødselsnummer"}},
		{name: "en", method: "GET", path: "/privacy?lang=en", token: "-", wantStatus: 200, wantIn: []string{`lang="en"`, "Datatilsynet", "Mementor AS"}},
		{name: "default is nb", method: "GET", path: "/privacy", token: "-", wantStatus: 200, wantIn: []string{`lang="nb"`}},
		{name: "unknown language", method: "GET", path: "/privacy?lang=de", token: "-", wantStatus: 422, wantField: "lang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, ts) })
	}
	_, h, body := ts.do(t, "GET", "/privacy?lang=en", "", "-")
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("Content-Security-Policy") == "" {
		t.Errorf("headers = %v", h)
	}
	for _, ext := range []string{"https://", "http://"} {
		for _, tag := range []string{"<script src=\"" + ext, "<link href=\"" + ext, "<img src=\"" + ext} {
			if bytes.Contains(body, []byte(tag)) {
				t.Errorf("notice loads a third-party resource: %s", tag)
			}
		}
	}
}

func TestPublicEndpointsAreRateLimited(t *testing.T) {
	for _, path := range []string{"/privacy", "/v1/policy", "/v1/policy/versions", "/v1/policy/versions/2023-06-27"} {
		t.Run(path, func(t *testing.T) {
			limited := mustServerRate(t, 2)
			got429 := false
			for range 20 {
				status, h, _ := limited.do(t, "GET", path, "", "-")
				if status == 429 {
					got429 = true
					if h.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
					break
				}
			}
			if !got429 {
				t.Fatal("20 quick requests at 2/s never got 429")
			}
			// Admin endpoints are not limited this way: a token identifies the caller.
			for range 10 {
				if status, _, _ := limited.do(t, "GET", "/v1/people/per_x", "", ""); status == 429 {
					t.Fatal("an authenticated endpoint was rate-limited")
				}
			}
		})
	}
}

// TestOpenAPIGolden fails when the API description changes unnoticed; run
// go test ./web -run OpenAPI -update to accept a change.
func TestOpenAPIGolden(t *testing.T) {
	ts := mustServer(t)
	_, _, body := ts.do(t, "GET", "/openapi.json", "", "-")
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	pretty, _ := json.MarshalIndent(doc, "", "  ")
	pretty = append(pretty, '\n')
	golden := filepath.Join("testdata", "openapi.json.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, pretty, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, pretty) {
		t.Fatal("the OpenAPI document changed; review it and run go test ./web -run OpenAPIGolden -update")
	}
}
