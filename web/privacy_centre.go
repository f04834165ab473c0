package web

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/request"
)

//go:embed templates/centre.html
var centreFS embed.FS

var centreTemplates = template.Must(template.ParseFS(centreFS, "templates/centre.html"))

// registerPrivacyCentre serves the public privacy centre (S12, S13): the
// notice and its versions, a form for every kind of request, and the page
// where a verified person sees and changes their consents. Every page
// works without JavaScript and loads nothing from anywhere else.
func (s *Server) registerPrivacyCentre() {
	s.mux.HandleFunc("GET /privacy/centre", s.limitPublic(s.centrePage))
	s.mux.HandleFunc("GET /privacy/versions", s.limitPublic(s.versionsPage))
	s.mux.HandleFunc("GET /privacy/versions/{version}", s.limitPublic(s.versionPage))
	if s.Requests != nil {
		s.mux.HandleFunc("POST /privacy/requests", s.limitPublic(s.centreRequest))
		// The link of the completion email of an access request.
		s.mux.HandleFunc("GET /privacy/packages/{token}", s.limitPublic(s.mePage))
		s.mux.HandleFunc("POST /privacy/packages/{token}", s.limitPublic(s.meSubmit))
	}
}

type centreText struct {
	Skip, Centre, Languages, Notice, Versions, VersionLabel, CentreIntro, RequestHeading, RequestIntro, FixErrors string
	Kind, Email, EmailHint, Scope, Purpose, AllPurposes, Message, Send, OtherHeading, OtherText, Authority        string
	VersionsIntro, Published, Changes, Current, Significant, NoSummary                                            string
	MeHeading, Hello, Saved, Consents, Status, Change, Given, NotGiven, Withdraw, Give, Objections                string
	ObjectIntro, ObjectTo, CookieChoices, NoCookies, Package, MeHint, LinkInvalid, Accepted, Refused, GPC         string
	Kinds                                                                                                         map[string]string
}

