package web

import (
	"net/http"

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

	// Policy (policy_api.go).
	s.registerPolicyAPI()

	// People registry (person_api.go).
	s.registerPersonAPI()

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, notFound)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
