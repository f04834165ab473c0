package web

import (
	"html/template"
	"mime"
	"net/http"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/newsletter"
)

// registerUnsubscribePages serves the links in every mailing's
// List-Unsubscribe header and footer (RFC 8058): public, no login, no
// cookies, rate-limited. GET only shows a confirmation page with a button,
// because link scanners prefetch GETs; POST unsubscribes at once, whether
// it is a mailbox provider's one-click POST (body List-Unsubscribe=One-Click)
// or the button, and answers 200, never a redirect.
func (s *Server) registerUnsubscribePages() {
	s.mux.HandleFunc("GET /u/{token}", s.limitPublic(s.unsubscribePage))
	s.mux.HandleFunc("POST /u/{token}", s.limitPublic(s.unsubscribeSubmit))
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	lang := withdrawLang(r.URL.Query().Get("lang"))
	token := r.PathValue("token")
	list, err := s.Newsletters.Describe(token)
	if vern.ErrorCode(err) == vern.EINVALID {
		renderUnsubscribe(w, http.StatusBadRequest, unsubscribeView{unsubscribeText: unsubscribeTexts[lang], Lang: lang, State: "invalid"})
		return
	} else if err != nil {
		writeProblem(w, r, err)
		return
	}
	title := list
	if p, _ := s.Policy.Current(); p != nil {
		if pu, ok := p.Purpose(list); ok && pu.Title.Get(lang) != "" {
			title = pu.Title.Get(lang)
		}
	}
	renderUnsubscribe(w, http.StatusOK, unsubscribeView{unsubscribeText: unsubscribeTexts[lang], Lang: lang, State: "confirm", List: title})
}

// maxUnsubscribeBody bounds a one-click body or the button's form.
const maxUnsubscribeBody = 4 << 10

func (s *Server) unsubscribeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUnsubscribeBody)
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(maxUnsubscribeBody)
	} else {
		err = r.ParseForm()
	}
	lang := withdrawLang(r.FormValue("lang"))
	if err != nil {
		renderUnsubscribe(w, http.StatusBadRequest, unsubscribeView{unsubscribeText: unsubscribeTexts[lang], Lang: lang, State: "invalid"})
		return
	}
	ev := consent.Evidence{Source: vern.ChannelEmail, UserAgent: evidenceAgent(r.UserAgent()), IP: clientAddr(r.RemoteAddr)}
	personID, err := s.Newsletters.Unsubscribe(r.Context(), r.PathValue("token"), ev)
	switch {
	case err == nil:
		if personID != "" && s.Audit != nil {
			s.Audit.Record(audit.Access{PersonID: personID, Actor: newsletter.ActorUnsubscribeLink, Action: vern.AccessCreate,
				Operation: "unsubscribe", RequestID: requestID(r.Context()), Fields: consentFields})
		}
		renderUnsubscribe(w, http.StatusOK, unsubscribeView{unsubscribeText: unsubscribeTexts[lang], Lang: lang, State: "done"})
	case vern.ErrorCode(err) == vern.EINVALID:
		renderUnsubscribe(w, http.StatusBadRequest, unsubscribeView{unsubscribeText: unsubscribeTexts[lang], Lang: lang, State: "invalid"})
	default:
		writeProblem(w, r, err)
	}
}

type unsubscribeText struct {
	ConfirmTitle, ConfirmLead, Button string
	DoneTitle, DoneLead               string
	InvalidTitle, InvalidLead         string
}

var unsubscribeTexts = map[string]unsubscribeText{
	"nb": {
		ConfirmTitle: "Meld deg av", ConfirmLead: "Du er i ferd med å melde deg av:", Button: "Meld meg av",
		DoneTitle: "Du er meldt av", DoneLead: "Du får ikke flere slike e-poster fra oss. E-postadressen din står på sperrelisten vår som en hash, slik at den ikke blir lagt til igjen.",
		InvalidTitle: "Lenken er ugyldig", InvalidLead: "Bruk lenken i en nyere e-post fra oss, eller kontakt oss, så melder vi deg av.",
	},
	"en": {
		ConfirmTitle: "Unsubscribe", ConfirmLead: "You are about to unsubscribe from:", Button: "Unsubscribe me",
		DoneTitle: "You are unsubscribed", DoneLead: "You will get no more such emails from us. Your address is kept on our suppression list as a hash, so that it is not added again.",
		InvalidTitle: "This link is invalid", InvalidLead: "Use the link in a more recent email from us, or contact us, and we will unsubscribe you.",
	},
}

// unsubscribeView is what the page shows; State is confirm, done or invalid.
type unsubscribeView struct {
	unsubscribeText
	Lang, State, List string
}

var unsubscribeTmpl = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{if eq .State "confirm"}}{{.ConfirmTitle}}{{else if eq .State "done"}}{{.DoneTitle}}{{else}}{{.InvalidTitle}}{{end}}</title>
<style>
body{font:1.0625rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0;padding:2rem 1rem}
main{max-width:34rem;margin:0 auto}
h1{font-size:1.5rem;line-height:1.25}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;border-radius:.3rem;background:#1a1a1a;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #1565c0;outline-offset:2px}
</style>
</head>
<body>
<main>
{{- if eq .State "confirm"}}
<h1>{{.ConfirmTitle}}</h1>
<p>{{.ConfirmLead}} <strong>{{.List}}</strong></p>
<form method="post">
<input type="hidden" name="lang" value="{{.Lang}}">
<button type="submit">{{.Button}}</button>
</form>
{{- else if eq .State "done"}}
<h1 role="status">{{.DoneTitle}}</h1>
<p>{{.DoneLead}}</p>
{{- else}}
<h1>{{.InvalidTitle}}</h1>
<p>{{.InvalidLead}}</p>
{{- end}}
</main>
</body>
</html>
`))

// renderUnsubscribe writes the page; no-store because the URL holds a live token.
func renderUnsubscribe(w http.ResponseWriter, status int, v unsubscribeView) {
	setPageHeaders(w, "no-store")
	w.WriteHeader(status)
	_ = unsubscribeTmpl.Execute(w, v)
}
