package web

import (
	"html/template"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/pii"
)

// registerWithdrawPages serves withdrawal links (Art. 7(3)): public, no
// login, rate-limited. GET only shows a confirmation page, because link
// scanners prefetch GETs (RFC 8058); POST withdraws, and also takes an RFC
// 8058 one-click POST (body List-Unsubscribe=One-Click, token in the query).
func (s *Server) registerWithdrawPages() {
	s.mux.HandleFunc("GET /withdraw", s.limitPublic(s.withdrawPage))
	s.mux.HandleFunc("POST /withdraw", s.limitPublic(s.withdrawSubmit))
}

// withdrawPage shows what the link in ?token= withdraws and a button that
// posts it. It changes nothing.
func (s *Server) withdrawPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := withdrawLang(q.Get("lang"))
	key, err := s.Consent.DescribeToken(q.Get("token"))
	if vern.ErrorCode(err) == vern.EINVALID {
		renderWithdraw(w, http.StatusBadRequest, withdrawView{withdrawText: withdrawTexts[lang], Lang: lang, State: "invalid"})
		return
	} else if err != nil {
		writeProblem(w, r, err)
		return
	}
	title := key
	if p, _ := s.Policy.Current(); p != nil {
		if pu, ok := p.Purpose(key); ok {
			if t := pu.Title.Get(lang); t != "" {
				title = t
			}
		}
	}
	renderWithdraw(w, http.StatusOK, withdrawView{withdrawText: withdrawTexts[lang], Lang: lang, State: "confirm", Purpose: title, Token: q.Get("token")})
}

// maxWithdrawBody bounds a withdrawal form: a token and a few short fields.
const maxWithdrawBody = 16 << 10

// withdrawSubmit withdraws the consent the token names (form field token,
// or ?token= for one-click). An already withdrawn consent gets the same
// answer as a fresh withdrawal, so a second click is harmless. RFC 8058
// forbids answering with a redirect.
func (s *Server) withdrawSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWithdrawBody)
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(maxWithdrawBody)
	} else {
		err = r.ParseForm()
	}
	lang := withdrawLang(r.FormValue("lang"))
	if err != nil {
		renderWithdraw(w, http.StatusBadRequest, withdrawView{withdrawText: withdrawTexts[lang], Lang: lang, State: "invalid"})
		return
	}
	// r.FormValue prefers the body's token and falls back to the query's;
	// a one-click body (List-Unsubscribe=One-Click) has none of its own.
	ev := consent.Evidence{Source: vern.ChannelWebForm, UserAgent: evidenceAgent(r.UserAgent()), IP: clientAddr(r.RemoteAddr)}
	e, err := s.Consent.WithdrawByToken(r.Context(), r.FormValue("token"), ev)
	if err == nil && e != nil && s.Audit != nil {
		s.Audit.Record(audit.Access{PersonID: e.PersonID, Actor: consent.ActorWithdrawalLink, Action: vern.AccessCreate,
			Operation: "withdraw-submit", RequestID: requestID(r.Context()), Fields: consentFields})
	}
	switch {
	case err == nil:
		renderWithdraw(w, http.StatusOK, withdrawView{withdrawText: withdrawTexts[lang], Lang: lang, State: "done"})
	case vern.ErrorCode(err) == vern.EINVALID:
		renderWithdraw(w, http.StatusBadRequest, withdrawView{withdrawText: withdrawTexts[lang], Lang: lang, State: "invalid"})
	default:
		writeProblem(w, r, err)
	}
}

// evidenceAgent keeps a user agent as evidence only if the ledger would
// accept it, so that an odd header cannot block a withdrawal.
func evidenceAgent(ua string) string {
	if _, found := pii.Find(ua); found || !utf8.ValidString(ua) || len(ua) > 512 {
		return ""
	}
	return ua
}

func withdrawLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "nb"
}

// withdrawText is a page's wording in one language.
type withdrawText struct {
	ConfirmTitle, ConfirmLead, ConfirmNote, Button string
	DoneTitle, DoneLead                            string
	InvalidTitle, InvalidLead                      string
}

var withdrawTexts = map[string]withdrawText{
	"nb": {
		ConfirmTitle: "Trekk tilbake samtykke",
		ConfirmLead:  "Du er i ferd med å trekke tilbake samtykket ditt til:",
		ConfirmNote:  "Det du har samtykket til før, blir ikke ulovlig av at du trekker samtykket tilbake.",
		Button:       "Trekk tilbake samtykke",
		DoneTitle:    "Samtykket ditt er trukket tilbake",
		DoneLead:     "Vi bruker ikke lenger opplysningene dine til dette formålet.",
		InvalidTitle: "Lenken er ugyldig eller utløpt",
		InvalidLead:  "Du kan fortsatt trekke tilbake samtykket ditt: bruk lenken i en nyere e-post fra oss, eller kontakt oss.",
	},
	"en": {
		ConfirmTitle: "Withdraw consent",
		ConfirmLead:  "You are about to withdraw your consent to:",
		ConfirmNote:  "Withdrawing does not make processing based on your consent before now unlawful.",
		Button:       "Withdraw consent",
		DoneTitle:    "Your consent has been withdrawn",
		DoneLead:     "We no longer use your data for this purpose.",
		InvalidTitle: "This link is invalid or has expired",
		InvalidLead:  "You can still withdraw your consent: use the link in a more recent email from us, or contact us.",
	},
}

// withdrawView is what the withdrawal page shows. State is confirm, done
// or invalid; Token is set only on the confirmation page, which must post it.
type withdrawView struct {
	withdrawText
	Lang, State, Purpose, Token string
}

var withdrawTmpl = template.Must(template.New("withdraw").Parse(`<!doctype html>
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
.note{color:#444;font-size:.95rem}
</style>
</head>
<body>
<main>
{{- if eq .State "confirm"}}
<h1>{{.ConfirmTitle}}</h1>
<p>{{.ConfirmLead}} <strong>{{.Purpose}}</strong></p>
<form method="post" action="withdraw">
<input type="hidden" name="token" value="{{.Token}}">
<input type="hidden" name="lang" value="{{.Lang}}">
<button type="submit">{{.Button}}</button>
</form>
<p class="note">{{.ConfirmNote}}</p>
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

// renderWithdraw writes the page with the public pages' security headers;
// no-store because a confirmation page holds a live token.
func renderWithdraw(w http.ResponseWriter, status int, v withdrawView) {
	setPageHeaders(w, "no-store")
	w.WriteHeader(status)
	// The view holds only fixed strings and checked values; an error here
	// is a broken connection, which nobody is left to tell.
	_ = withdrawTmpl.Execute(w, v)
}
