package web

import "net/http"

// pageCSP lets a public page use its own inline styles and images and
// post forms to Vern, and nothing else: no script, no third-party load, no
// framing by another site.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setPageHeaders sets the headers every public HTML page carries. cache is
// the Cache-Control value: "no-store" for pages holding a live token or a
// person's data.
func setPageHeaders(w http.ResponseWriter, cache string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", cache)
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
