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
	setPageHeaders(w, "public, max-age=300")
	_, _ = w.Write(html)
}
