package policy

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"
)

//go:embed templates/notice.html.tmpl
var templateFS embed.FS

var noticeTemplate = template.Must(template.ParseFS(templateFS, "templates/notice.html.tmpl"))

// noticeView is everything the notice template prints, already localized,
// so the template only lays it out.
type noticeView struct {
	Lang, Title, Version, Hash string
	L                          *labels
	Lead, Intro, Scope         []template.HTML
	ControllerLine             string
	TOC                        []tocEntry

	Collection     sectionView
	Sources        []template.HTML
	Purposes       sectionView
	PurposeItems   []purposeView
	Categories     sectionView
	CategoryRows   []categoryView
	NeverCollected sectionView
	NeverItems     []neverView
	Retention      sectionView
	RetentionItems []retentionView
	Sharing        sectionView
	Recipients     []recipientView
	Cookies        sectionView
	CookieRows     []cookieView
	CookieSubs     []cookieSubView
	Hashing        []template.HTML
	LegalBases     sectionView
	Bases          []basisView
	Rights         sectionView
	RightItems     []template.HTML
	Scopes         []scopeView
	Changes        sectionView
	ChangeSummary  []template.HTML
	LastUpdated    sectionView
	Complaints     sectionView
	Authority      authorityView
	Contact        sectionView
	Controller     controllerView
}

type tocEntry struct {
	ID, Heading string
	Children    []tocEntry
}

type sectionView struct {
	ID, Heading string
	Text, After []template.HTML
}

type purposeView struct {
	Title       string
	Description []template.HTML
	Basis       string
	Interest    string
}

type categoryView struct{ Title, Description, UsedFor string }

type neverView struct{ Title, Description string }

type retentionView struct {
	Title, Rule, Hold string
	Note              []template.HTML
}

type recipientView struct {
	ID, Name                                string
	Description                             []template.HTML
	Role, Data, Purposes, Country, Transfer string
}

type cookieView struct{ Title, Description, Consent, Tools string }

type cookieSubView struct {
	ID, Heading string
	Text        []template.HTML
	ToolsIntro  string
	Tools       []string
}

type basisView struct {
	ID, Heading, UsedBy string
	Text                []template.HTML
}

type scopeView struct {
	Label    string
	Purposes []string
}

type authorityView struct {
	Name, Street, City, Country, Website string
}

type controllerView struct {
	Name, OrgNumber, Street, City, Email, Phone, Website string
}

// Render produces the public privacy notice in lang as a standalone HTML5
// document: no external resources, a table of contents, and every section
// of the policy in a fixed order. lang must be one of the policy's
// languages.
func (p *Policy) Render(lang string) ([]byte, error) {
	if !slices.Contains(p.Languages, lang) || labelsFor[lang] == nil {
		return nil, fmt.Errorf("render notice: language %q is not one of the policy's languages (%s)", lang, strings.Join(p.Languages, ", "))
	}
	var buf bytes.Buffer
	if err := noticeTemplate.Execute(&buf, p.view(lang)); err != nil {
		return nil, fmt.Errorf("render notice in %s: %w", lang, err)
	}
	return buf.Bytes(), nil
}

// renderer localizes policy texts for one language.
type renderer struct {
	p    *Policy
	lang string
	l    *labels
}

