// Package web serves Vern over HTTP: the JSON API (declared with huma, so the
// OpenAPI document comes from the Go types), the public pages, health and
// metrics. Handlers decode, call one service method and encode; every error
// becomes a problem document in error.go.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vernhq/vern/audience"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/auth"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/cookie"
	"github.com/vernhq/vern/newsletter"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/request"
	"github.com/vernhq/vern/retention"
)

// Version is reported in the OpenAPI document.
const Version = "0.1.0"

// Services are the use cases the server calls.
type Services struct {
	People  *person.Service
	Policy  *publish.Service
	Auth    *auth.Service
	Consent *consent.Service
	// Requests runs data-subject requests; nil serves none.
	Requests *request.Service
	// Audit records every access to personal data; nil records nothing.
	Audit *audit.Recorder
	// Audiences defines and exports audiences; nil serves none.
	Audiences *audience.Service
	// Newsletters sends mailings and serves unsubscribe links; nil serves none.
	Newsletters *newsletter.Service
	// Retention serves the anonymised statistics and sweep reports; nil
	// serves none (the register and the ROPA need only the policy).
	Retention *retention.Service
	// Cookies records visitors' cookie choices; nil serves no banner.
	Cookies *cookie.Service
}

// Server is Vern's HTTP front.
type Server struct {
	Services
	Log *slog.Logger

	mux     *http.ServeMux
	api     huma.API
	metrics *metrics
	public  *rateLimiter
	// cookieLimit and script serve the cookie banner (cookie_api.go).
	cookieLimit *rateLimiter
	script      scriptCache
}

// Config holds what the server needs besides its services.
type Config struct {
	// Registerer receives the HTTP metrics; nil means a private registry.
	Registerer prometheus.Registerer
	// Gatherer serves /metrics; nil means the private registry.
	Gatherer prometheus.Gatherer
	// PublicRate is the requests per second one client address may make to
	// public endpoints (burst twice that); 0 means 20.
	PublicRate float64
	// CookieRate is the cookie choices per second one client address may
	// post (burst twice that); 0 means 50.
	CookieRate float64
}

// New builds a server with all routes registered.
func New(svc Services, log *slog.Logger, cfg Config) *Server {
	installErrors()
	if cfg.Registerer == nil {
		reg := prometheus.NewRegistry()
		cfg.Registerer, cfg.Gatherer = reg, reg
	}
	if cfg.PublicRate == 0 {
		cfg.PublicRate = 20
	}
	if cfg.CookieRate == 0 {
		cfg.CookieRate = 50
	}
	s := &Server{
		Services: svc, Log: log,
		mux:     http.NewServeMux(),
		metrics: newMetrics(cfg.Registerer),
		public:  newRateLimiter(cfg.PublicRate, int(2*cfg.PublicRate)),

		cookieLimit: newRateLimiter(cfg.CookieRate, int(2*cfg.CookieRate)),
	}
	hc := huma.DefaultConfig("Vern API", Version)
	hc.Info.Description = "Vern makes a privacy policy executable: people registry, consent, decisions and data-subject rights."
	hc.DocsPath = "" // huma's docs page loads scripts from a CDN; a privacy product loads nothing from third parties
	hc.SchemasPath = ""
	hc.CreateHooks = nil // no $schema links injected into responses
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token; the first admin token is written to DATA/admin-token on first start."},
	}
	s.api = humago.New(s.mux, hc)
	s.api.UseMiddleware(s.authenticate)
	s.routes(cfg.Gatherer)
	return s
}

// Handler returns the root handler with request ids, metrics, recovery and
// logging around the routes.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = context.WithValue(ctx, loggerKey{}, s.Log)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				// The panic value may hold request data: log its type only.
				s.Log.Error("panic serving request", "request_id", id, "route", r.Pattern, "panic_type", typeName(v))
				if !rec.wrote {
					writeProblem(rec, r, errPanic)
				}
			}
			s.metrics.observe(r.Method, r.Pattern, rec.status, time.Since(start))
		}()
		s.mux.ServeHTTP(rec, r)
	})
}

// OpenAPI returns the API description, for the golden test and `vern openapi`.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts a caller's request id only if it is a short token
// of letters, digits, '-' and '_': it is logged and echoed, so it must not
// be able to carry free text such as an email address.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func typeName(v any) string {
	switch v.(type) {
	case error:
		return "error"
	case string:
		return "string"
	default:
		return "other"
	}
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic = panicError{}
