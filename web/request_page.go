package web

import (
	"html/template"
	"net/http"

	"github.com/vernhq/vern"
)

// registerRequestPages serves the page the verification email links to:
// GET shows a form for the code (link scanners prefetch GETs, so it changes
// nothing); POST verifies. It works without JavaScript.
func (s *Server) registerRequestPages() {
	s.mux.HandleFunc("GET /privacy/requests/{id}/verify", s.limitPublic(s.verifyPage))
	s.mux.HandleFunc("POST /privacy/requests/{id}/verify", s.limitPublic(s.verifySubmit))
}

type verifyText struct {
	Title, Intro, Label, Button, Done, Wrong, TooMany, Unknown string
}

var verifyTexts = map[string]verifyText{
	"nb": {Title: "Bekreft forespørselen din", Intro: "Skriv inn koden fra e-posten vi sendte deg.", Label: "Kode", Button: "Bekreft",
		Done: "Takk! Forespørselen er bekreftet. Vi svarer senest", Wrong: "Koden er feil eller utløpt.",
		TooMany: "For mange feil koder. Send forespørselen på nytt.", Unknown: "Vi finner ikke denne forespørselen."},
	"en": {Title: "Confirm your request", Intro: "Enter the code from the email we sent you.", Label: "Code", Button: "Confirm",
		Done: "Thank you! Your request is confirmed. We will answer by", Wrong: "The code is wrong or has expired.",
		TooMany: "Too many wrong codes. Please send the request again.", Unknown: "We cannot find this request."},
}

type verifyView struct {
	verifyText
	Lang, ID, State, DueOn string
}

var verifyTemplate = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
input{font-size:1.3rem;padding:.4rem;letter-spacing:.15em;width:12ch}button{font-size:1.05rem;padding:.5rem 1.2rem;background:#0b4f8a;color:#fff;border:0;border-radius:.25rem}
button:focus,input:focus{outline:3px solid #f0a500;outline-offset:2px}.err{color:#a00000;font-weight:600}</style></head>
<body><main><h1>{{.Title}}</h1>
{{if eq .State "done"}}<p role="status">{{.Done}} {{.DueOn}}.</p>
{{else if eq .State "toomany"}}<p class="err" role="alert">{{.TooMany}}</p>
{{else if eq .State "unknown"}}<p class="err" role="alert">{{.Unknown}}</p>
{{else}}<p>{{.Intro}}</p>{{if eq .State "wrong"}}<p class="err" role="alert" id="err">{{.Wrong}}</p>{{end}}
<form method="post" action="/privacy/requests/{{.ID}}/verify?lang={{.Lang}}">
<label for="code">{{.Label}}</label><br>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="12"{{if eq .State "wrong"}} aria-describedby="err"{{end}}>
<button type="submit">{{.Button}}</button></form>{{end}}
</main></body></html>
`))

func verifyLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "nb" {
		return l
	}
	return "nb"
}

func renderVerify(w http.ResponseWriter, status int, v verifyView) {
	setPageHeaders(w, "no-store")
	w.WriteHeader(status)
	_ = verifyTemplate.Execute(w, v)
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	lang := verifyLang(r)
	renderVerify(w, http.StatusOK, verifyView{verifyText: verifyTexts[lang], Lang: lang, ID: r.PathValue("id"), State: "form"})
}

func (s *Server) verifySubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	lang := verifyLang(r)
	v := verifyView{verifyText: verifyTexts[lang], Lang: lang, ID: r.PathValue("id")}
	if err := r.ParseForm(); err != nil {
		v.State = "wrong"
		renderVerify(w, http.StatusBadRequest, v)
		return
	}
	req, err := s.Requests.Verify(r.Context(), v.ID, r.PostFormValue("code"))
	switch vern.ErrorCode(err) {
	case "":
		v.State, v.DueOn = "done", req.DueOn
		renderVerify(w, http.StatusOK, v)
	case vern.EINVALID:
		v.State = "wrong"
		renderVerify(w, http.StatusUnprocessableEntity, v)
	case vern.ERATELIMIT:
		v.State = "toomany"
		renderVerify(w, http.StatusTooManyRequests, v)
	case vern.ENOTFOUND:
		v.State = "unknown"
		renderVerify(w, http.StatusNotFound, v)
	default:
		writeProblem(w, r, err)
	}
}
