package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/cookie"
)

//go:embed static/consent.js
var consentScript []byte

// configMark is where the banner's configuration goes into the script.
const configMark = "/*VERN_CONFIG*/null"

// registerCookieAPI serves the banner script, records visitors' cookie
// choices (S8) and publishes the GPC support resource. A server without the
// cookie service answers 404 on these routes.
func (s *Server) registerCookieAPI() {
	s.mux.HandleFunc("GET /consent.js", s.limitPublic(s.withCookies(s.consentJS)))
	s.mux.HandleFunc("OPTIONS /v1/public/cookie-consents", s.limitCookies(s.withCookies(s.cookiePreflight)))
	s.mux.HandleFunc("POST /v1/public/cookie-consents", s.limitCookies(s.withCookies(s.recordCookieChoice)))
	s.mux.HandleFunc("GET /.well-known/gpc.json", s.withCookies(s.gpcJSON))

	huma.Register(s.api, huma.Operation{
		OperationID: "list-cookie-choices", Method: http.MethodGet, Path: "/v1/cookie-consents/{visitor_id}", Tags: []string{"Cookies"},
		Summary:  "A visitor's cookie choices, oldest first, with their hash chain",
		Security: adminSecurity, Errors: []int{http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *struct {
		VisitorID string `path:"visitor_id" maxLength:"64"`
	}) (*cookieChoicesOutput, error) {
		if s.Cookies == nil {
			return nil, notFound
		}
		cs, err := s.Cookies.Choices(ctx, in.VisitorID)
		if err != nil {
			return nil, err
		}
		out := &cookieChoicesOutput{}
		out.Body.Choices, out.Body.ChainIntact = cs, vern.VerifyVisitorChain(cs) == -1
		if out.Body.Choices == nil {
			out.Body.Choices = []*vern.VisitorConsent{}
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "link-visitor", Method: http.MethodPost, Path: "/v1/cookie-consents/link", Tags: []string{"Cookies"},
		Summary: "Link an anonymous visitor to a person who identified through a form",
		Description: "A website's backend calls this when a visitor submits a form naming themselves, with the visitor id " +
			"from VernConsent.visitorId(). The visitor's cookie choices then show in the person's privacy centre.",
		Security: adminSecurity, MaxBodyBytes: 1 << 10, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *linkVisitorInput) (*linkVisitorOutput, error) {
		if s.Cookies == nil {
			return nil, notFound
		}
		personID := in.Body.PersonID
		switch {
		case (personID == "") == (in.Body.Email == ""):
			return nil, vern.Invalid(vern.FieldError{Field: "email", Code: "required", Message: "Give the person's email or person_id, not both."})
		case personID == "":
			id, err := s.People.PersonIDByEmail(ctx, in.Body.Email)
			if err != nil {
				return nil, err
			}
			personID = id
		}
		l, err := s.Cookies.Link(ctx, in.Body.VisitorID, personID, in.Body.Source)
		if err != nil {
			return nil, err
		}
		return &linkVisitorOutput{Body: l}, nil
	})
}

type cookieChoicesOutput struct {
	Body struct {
		Choices     []*vern.VisitorConsent `json:"choices"`
		ChainIntact bool                   `json:"chain_intact"`
	}
}

type linkVisitorInput struct {
	Body struct {
		VisitorID string `json:"visitor_id" maxLength:"64"`
		Email     string `json:"email,omitempty" maxLength:"320"`
		PersonID  string `json:"person_id,omitempty" maxLength:"64"`
		Source    string `json:"source,omitempty" maxLength:"20" doc:"How the visitor identified; web_form when absent."`
	}
}

type linkVisitorOutput struct {
	Body *vern.VisitorLink
}

// withCookies answers 404 when the server has no cookie service.
func (s *Server) withCookies(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Cookies == nil {
			writeProblem(w, r, notFound)
			return
		}
		next(w, r)
	}
}

// limitCookies applies the per-address limit of the cookie endpoint, kept
// apart from the other public endpoints: a busy site's visitors behind one
// address (an office, a carrier's NAT) post more choices than one person
// opens requests.
func (s *Server) limitCookies(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.cookieLimit.allow(clientAddr(r.RemoteAddr), time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			if s.Cookies != nil {
				s.corsHeaders(w, r)
			}
			writeProblem(w, r, vern.Errorf(vern.ERATELIMIT, "Too many requests; try again shortly."))
			return
		}
		next(w, r)
	}
}

