package web

import (
	"net/http"
)

// privacyPage serves the public privacy notice rendered from the current
// policy version, in the language asked for (?lang=nb|en) or the policy's
// default.
func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	html, err := s.Policy.Notice(r.URL.Query().Get("lang"))
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(html)
}