func (p *Policy) view(lang string) *noticeView {
	r := &renderer{p: p, lang: lang, l: labelsFor[lang]}
	l, n := r.l, &p.Notice
	c := &p.Controller
	v := &noticeView{
		Lang: lang, Title: r.t(n.Title), Version: p.Version, Hash: p.hash, L: l,
		Lead: r.paras(n.Lead), Intro: r.paras(n.Intro), Scope: r.paras(n.Scope),
	}
	v.ControllerLine = fmt.Sprintf(l.ControllerLine, c.Name)
	if c.OrgNumber != "" {
		v.ControllerLine = fmt.Sprintf(l.ControllerLineOrg, c.Name, groupDigits(c.OrgNumber))
	}

	s := &n.Sections
	v.Collection = r.section("collection", s.Collection)
	for _, src := range p.sources {
		v.Sources = append(v.Sources, r.inline(src.Text))
	}

	v.Purposes = r.section("purposes", s.Purposes)
	for _, pu := range p.purposes {
		var bases []string
		for _, b := range pu.LegalBasis {
			bases = append(bases, l.Bases[b])
		}
		v.PurposeItems = append(v.PurposeItems, purposeView{
			Title: r.t(pu.Title), Description: r.paras(pu.Description),
			Basis: l.join(bases), Interest: r.t(pu.Interest),
		})
	}

	v.Categories = r.section("categories", s.Categories)
	for _, c := range p.categories {
		if !c.Personal {
			continue
		}
		var used []string
		for _, pu := range p.purposes {
			if slices.Contains(pu.Categories, c.Key) {
				used = append(used, r.t(pu.Title))
			}
		}
		v.CategoryRows = append(v.CategoryRows, categoryView{r.t(c.Title), r.t(c.Description), strings.Join(used, ", ")})
	}

	v.NeverCollected = r.section("never-collected", s.NeverCollected)
	for _, x := range p.neverCollected {
		v.NeverItems = append(v.NeverItems, neverView{r.t(x.Title), r.t(x.Description)})
	}

	v.Retention = r.section("retention", s.Retention)
	for _, rule := range p.retention {
		rv := retentionView{
			Title: r.t(rule.Title),
			Rule:  fmt.Sprintf("%s %s %s.", l.Actions[rule.Action], l.period(rule.Period), l.Anchors[rule.Anchor]),
			Note:  r.paras(rule.Note),
		}
		if h := rule.LegalHold; h != nil {
			rv.Hold = fmt.Sprintf("%s: %s %s (%s).", r.t(h.Name), l.period(h.Period), l.Anchors[h.Anchor], h.Law)
		}
		v.RetentionItems = append(v.RetentionItems, rv)
	}

	v.Sharing = r.section("sharing", s.Sharing)
	for _, role := range roles {
		for _, rc := range p.recipients {
			if rc.Role == role {
				v.Recipients = append(v.Recipients, r.recipient(rc))
			}
		}
	}

	v.Cookies = r.section("cookies", s.Cookies)
	cookiesTOC := tocEntry{ID: v.Cookies.ID, Heading: v.Cookies.Heading}
	for _, c := range p.cookies {
		var tools []string
		for _, t := range c.Tools {
			tools = append(tools, t.Name)
		}
		consent := l.NeedsConsent
		if c.AlwaysOn {
			consent = l.AlwaysOn
		}
		toolList := strings.Join(tools, ", ")
		if toolList == "" {
			toolList = "–"
		}
		v.CookieRows = append(v.CookieRows, cookieView{r.t(c.Title), r.t(c.Description), consent, toolList})
		if c.Notice == nil {
			continue
		}
		sub := cookieSubView{ID: "cookies-" + strings.ReplaceAll(c.Key, "_", "-"), Heading: r.t(c.Title), Text: r.paras(c.Notice), Tools: tools}
		if len(tools) > 0 {
			// Without tools the introduction would end in a dangling colon.
			sub.ToolsIntro = r.t(c.ToolsIntro)
			if sub.ToolsIntro == "" {
				sub.ToolsIntro = l.Tools + ":"
			}
		}
		v.CookieSubs = append(v.CookieSubs, sub)
		cookiesTOC.Children = append(cookiesTOC.Children, tocEntry{ID: sub.ID, Heading: sub.Heading})
	}
	v.Hashing = r.paras(n.Hashing)

	v.LegalBases = r.section("legal-bases", s.LegalBases)
	letter := 'a'
	for _, b := range legalBases {
		sec, ok := n.LegalBases[b]
		if !ok {
			continue
		}
		var used []string
		for _, pu := range p.PurposesWithBasis(b) {
			used = append(used, r.t(pu.Title))
		}
		v.Bases = append(v.Bases, basisView{
			ID:      "basis-" + strings.ReplaceAll(string(b), "_", "-"),
			Heading: fmt.Sprintf("%c) %s", letter, r.t(sec.Heading)),
			Text:    r.paras(sec.Text), UsedBy: strings.Join(used, ", "),
		})
		letter++
	}

	v.Rights = r.section("rights", s.Rights)
	for _, it := range p.Rights.Items {
		v.RightItems = append(v.RightItems, r.inline(it.Text))
	}
	for _, sc := range p.scopes {
		sv := scopeView{Label: fmt.Sprintf(l.ScopeCovers, r.t(sc.Title))}
		for _, k := range sc.Purposes {
			sv.Purposes = append(sv.Purposes, r.t(p.purposeByKey[k].Title))
		}
		v.Scopes = append(v.Scopes, sv)
	}

	v.Changes = r.section("changes", s.Changes)
	if p.Change != nil {
		v.ChangeSummary = r.paras(p.Change.Summary)
	}
	v.LastUpdated = r.section("last-updated", s.LastUpdated)
	v.Complaints = r.section("complaints", s.Complaints)
	a := p.Authority
	v.Authority = authorityView{r.t(a.Name), a.Address.Street, a.Address.PostalCode + " " + a.Address.City, l.country(a.Address.Country), a.Website}
	v.Contact = r.section("contact", s.Contact)
	v.Controller = controllerView{
		Name: c.Name, Street: c.Address.Street,
		City:  c.Address.PostalCode + " " + c.Address.City + ", " + l.country(c.Address.Country),
		Email: p.PrivacyEmail(), Phone: c.Phone, Website: c.Website,
	}
	if c.OrgNumber != "" {
		v.Controller.OrgNumber = groupDigits(c.OrgNumber)
		if c.VATRegistered {
			v.Controller.OrgNumber += " " + l.VAT
		}
	}

	for _, sec := range []sectionView{v.Collection, v.Purposes, v.Categories, v.NeverCollected, v.Retention, v.Sharing} {
		v.TOC = append(v.TOC, tocEntry{ID: sec.ID, Heading: sec.Heading})
	}
	v.TOC = append(v.TOC, cookiesTOC)
	for _, sec := range []sectionView{v.LegalBases, v.Rights, v.Changes, v.LastUpdated, v.Complaints, v.Contact} {
		v.TOC = append(v.TOC, tocEntry{ID: sec.ID, Heading: sec.Heading})
	}
	return v
}

