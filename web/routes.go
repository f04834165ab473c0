package web

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers every route; it is the API's table of contents.
func (s *Server) routes(gatherer prometheus.Gatherer) {
	// Operations and health.
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	// GET /openapi.json is served by huma.

	// Public pages.
	s.mux.HandleFunc("GET /privacy", s.limitPublic(s.privacyPage))

	// Consent withdrawal links, public, no login (withdraw_page.go).
	s.registerWithdrawPages()

	// Policy (policy_api.go).
	s.registerPolicyAPI()

	// People registry (person_api.go).
	s.registerPersonAPI()

	// Consent ledger, decisions and audit (consent_api.go).
	s.registerConsentAPI()

	// Consent receipts, Kantara CR v1.1 (receipt_api.go).
	s.registerReceiptAPI()

	// Data-subject requests and access packages (request_api.go).
	if s.Requests != nil {
		s.registerRequestAPI()
		s.registerRequestPages()
	}

	// Cookie banner, choices and GPC (cookie_api.go); privacy centre (privacy_centre.go).
	s.registerCookieAPI()
	s.registerPrivacyCentre()
	s.documentCookieRoutes()

	// Statistics, retention sweeps, recipients and the ROPA (retention_api.go).
	s.registerRetentionAPI()

	// Audiences and hashed exports (audience_api.go).
	if s.Audiences != nil {
		s.registerAudienceAPI()
	}

	// Mailings (newsletter_api.go) and their one-click unsubscribe links,
	// public, no login (unsubscribe_page.go).
	if s.Newsletters != nil {
		s.registerNewsletterAPI()
		s.registerUnsubscribePages()
	}

	s.documentPlainRoutes()

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, notFound)
	})
}

// documentPlainRoutes adds the routes served without huma to the OpenAPI
// document, so that it describes the whole interface.
func (s *Server) documentPlainRoutes() {
	text := func(ct, desc string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: desc, Content: map[string]*huma.MediaType{ct: {}}}}
	}
	oa := s.api.OpenAPI()
	oa.AddOperation(&huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz", Tags: []string{"Operations"},
		Summary: "Liveness: {\"status\":\"ok\"}", Responses: text("application/json", "The server is up.")})
	oa.AddOperation(&huma.Operation{OperationID: "metrics", Method: http.MethodGet, Path: "/metrics", Tags: []string{"Operations"},
		Summary: "Prometheus metrics, labelled by route pattern (never by path)", Responses: text("text/plain", "Metrics in the Prometheus text format.")})
	oa.AddOperation(&huma.Operation{OperationID: "privacy-notice", Method: http.MethodGet, Path: "/privacy", Tags: []string{"Public"},
		Summary:     "The public privacy notice, rendered from the current policy version",
		Description: "Public and rate-limited per client address (429 with Retry-After when exceeded).",
		Parameters:  []*huma.Param{{Name: "lang", In: "query", Description: "nb or en; the policy's default language when absent.", Schema: &huma.Schema{Type: "string", Enum: []any{"nb", "en"}}}},
		Responses:   text("text/html", "The notice as a standalone HTML page.")})
	oa.AddOperation(&huma.Operation{OperationID: "withdraw-page", Method: http.MethodGet, Path: "/withdraw", Tags: []string{"Public"},
		Summary: "Confirmation page for a consent withdrawal link; changes nothing (RFC 8058)", Responses: text("text/html", "The confirmation page; 400 for an invalid or expired link.")})
	oa.AddOperation(&huma.Operation{OperationID: "withdraw-submit", Method: http.MethodPost, Path: "/withdraw", Tags: []string{"Public"},
		Summary: "Withdraw the consent a withdrawal link names; accepts RFC 8058 one-click", Responses: text("text/html", "The confirmation page; 400 for an invalid or expired link.")})
	if s.Newsletters != nil {
		oa.AddOperation(&huma.Operation{OperationID: "unsubscribe-page", Method: http.MethodGet, Path: "/u/{token}", Tags: []string{"Public"},
			Summary: "Confirmation page of an unsubscribe link; changes nothing (RFC 8058)", Responses: text("text/html", "The confirmation page; 400 for an invalid link.")})
		oa.AddOperation(&huma.Operation{OperationID: "unsubscribe-submit", Method: http.MethodPost, Path: "/u/{token}", Tags: []string{"Public"},
			Summary: "Unsubscribe at once: RFC 8058 one-click (body List-Unsubscribe=One-Click) or the page's button; 200, never a redirect", Responses: text("text/html", "The confirmation; 400 for a forged or altered link, changing nothing.")})
	}
	if s.Requests != nil {
		oa.AddOperation(&huma.Operation{OperationID: "verify-page", Method: http.MethodGet, Path: "/privacy/requests/{id}/verify", Tags: []string{"Public"},
			Summary: "The page a verification email links to: a form for the code; changes nothing", Responses: text("text/html", "The form.")})
		oa.AddOperation(&huma.Operation{OperationID: "verify-submit", Method: http.MethodPost, Path: "/privacy/requests/{id}/verify", Tags: []string{"Public"},
			Summary: "Verify a request with the code (form field code)", Responses: text("text/html", "The outcome; 422 for a wrong or expired code, 429 after too many.")})
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
