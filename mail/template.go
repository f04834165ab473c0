package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/vernhq/vern"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// languages lists the languages every template is written in. Render
// falls back to English for any other.
var languages = []string{"nb", "en"}

// templateVars lists the vars each template needs, then the ones it may
// use. Render refuses a mail that lacks a needed var, so a template never
// shows a blank where a value belongs.
var templateVars = map[string]struct{ required, optional []string }{
	vern.MailVerification:   {required: []string{"code", "link", "expires_at", "request_kind"}},
	vern.MailAcknowledgment: {required: []string{"request_id", "request_kind", "due_on"}},
	vern.MailExtension:      {required: []string{"request_id", "due_on", "reason"}},
	// kept lists data kept despite an erasure (Art. 17(3)), one item a line.
	vern.MailCompletion: {required: []string{"request_id", "request_kind", "resolution"}, optional: []string{"package_link", "kept"}},
	// authority and authority_url name where to complain (Art. 12(4)).
	vern.MailRejection: {required: []string{"request_id", "reason", "authority", "authority_url"}},
	vern.MailReminder:  {required: []string{"request_id", "request_kind", "due_on"}},
	// A mailing's content comes from its send; unsubscribe_url is the
	// one-click link also given in List-Unsubscribe (RFC 8058).
	vern.MailNewsletter: {required: []string{"subject", "body", "unsubscribe_url", "list"}},
	// A significant policy change (S13); reconsent lists, one a line, the
	// purposes whose consent must be given again.
	vern.MailPolicyNotice: {required: []string{"version", "summary", "notice_url"}, optional: []string{"reconsent"}},
}

// parsedTemplate is one mail in one language. Each file defines
// "subject", "text" and "html"; the first two run as text/template, the
// last as html/template inside the shared layout, so values are escaped
// in HTML only.
type parsedTemplate struct {
	text *template.Template
	html *htmltemplate.Template
}

// templates is compiled once, like a regexp, and only read afterwards.
var templates = mustParseTemplates()

func mustParseTemplates() map[string]*parsedTemplate {
	out := map[string]*parsedTemplate{}
	for _, lang := range languages {
		funcs := templateFuncs(lang)
		for name := range templateVars {
			file := "templates/" + name + "." + lang + ".tmpl"
			t := &parsedTemplate{
				text: template.Must(template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, file)),
				html: htmltemplate.Must(htmltemplate.New(name).Funcs(htmltemplate.FuncMap(funcs)).Option("missingkey=error").
					ParseFS(templateFS, "templates/layout.tmpl", file)),
			}
			out[name+"."+lang] = t
		}
	}
	return out
}

// Render fills in the template of m in its language and returns the
// message to send to m.To. Errors name the template and var but never
// repeat a value, which may be personal data.
func Render(m vern.Mail) (*Message, error) {
	spec, ok := templateVars[m.Template]
	if !ok {
		return nil, fmt.Errorf("render mail: unknown template %q", m.Template)
	}
	lang := language(m.Language)
	vars := make(map[string]string, len(spec.required)+len(spec.optional))
	for _, k := range spec.required {
		v := strings.TrimSpace(m.Vars[k])
		if v == "" {
			return nil, fmt.Errorf("render %s mail: missing var %q", m.Template, k)
		}
		vars[k] = m.Vars[k]
	}
	for _, k := range spec.optional {
		vars[k] = m.Vars[k] // "" when absent, which templates test for
	}
	if k, ok := vars["request_kind"]; ok && !vern.ValidRequestKind(k) {
		return nil, fmt.Errorf("render %s mail: var \"request_kind\" is not a request kind", m.Template)
	}
	if d, ok := vars["due_on"]; ok {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("render %s mail: var \"due_on\" is not a YYYY-MM-DD date", m.Template)
		}
	}

	t := templates[m.Template+"."+lang]
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", vars); err != nil {
		return nil, fmt.Errorf("render %s mail subject: %w", m.Template, err)
	}
	if err := t.text.ExecuteTemplate(&text, "text", vars); err != nil {
		return nil, fmt.Errorf("render %s mail text: %w", m.Template, err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout", vars); err != nil {
		return nil, fmt.Errorf("render %s mail HTML: %w", m.Template, err)
	}
	return &Message{
		To:      m.To,
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
		Headers: m.Headers,
	}, nil
}

// language picks the template language for a BCP 47 tag: Norwegian
// Bokmål for nb and no (with any region), else English.
func language(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	if primary == "nb" || primary == "no" {
		return "nb"
	}
	return "en"
}

// kindNames are the request kinds in words, by language.
var kindNames = map[string]map[string]string{
	"nb": {
		vern.RequestAccess:        "innsyn",
		vern.RequestRectification: "retting",
		vern.RequestErasure:       "sletting",
		vern.RequestRestriction:   "begrensning av behandling",
		vern.RequestObjection:     "protest mot behandling",
		vern.RequestPortability:   "dataportabilitet",
		vern.RequestWithdrawal:    "tilbaketrekking av samtykke",
		vern.RequestComplaint:     "klage",
	},
	"en": {
		vern.RequestAccess:        "access",
		vern.RequestRectification: "rectification",
		vern.RequestErasure:       "erasure",
		vern.RequestRestriction:   "restriction of processing",
		vern.RequestObjection:     "objection to processing",
		vern.RequestPortability:   "data portability",
		vern.RequestWithdrawal:    "withdrawal of consent",
		vern.RequestComplaint:     "complaint",
	},
}

var monthNames = map[string][]string{
	"nb": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// templateFuncs are the functions templates of one language may call.
func templateFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"lang": func() string { return lang },
		// kind names a request kind: {{kind .request_kind}}.
		"kind": func(k string) (string, error) {
			if n, ok := kindNames[lang][k]; ok {
				return n, nil
			}
			return "", errors.New("unknown request kind")
		},
		// date writes a YYYY-MM-DD day as "3. mars 2026" or "3 March 2026".
		"date": func(s string) (string, error) {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return "", errors.New("date is not YYYY-MM-DD")
			}
			month := monthNames[lang][d.Month()-1]
			if lang == "nb" {
				return fmt.Sprintf("%d. %s %d", d.Day(), month, d.Year()), nil
			}
			return fmt.Sprintf("%d %s %d", d.Day(), month, d.Year()), nil
		},
		// lines splits multi-line text into its non-blank lines.
		"lines": func(s string) []string {
			var out []string
			for l := range strings.Lines(s) {
				if l = strings.TrimSpace(l); l != "" {
					out = append(out, l)
				}
			}
			return out
		},
	}
}

// Templates returns the names of all templates, sorted.
func Templates() []string {
	names := make([]string, 0, len(templateVars))
	for n := range templateVars {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