var centreTexts = map[string]centreText{
	"nb": {Skip: "Hopp til innholdet", Centre: "Personvernsenter", Languages: "Språk", Notice: "Personvernerklæringen", Versions: "Tidligere versjoner",
		VersionLabel: "versjon", CentreIntro: "Her leser du personvernerklæringen vår, ser hva som er endret, og bruker rettighetene dine.",
		RequestHeading: "Send en forespørsel", RequestIntro: "Vi sender en kode til e-postadressen din for å bekrefte at den er din. Vi svarer innen en måned.",
		FixErrors: "Rett opp følgende:", Kind: "Hva vil du?", Email: "E-postadresse", EmailHint: "Koden og svaret sendes hit.",
		Scope: "Innsigelse mot (bare for innsigelse)", Purpose: "Formål", AllPurposes: "Alle formål (bare for tilbaketrekking)",
		Message: "Beskrivelse (valgfritt)", Send: "Send forespørsel", OtherHeading: "E-post og samtykker",
		OtherText:     "Hver e-post fra oss har en lenke for å melde deg av eller trekke tilbake samtykket med ett klikk. Innstillingene for informasjonskapsler finner du nederst på nettsiden vår.",
		Authority:     "Du kan også klage til Datatilsynet (datatilsynet.no).",
		VersionsIntro: "Alle publiserte versjoner av personvernerklæringen, nyeste først.", Published: "Publisert", Changes: "Hva er endret",
		Current: "gjeldende", Significant: "Vesentlig endring.", NoSummary: "Ingen beskrivelse.",
		MeHeading: "Dine samtykker og data", Hello: "Innlogget som", Saved: "Valget ditt er lagret.", Consents: "Samtykker", Status: "Status",
		Change: "Endre", Given: "Gitt", NotGiven: "Ikke gitt", Withdraw: "Trekk tilbake", Give: "Gi samtykke", Objections: "Innsigelser",
		ObjectIntro: "Du kan når som helst protestere mot direkte markedsføring og mot behandling basert på berettiget interesse.",
		ObjectTo:    "Protester mot", CookieChoices: "Valg om informasjonskapsler", NoCookies: "Ingen valg om informasjonskapsler er knyttet til deg.",
		Package: "Last ned dataene dine", MeHint: "Lenken til denne siden er personlig og utløper. Del den ikke med andre.",
		LinkInvalid: "Lenken er ugyldig eller utløpt.", Accepted: "godtatt", Refused: "avvist", GPC: "Global Privacy Control",
		Kinds: map[string]string{vern.RequestAccess: "Innsyn i dataene mine", vern.RequestRectification: "Rette data",
			vern.RequestErasure: "Slette dataene mine", vern.RequestRestriction: "Begrense behandlingen", vern.RequestObjection: "Protestere",
			vern.RequestPortability: "Få dataene mine utlevert (dataportabilitet)", vern.RequestWithdrawal: "Trekke tilbake samtykke",
			vern.RequestComplaint: "Klage"}},
	"en": {Skip: "Skip to content", Centre: "Privacy centre", Languages: "Language", Notice: "Privacy notice", Versions: "Earlier versions",
		VersionLabel: "version", CentreIntro: "Read our privacy notice, see what changed, and exercise your rights.",
		RequestHeading: "Send a request", RequestIntro: "We send a code to your email address to confirm that it is yours. We answer within one month.",
		FixErrors: "Please correct the following:", Kind: "What do you want?", Email: "Email address", EmailHint: "The code and our answer go here.",
		Scope: "Object to (objections only)", Purpose: "Purpose", AllPurposes: "All purposes (withdrawals only)",
		Message: "Description (optional)", Send: "Send request", OtherHeading: "Emails and consents",
		OtherText:     "Every email from us has a link to unsubscribe or withdraw your consent with one click. The cookie settings are at the bottom of our website.",
		Authority:     "You may also complain to the Norwegian Data Protection Authority, Datatilsynet (datatilsynet.no).",
		VersionsIntro: "Every published version of the privacy notice, newest first.", Published: "Published", Changes: "What changed",
		Current: "current", Significant: "Significant change.", NoSummary: "No description.",
		MeHeading: "Your consents and data", Hello: "Signed in as", Saved: "Your choice is saved.", Consents: "Consents", Status: "Status",
		Change: "Change", Given: "Given", NotGiven: "Not given", Withdraw: "Withdraw", Give: "Give consent", Objections: "Objections",
		ObjectIntro: "You may object at any time to direct marketing and to processing based on legitimate interest.",
		ObjectTo:    "Object to", CookieChoices: "Cookie choices", NoCookies: "No cookie choices are linked to you.",
		Package: "Download your data", MeHint: "The link to this page is personal and expires. Do not share it.",
		LinkInvalid: "The link is invalid or has expired.", Accepted: "accepted", Refused: "refused", GPC: "Global Privacy Control",
		Kinds: map[string]string{vern.RequestAccess: "Access to my data", vern.RequestRectification: "Correct my data",
			vern.RequestErasure: "Erase my data", vern.RequestRestriction: "Restrict processing", vern.RequestObjection: "Object",
			vern.RequestPortability: "Receive my data (portability)", vern.RequestWithdrawal: "Withdraw consent",
			vern.RequestComplaint: "Complaint"}},
}

var requestKinds = []string{vern.RequestAccess, vern.RequestRectification, vern.RequestErasure, vern.RequestRestriction,
	vern.RequestObjection, vern.RequestPortability, vern.RequestWithdrawal, vern.RequestComplaint}

type option struct {
	Key, Title string
	Selected   bool
}

// centreView is what every centre page shows; each page fills its part.
type centreView struct {
	Lang, Title, Controller, Version string
	T                                centreText
	Errors                           []string

	// centre
	Kinds, Scopes, Purposes []option
	Email, Message          string
	// versions
	Versions []versionRow
	// me
	Token, Name string
	Done        bool
	Consents    []consentRow
	Cookies     []string
	Formats     []string
}

type versionRow struct {
	Label, Published, Summary string
	Significant, Current      bool
}

type consentRow struct {
	Key, Title string
	Allowed    bool
}

func centreLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "nb" {
		return l
	}
	return "nb"
}

// view starts a page view in the request's language.
func (s *Server) view(r *http.Request, title func(centreText) string) (*centreView, *policy.Policy, error) {
	p, v := s.Policy.Current()
	if p == nil {
		return nil, nil, vern.Errorf(vern.ENOTFOUND, "No policy is published yet.")
	}
	lang := centreLang(r)
	t := centreTexts[lang]
	return &centreView{Lang: lang, T: t, Title: title(t), Controller: p.Controller.Name, Version: v.Version}, p, nil
}

// renderCentre writes a page with headers that allow no script at all,
// no framing and no third-party loads.
func renderCentre(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	setPageHeaders(w, "no-store")
	w.WriteHeader(status)
	if err := centreTemplates.ExecuteTemplate(w, name, v); err != nil {
		logInternal(r.Context(), err)
	}
}