// selfOrigin is the origin this request reached Vern at.
func selfOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// corsHeaders lets an allowed site read the answer. Only the origin asked
// about is named (never "*"), and no credentials are allowed: the banner
// posts without cookies.
func (s *Server) corsHeaders(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Add("Vary", "Origin")
	o := r.Header.Get("Origin")
	if o == "" || !s.Cookies.AllowOrigin(o, selfOrigin(r)) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", o)
	return true
}

func (s *Server) cookiePreflight(w http.ResponseWriter, r *http.Request) {
	if !s.corsHeaders(w, r) {
		writeProblem(w, r, vern.Errorf(vern.EFORBIDDEN, "This website may not record cookie choices here."))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// recordCookieChoice stores one choice and answers only once it is durable.
func (s *Server) recordCookieChoice(w http.ResponseWriter, r *http.Request) {
	s.corsHeaders(w, r)
	// JSON only: a cross-site HTML form cannot send it without a preflight
	// that an unknown origin fails.
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeProblem(w, r, vern.Invalid(vern.FieldError{Field: "body", Code: "content_type", Message: "Send application/json."}))
		return
	}
	var in cookie.Input
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, cookie.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, vern.Errorf(vern.ETOOLARGE, "The body is larger than %d bytes.", cookie.MaxBody))
			return
		}
		writeProblem(w, r, vern.Invalid(vern.FieldError{Field: "body", Code: "json", Message: "The body is not a valid cookie choice."}))
		return
	}
	if dec.More() {
		writeProblem(w, r, vern.Invalid(vern.FieldError{Field: "body", Code: "json", Message: "The body holds more than one JSON value."}))
		return
	}
	c, err := s.Cookies.Record(r.Context(), in, cookie.Context{
		Origin: r.Header.Get("Origin"), Self: selfOrigin(r), SecGPC: r.Header.Values("Sec-GPC"),
		UserAgent: r.UserAgent(), IP: clientAddr(r.RemoteAddr),
	})
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = jsonEncode(w, cookieReceipt{ID: c.ID, VisitorID: c.VisitorID, Seq: c.Seq, PolicyVersion: c.PolicyVersion,
		CookieHash: c.CookieHash, Granted: c.Granted, Refused: c.Refused, GPC: c.GPC, At: c.At})
}

// cookieReceipt is the answer to a recorded choice: no evidence echoed.
type cookieReceipt struct {
	ID            string    `json:"id"`
	VisitorID     string    `json:"visitor_id"`
	Seq           int64     `json:"seq"`
	PolicyVersion string    `json:"policy_version"`
	CookieHash    string    `json:"cookie_hash"`
	Granted       []string  `json:"granted"`
	Refused       []string  `json:"refused"`
	GPC           bool      `json:"gpc"`
	At            time.Time `json:"at"`
}

// scriptCache holds the banner script built for one cookie hash.
type scriptCache struct {
	mu   sync.Mutex
	key  string
	etag string
	raw  []byte
	gz   []byte
}