func (r *renderer) recipient(rc *Recipient) recipientView {
	l := r.l
	rv := recipientView{
		ID: "recipient-" + strings.ReplaceAll(rc.Key, "_", "-"), Name: r.t(rc.Name),
		Description: r.paras(rc.Description), Role: l.Roles[rc.Role],
	}
	var data, purposes []string
	for _, k := range rc.Categories {
		data = append(data, r.t(r.p.categoryByKey[k].Title))
	}
	for _, k := range rc.Purposes {
		purposes = append(purposes, r.t(r.p.purposeByKey[k].Title))
	}
	rv.Data, rv.Purposes = strings.Join(data, ", "), strings.Join(purposes, ", ")
	if rc.Country != "" {
		rv.Country = l.country(rc.Country)
	}
	if rc.TransferBasis != "" {
		rv.Transfer = l.Transfers[rc.TransferBasis]
	}
	return rv
}

func (r *renderer) t(t Text) string { return t.Get(r.lang) }

func (r *renderer) section(id string, s Section) sectionView {
	return sectionView{ID: id, Heading: r.t(s.Heading), Text: r.paras(s.Text), After: r.paras(s.After)}
}

// paras splits a text into paragraphs at blank lines, escapes them and
// fills in the placeholders. Single line breaks inside a paragraph are
// folded into spaces, as in Markdown.
func (r *renderer) paras(t Text) []template.HTML {
	s := strings.ReplaceAll(r.t(t), "\r\n", "\n")
	var out []template.HTML
	for _, para := range strings.Split(s, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, r.fill(strings.Join(strings.Fields(para), " ")))
		}
	}
	return out
}

// inline renders a text as a single run of HTML, for list items.
func (r *renderer) inline(t Text) template.HTML {
	return r.fill(strings.Join(strings.Fields(r.t(t)), " "))
}

// fill escapes s and then replaces placeholders. Escaping first is safe
// because the escaper leaves "{", "}" and "_" alone, and the substituted
// values are escaped on their own.
func (r *renderer) fill(s string) template.HTML {
	s = html.EscapeString(s)
	mailto := func(addr string) string {
		e := html.EscapeString(addr)
		return `<a href="mailto:` + e + `">` + e + `</a>`
	}
	s = strings.NewReplacer(
		"{controller}", html.EscapeString(r.p.Controller.Name),
		"{privacy_email}", mailto(r.p.PrivacyEmail()),
		"{rights_email}", mailto(r.p.RightsEmail()),
		"{authority}", html.EscapeString(r.t(r.p.Authority.Name)),
		"{published_at}", html.EscapeString(r.l.date(r.p.PublishedAt)),
		"{version}", html.EscapeString(r.p.Version),
	).Replace(s)
	return template.HTML(s)
}

// groupDigits formats a 9-digit organisation number as "915 213 049".
func groupDigits(s string) string {
	if len(s) != 9 {
		return s
	}
	return s[:3] + " " + s[3:6] + " " + s[6:]
}