func (s *Server) centrePage(w http.ResponseWriter, r *http.Request) {
	v, p, err := s.view(r, func(t centreText) string { return t.Centre })
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	s.fillRequestForm(v, p, r.URL.Query().Get("kind"))
	renderCentre(w, r, http.StatusOK, "centre", v)
}

// fillRequestForm lists the choices of the request form.
func (s *Server) fillRequestForm(v *centreView, p *policy.Policy, kind string) {
	if kind == "" {
		kind = vern.RequestAccess
	}
	for _, k := range requestKinds {
		v.Kinds = append(v.Kinds, option{Key: k, Title: v.T.Kinds[k], Selected: k == kind})
	}
	for _, sc := range p.ObjectionScopes() {
		v.Scopes = append(v.Scopes, option{Key: sc.Key, Title: sc.Title.Get(v.Lang)})
	}
	for _, pu := range p.Purposes() {
		if pu.HasBasis(policy.BasisLegitimateInterest) {
			v.Scopes = append(v.Scopes, option{Key: pu.Key, Title: pu.Title.Get(v.Lang)})
		}
		if pu.HasBasis(policy.BasisConsent) {
			v.Purposes = append(v.Purposes, option{Key: pu.Key, Title: pu.Title.Get(v.Lang)})
		}
	}
}

// centreRequest opens a request from the form and sends the person on to
// the page where the mailed code is entered.
func (s *Server) centreRequest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, request.MaxMessage+4<<10)
	v, p, err := s.view(r, func(t centreText) string { return t.Centre })
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeProblem(w, r, vern.Invalid(vern.FieldError{Field: "body", Code: "form", Message: "The form could not be read."}))
		return
	}
	f := r.PostForm
	kind := f.Get("kind")
	in := request.Input{Kind: kind, Email: f.Get("email"), Language: v.Lang, Details: vern.RequestDetails{Message: f.Get("message")}}
	switch kind {
	case vern.RequestObjection:
		in.Details.Scope = f.Get("scope")
	case vern.RequestWithdrawal:
		in.Details.Purpose = f.Get("purpose")
	}
	sub, err := s.Requests.Submit(r.Context(), in)
	switch vern.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/privacy/requests/"+url.PathEscape(sub.ID)+"/verify?lang="+v.Lang, http.StatusSeeOther)
		return
	case vern.EINVALID, vern.ERATELIMIT:
		var ve *vern.Error
		errors.As(err, &ve)
		v.Errors = formErrors(ve)
		v.Email, v.Message = f.Get("email"), f.Get("message")
		s.fillRequestForm(v, p, kind)
		status := http.StatusUnprocessableEntity
		if vern.ErrorCode(err) == vern.ERATELIMIT {
			status = http.StatusTooManyRequests
		}
		renderCentre(w, r, status, "centre", v)
	default:
		writeProblem(w, r, err)
	}
}