// build returns the script with the banner configuration filled in, and
// its gzip form, rebuilt only when the configuration changes.
func (c *scriptCache) build(b *cookie.Banner) (etag string, raw, gz []byte, err error) {
	cfg, err := json.Marshal(b) // escapes <, > and &, so the JSON cannot end the script
	if err != nil {
		return "", nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == string(cfg) {
		return c.etag, c.raw, c.gz, nil
	}
	raw = bytes.Replace(consentScript, []byte(configMark), cfg, 1)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(raw)
	if err := zw.Close(); err != nil {
		return "", nil, nil, err
	}
	sum := sha256.Sum256(raw)
	c.key, c.etag, c.raw, c.gz = string(cfg), `"`+hex.EncodeToString(sum[:12])+`"`, raw, buf.Bytes()
	return c.etag, c.raw, c.gz, nil
}

// consentJS serves the banner script: cacheable for five minutes (a policy
// change reaches visitors within that), revalidated by ETag, gzipped when
// the browser accepts it.
func (s *Server) consentJS(w http.ResponseWriter, r *http.Request) {
	b, err := s.Cookies.Banner()
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	b.PrivacyURL = "/privacy/centre"
	etag, raw, gz, err := s.script.build(b)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300, stale-while-revalidate=86400")
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := raw
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// gpcJSON is the GPC support resource (REFERENCE 5): Vern honours the
// signal, since the policy in force was published.
func (s *Server) gpcJSON(w http.ResponseWriter, r *http.Request) {
	p, _ := s.Policy.Current()
	if p == nil {
		writeProblem(w, r, vern.Errorf(vern.ENOTFOUND, "No policy is published yet."))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Access-Control-Allow-Origin", "*")
	_ = jsonEncode(w, struct {
		GPC        bool   `json:"gpc"`
		LastUpdate string `json:"lastUpdate"`
	}{true, p.PublishedAt.UTC().Format(time.DateOnly)})
}

// documentCookieRoutes adds the plain cookie routes to the API document.
func (s *Server) documentCookieRoutes() {
	oa := s.api.OpenAPI()
	resp := func(status, ct, desc string) map[string]*huma.Response {
		return map[string]*huma.Response{status: {Description: desc, Content: map[string]*huma.MediaType{ct: {}}}}
	}
	oa.AddOperation(&huma.Operation{OperationID: "consent-script", Method: http.MethodGet, Path: "/consent.js", Tags: []string{"Cookies"},
		Summary:     "The cookie banner script, with the policy's cookie categories built in",
		Description: "Embed with <script src=\".../consent.js\" defer>. Cacheable (ETag, max-age 300), gzipped on request, no third-party loads.",
		Responses:   resp("200", "text/javascript", "The script.")})
	oa.AddOperation(&huma.Operation{OperationID: "record-cookie-choice", Method: http.MethodPost, Path: "/v1/public/cookie-consents", Tags: []string{"Cookies"},
		Summary: "Record a visitor's cookie choice (answered once durable)",
		Description: "Public, from the banner script. JSON only (so cross-site posts need a CORS preflight), at most 4 KiB, from Vern's own origin " +
			"or a configured --site-origin (403 otherwise). Body: visitor_id, nonce (unique per choice; a replay gets 409), cookie_hash " +
			"(409 when the cookie policy changed since), granted (categories; unknown ones get 422), gpc, language, page_url. A Sec-GPC: 1 " +
			"header or gpc:true refuses every direct-marketing category. Rate-limited per client address (429 with Retry-After).",
		Responses: resp("201", "application/json", "The recorded choice: id, seq, granted, refused, gpc, policy_version, cookie_hash, at.")})
	html := func(desc string) map[string]*huma.Response { return resp("200", "text/html", desc) }
	lang := []*huma.Param{{Name: "lang", In: "query", Description: "nb or en; nb when absent.", Schema: &huma.Schema{Type: "string", Enum: []any{"nb", "en"}}}}
	for _, op := range []*huma.Operation{
		{OperationID: "privacy-centre", Method: http.MethodGet, Path: "/privacy/centre", Summary: "The privacy centre: the notice, its versions and a form for every kind of request", Parameters: lang, Responses: html("The page; works without JavaScript.")},
		{OperationID: "privacy-versions", Method: http.MethodGet, Path: "/privacy/versions", Summary: "Every published policy version with what changed", Parameters: lang, Responses: html("The list.")},
		{OperationID: "privacy-version", Method: http.MethodGet, Path: "/privacy/versions/{version}", Summary: "The notice of one published version, as it was", Parameters: lang, Responses: html("The notice; 404 for an unknown version.")},
		{OperationID: "privacy-request-form", Method: http.MethodPost, Path: "/privacy/requests", Summary: "Open a request from the centre's form (kind, email, message, scope, purpose); 303 to the code page", Parameters: lang, Responses: resp("303", "text/html", "On to /privacy/requests/{id}/verify; 422 shows the form again with the problems.")},
		{OperationID: "privacy-package-page", Method: http.MethodGet, Path: "/privacy/packages/{token}", Summary: "A verified person's page behind the link of a completed access request: consents, objections, cookie choices, package downloads", Parameters: lang, Responses: html("The page; 404 for an invalid or expired link.")},
		{OperationID: "privacy-package-change", Method: http.MethodPost, Path: "/privacy/packages/{token}", Summary: "Give or withdraw a consent (action grant|withdraw, purpose) or object (action object, purpose = scope); 303 back to the page", Parameters: lang, Responses: resp("303", "text/html", "Back to the page; 403 from another site.")},
	} {
		op.Tags = []string{"Public"}
		oa.AddOperation(op)
	}
	oa.AddOperation(&huma.Operation{OperationID: "gpc-support", Method: http.MethodGet, Path: "/.well-known/gpc.json", Tags: []string{"Cookies"},
		Summary: "Global Privacy Control support resource: {\"gpc\": true, \"lastUpdate\": \"YYYY-MM-DD\"}", Responses: resp("200", "application/json", "Support.")})
}