// formErrors lists an error's messages for the page; they never repeat the
// refused value.
func formErrors(e *vern.Error) []string {
	if e == nil {
		return []string{"Invalid input."}
	}
	if len(e.Fields) == 0 {
		return []string{e.Message}
	}
	out := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func (s *Server) versionsPage(w http.ResponseWriter, r *http.Request) {
	v, _, err := s.view(r, func(t centreText) string { return t.Versions })
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	list, err := s.Policy.Versions(r.Context())
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	for _, pv := range list {
		row := versionRow{Label: pv.Version, Published: pv.PublishedAt.UTC().Format(time.DateOnly), Current: pv.Version == v.Version, Summary: v.T.NoSummary}
		if old, _, err := s.Policy.Version(r.Context(), pv.Version); err == nil && old.Change != nil {
			row.Significant = old.Change.Significant
			if sum := old.Change.Summary.Get(v.Lang); sum != "" {
				row.Summary = sum
			}
		}
		v.Versions = append(v.Versions, row)
	}
	renderCentre(w, r, http.StatusOK, "versions", v)
}

// versionPage shows the notice of one published version as it was.
func (s *Server) versionPage(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.Policy.Version(r.Context(), r.PathValue("version"))
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	lang := centreLang(r)
	if !slices.Contains(p.Languages, lang) {
		lang = p.DefaultLanguage
	}
	html, err := p.Render(lang)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	setPageHeaders(w, "public, max-age=3600")
	_, _ = w.Write(html)
}

// mePage shows a verified person their consents, objections, cookie
// choices and package. The link is the signed, expiring download link of
// a completed access request: holding it proves the email round-trip.
func (s *Server) mePage(w http.ResponseWriter, r *http.Request) {
	s.renderMe(w, r, r.PathValue("token"), r.URL.Query().Get("done") == "1", nil)
}

func (s *Server) renderMe(w http.ResponseWriter, r *http.Request, token string, done bool, errs []string) {
	v, p, err := s.view(r, func(t centreText) string { return t.MeHeading })
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	pkg, err := s.Requests.Download(r.Context(), token)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		v.Errors = []string{v.T.LinkInvalid}
		renderCentre(w, r, http.StatusNotFound, "centre", s.withForm(v, p))
		return
	} else if err != nil {
		writeProblem(w, r, err)
		return
	}
	v.Token, v.Done, v.Errors, v.Formats = token, done, errs, []string{"html", "pdf", "json", "csv"}
	if pkg.Subject != nil {
		v.Name = strings.TrimSpace(pkg.Subject.FirstName + " " + pkg.Subject.LastName + " <" + pkg.Subject.Email + ">")
	}
	allowed := map[string]bool{}
	for _, st := range pkg.ConsentState {
		allowed[st.Purpose] = st.Allowed
	}
	for _, pu := range p.Purposes() {
		if pu.HasBasis(policy.BasisConsent) {
			v.Consents = append(v.Consents, consentRow{Key: pu.Key, Title: pu.Title.Get(v.Lang), Allowed: allowed[pu.Key]})
		}
	}
	for _, sc := range p.ObjectionScopes() {
		v.Scopes = append(v.Scopes, option{Key: sc.Key, Title: sc.Title.Get(v.Lang)})
	}
	if s.Cookies != nil && pkg.Subject != nil {
		choices, err := s.Cookies.PersonChoices(r.Context(), pkg.Subject.ID)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		for _, c := range choices {
			line := c.At.UTC().Format(time.DateOnly) + ": " + v.T.Accepted + " " + strings.Join(c.Granted, ", ") + "; " + v.T.Refused + " " + strings.Join(c.Refused, ", ")
			if c.GPC {
				line += " (" + v.T.GPC + ")"
			}
			v.Cookies = append(v.Cookies, line)
		}
	}
	renderCentre(w, r, http.StatusOK, "me", v)
}

func (s *Server) withForm(v *centreView, p *policy.Policy) *centreView {
	v.Title = v.T.Centre
	s.fillRequestForm(v, p, "")
	return v
}

// meSubmit changes a consent or records an objection for the holder of a
// valid link, then shows the page again (post, redirect, get).
func (s *Server) meSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != selfOrigin(r) {
		writeProblem(w, r, vern.Errorf(vern.EFORBIDDEN, "Forms are accepted from this site only."))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeProblem(w, r, vern.Invalid(vern.FieldError{Field: "body", Code: "form", Message: "The form could not be read."}))
		return
	}
	token, purpose, action := r.PathValue("token"), r.PostFormValue("purpose"), r.PostFormValue("action")
	pkg, err := s.Requests.Download(r.Context(), token)
	if err != nil {
		s.renderMe(w, r, token, false, nil)
		return
	}
	if pkg.Subject == nil {
		s.renderMe(w, r, token, false, []string{"Vern holds no data on you, so there is no consent to change."})
		return
	}
	ev := consent.Evidence{Source: vern.ChannelWebForm, PageURL: "/privacy/packages", UserAgent: truncate(r.UserAgent(), 512), IP: clientAddr(r.RemoteAddr)}
	const actor = "public:privacy_centre"
	switch action {
	case consent.ActionGrant, consent.ActionWithdraw:
		_, err = s.Consent.Record(r.Context(), actor, consent.RecordInput{PersonID: pkg.Subject.ID, Purpose: purpose, Action: action, Evidence: ev})
	case "object":
		_, err = s.Consent.Object(r.Context(), actor, consent.ObjectionInput{PersonID: pkg.Subject.ID, Scope: purpose, Evidence: ev})
	default:
		err = vern.Invalid(vern.FieldError{Field: "action", Code: "unknown", Message: "Unknown action."})
	}
	switch vern.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/privacy/packages/"+url.PathEscape(token)+"?lang="+centreLang(r)+"&done=1", http.StatusSeeOther)
	case vern.EINVALID, vern.ECONFLICT:
		var ve *vern.Error
		errors.As(err, &ve)
		s.renderMe(w, r, token, false, formErrors(ve))
	default:
		writeProblem(w, r, err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
