package policy

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// channels are the registry's source channels (API.md) plus "cookies".
var channels = []string{"cookies", "web_form", "email", "phone", "chat", "social", "meeting", "import", "api"}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func conv[T ~string](xs []string) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}

// policy decodes the top level. The header fields are read first, whatever
// their order in the file, because every Text depends on the languages.
func (d *decoder) policy(root *yaml.Node) *Policy {
	p := &Policy{}
	d.record("", root)
	m := d.mapping(root, "")
	if m == nil {
		return p
	}
	p.Version = m.reqStr("version")
	p.PublishedAt = m.date("published_at", true)
	p.Languages = d.languages(m)
	p.DefaultLanguage = m.reqStr("default_language")
	if p.DefaultLanguage != "" && len(p.Languages) > 0 && !slices.Contains(p.Languages, p.DefaultLanguage) {
		d.errorf("default_language", "%q is not one of languages (%s)", p.DefaultLanguage, strings.Join(p.Languages, ", "))
	}
	if n := m.opt("change"); n != nil {
		p.Change = d.change(n, "change")
	}
	p.Controller = d.controller(m.req("controller"), "controller")
	p.Authority = d.authority(m.req("authority"), "authority")
	for i, n := range m.list("sources", true) {
		p.sources = append(p.sources, d.source(n, index("sources", i)))
	}
	for i, n := range m.list("data_categories", true) {
		p.categories = append(p.categories, d.category(n, index("data_categories", i)))
	}
	for i, n := range m.list("never_collected", false) {
		p.neverCollected = append(p.neverCollected, d.neverCollected(n, index("never_collected", i)))
	}
	for i, n := range m.list("purposes", true) {
		p.purposes = append(p.purposes, d.purpose(n, index("purposes", i)))
	}
	for i, n := range m.list("objection_scopes", false) {
		p.scopes = append(p.scopes, d.scope(n, index("objection_scopes", i)))
	}
	for i, n := range m.list("recipients", false) {
		p.recipients = append(p.recipients, d.recipient(n, index("recipients", i)))
	}
	for i, n := range m.list("retention", true) {
		p.retention = append(p.retention, d.retention(n, index("retention", i)))
	}
	for i, n := range m.list("cookies", false) {
		p.cookies = append(p.cookies, d.cookie(n, index("cookies", i)))
	}
	p.Rights = d.rights(m.req("rights"), "rights")
	p.Notice = d.notice(m.req("notice"), "notice")
	m.done()
	p.index()
	return p
}

// index builds the lookup maps. The first of two duplicates wins; validate
// reports the second.
func (p *Policy) index() {
	p.purposeByKey = map[string]*Purpose{}
	p.categoryByKey = map[string]*DataCategory{}
	p.categoryField = map[string]*DataCategory{}
	p.scopeByKey = map[string]*ObjectionScope{}
	p.recipientByKey = map[string]*Recipient{}
	p.cookieByKey = map[string]*CookieCategory{}
	for _, x := range p.purposes {
		addFirst(p.purposeByKey, x.Key, x)
	}
	for _, c := range p.categories {
		addFirst(p.categoryByKey, c.Key, c)
		for _, f := range c.Fields {
			addFirst(p.categoryField, f, c)
		}
	}
	for _, s := range p.scopes {
		addFirst(p.scopeByKey, s.Key, s)
	}
	for _, r := range p.recipients {
		addFirst(p.recipientByKey, r.Key, r)
	}
	for _, c := range p.cookies {
		addFirst(p.cookieByKey, c.Key, c)
	}
}

func addFirst[T any](m map[string]*T, key string, x *T) {
	if _, ok := m[key]; !ok {
		m[key] = x
	}
}

func (d *decoder) languages(m *mapping) []string {
	langs := m.strList("languages", true, false)
	var ok []string
	for i, l := range langs {
		if !slices.Contains(supportedLanguages, l) {
			d.errorf(index("languages", i), "unsupported language %q (supported: %s)", l, strings.Join(supportedLanguages, ", "))
			continue
		}
		ok = append(ok, l)
	}
	// Without valid languages, texts are checked only for supported
	// language codes: requiring both would bury the one real problem.
	d.langs = ok
	return langs
}

func (d *decoder) change(n *yaml.Node, path string) *Change {
	m := d.mapping(n, path)
	if m == nil {
		return nil
	}
	c := &Change{}
	if !m.has("significant") {
		d.errorf(field(path, "significant"), "missing required field %q", "significant")
	}
	c.Significant = m.boolean("significant")
	c.Summary = m.text("summary", true, false)
	m.done()
	return c
}

func (d *decoder) address(n *yaml.Node, path string) Address {
	m := d.mapping(n, path)
	a := Address{
		Street:     m.reqStr("street"),
		PostalCode: m.reqStr("postal_code"),
		City:       m.reqStr("city"),
		Country:    m.reqStr("country"),
	}
	if a.Country != "" && !countryRE.MatchString(a.Country) {
		d.errorf(field(path, "country"), "%q is not an ISO 3166-1 alpha-2 country code such as NO", a.Country)
	}
	m.done()
	return a
}

func (d *decoder) controller(n *yaml.Node, path string) Controller {
	m := d.mapping(n, path)
	c := Controller{Name: m.reqStr("name")}
	c.Address = d.address(m.req("address"), field(path, "address"))
	if raw := m.optStr("org_number"); raw != "" {
		c.OrgNumber = strings.ReplaceAll(raw, " ", "")
		switch {
		case strings.Trim(c.OrgNumber, "0123456789") != "":
			d.errorf(field(path, "org_number"), "%q must contain only digits and spaces", raw)
		case c.Address.Country == "NO" && !validNorwegianOrgNumber(c.OrgNumber):
			d.errorf(field(path, "org_number"), "%q is not a valid Norwegian organisation number (9 digits, mod 11)", raw)
		}
	}
	c.VATRegistered = m.boolean("vat_registered")
	c.Email = m.email("email", true)
	c.Phone = m.optStr("phone")
	if c.Phone != "" && strings.Trim(c.Phone, "+0123456789 ") != "" {
		d.errorf(field(path, "phone"), "%q must contain only digits, spaces and a leading +", c.Phone)
	}
	c.Website = m.url("website", false)
	if pn := m.opt("privacy_contact"); pn != nil {
		pm := d.mapping(pn, field(path, "privacy_contact"))
		c.PrivacyContact = PrivacyContact{
			Name:  pm.text("name", false, true),
			Email: pm.email("email", false),
			DPO:   pm.boolean("dpo"),
		}
		pm.done()
	}
	m.done()
	return c
}

// validNorwegianOrgNumber checks the mod-11 control digit of a Norwegian
// organisation number (weights 3 2 7 6 5 4 3 2).
func validNorwegianOrgNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}

func (d *decoder) authority(n *yaml.Node, path string) Authority {
	m := d.mapping(n, path)
	a := Authority{
		Name:    m.text("name", true, true),
		Website: m.url("website", true),
	}
	a.Address = d.address(m.req("address"), field(path, "address"))
	m.done()
	return a
}

func (d *decoder) source(n *yaml.Node, path string) *Source {
	m := d.mapping(n, path)
	if m == nil {
		return &Source{}
	}
	s := &Source{
		Key:      m.key("key"),
		Channels: m.enumList("channels", false, channels...),
		Text:     m.text("text", true, false),
	}
	m.done()
	return s
}

func (d *decoder) category(n *yaml.Node, path string) *DataCategory {
	m := d.mapping(n, path)
	if m == nil {
		return &DataCategory{}
	}
	c := &DataCategory{
		Key:         m.key("key"),
		Title:       m.text("title", true, false),
		Description: m.text("description", true, false),
	}
	if !m.has("personal") {
		// Whether data is personal decides whether it needs retention and
		// appears in access responses, so the author must say it.
		d.errorf(field(path, "personal"), "missing required field %q", "personal")
	}
	c.Personal = m.boolean("personal")
	c.Fields = m.strList("fields", true, true)
	m.done()
	return c
}

func (d *decoder) neverCollected(n *yaml.Node, path string) *NeverCollected {
	m := d.mapping(n, path)
	if m == nil {
		return &NeverCollected{}
	}
	x := &NeverCollected{
		Key:         m.key("key"),
		Kind:        NeverKind(m.enum("kind", true, string(NeverIdentifier), string(NeverSpecialCategory), string(NeverCriminalOffence))),
		Title:       m.text("title", true, false),
		Description: m.text("description", false, false),
		Identifiers: m.strList("identifiers", false, true),
	}
	m.done()
	return x
}

func (d *decoder) purpose(n *yaml.Node, path string) *Purpose {
	m := d.mapping(n, path)
	if m == nil {
		return &Purpose{}
	}
	p := &Purpose{
		Key:         m.key("key"),
		Title:       m.text("title", true, false),
		Description: m.text("description", true, false),
	}
	if bn := m.opt("legal_basis"); bn != nil && bn.Kind == yaml.ScalarNode {
		// A single basis may be written without list brackets.
		s := d.str(bn, field(path, "legal_basis"))
		if !slices.Contains(strs(legalBases), s) {
			d.errorf(field(path, "legal_basis"), "unknown legal basis %q (allowed: %s)", s, strings.Join(strs(legalBases), ", "))
		}
		p.LegalBasis = []LegalBasis{LegalBasis(s)}
	} else {
		p.LegalBasis = conv[LegalBasis](m.enumList("legal_basis", true, strs(legalBases)...))
	}
	p.Interest = m.text("interest", false, false)
	p.DirectMarketing = m.boolean("direct_marketing")
	p.Categories = m.strList("categories", true, true)
	p.CookieCategory = m.optStr("cookie_category")
	p.Audience = m.optStr("audience")
	if p.Audience != "" && p.Audience != AudienceCustomers {
		d.errorf(field(path, "audience"), "unknown audience %q (allowed: %s)", p.Audience, AudienceCustomers)
	}
	p.OptOut = conv[OptOut](m.enumList("opt_out", false,
		string(OptOutUnsubscribeLink), string(OptOutCookieSettings), string(OptOutPrivacyCentre), string(OptOutEmail)))
	if p.HasBasis(BasisLegitimateInterest) {
		if p.Interest == nil {
			// Art. 13(1)(d): the notice must state the interest pursued.
			d.errorf(field(path, "interest"), "a legitimate-interest purpose must state the interest pursued (Art. 13(1)(d))")
		}
		if !m.has("direct_marketing") {
			// Art. 21(3) makes an objection to direct marketing absolute,
			// so the author must decide which side a purpose is on.
			d.errorf(field(path, "direct_marketing"), "a legitimate-interest purpose must state direct_marketing: true or false")
		}
	} else if p.Interest != nil {
		d.errorf(field(path, "interest"), "interest only applies to legitimate-interest purposes")
	}
	m.done()
	return p
}

func (d *decoder) scope(n *yaml.Node, path string) *ObjectionScope {
	m := d.mapping(n, path)
	if m == nil {
		return &ObjectionScope{}
	}
	s := &ObjectionScope{
		Key:      m.key("key"),
		Title:    m.text("title", true, false),
		Purposes: m.strList("purposes", true, true),
	}
	m.done()
	return s
}

func (d *decoder) recipient(n *yaml.Node, path string) *Recipient {
	m := d.mapping(n, path)
	if m == nil {
		return &Recipient{}
	}
	r := &Recipient{
		Key:         m.key("key"),
		Name:        m.text("name", true, true),
		Role:        Role(m.enum("role", true, strs(roles)...)),
		Description: m.text("description", false, false),
		Services:    m.strList("services", false, true),
		Categories:  m.strList("categories", true, true),
		Purposes:    m.strList("purposes", false, true),
		Country:     m.optStr("country"),
		TransferBasis: TransferBasis(m.enum("transfer_basis", false,
			string(TransferAdequacy), string(TransferSCC), string(TransferBCR), string(TransferDerogation))),
	}
	if r.Country != "" && !countryRE.MatchString(r.Country) {
		d.errorf(field(path, "country"), "%q is not an ISO 3166-1 alpha-2 country code such as IE or US", r.Country)
	}
	if dn := m.opt("dpa"); dn != nil {
		r.DPA = d.dpa(dn, field(path, "dpa"))
	}
	m.done()
	return r
}

func (d *decoder) dpa(n *yaml.Node, path string) *DPA {
	m := d.mapping(n, path)
	if m == nil {
		return nil
	}
	a := &DPA{
		Status:    DPAStatus(m.enum("status", true, string(DPASigned), string(DPAMissing), string(DPANotRequired))),
		SignedAt:  m.date("signed_at", false),
		ExpiresAt: m.date("expires_at", false),
	}
	switch {
	case a.Status == DPASigned && a.SignedAt.IsZero() && !m.has("signed_at"):
		d.errorf(field(path, "signed_at"), "a signed agreement needs signed_at")
	case a.Status != DPASigned && a.Status != "" && (m.has("signed_at") || m.has("expires_at")):
		d.errorf(path, "signed_at and expires_at only apply to a signed agreement")
	case !a.SignedAt.IsZero() && !a.ExpiresAt.IsZero() && !a.ExpiresAt.After(a.SignedAt):
		d.errorf(field(path, "expires_at"), "expires_at must be after signed_at")
	}
	m.done()
	return a
}

var anchors = []string{string(AnchorCollected), string(AnchorLastInteraction), string(AnchorContractEnd),
	string(AnchorConsentWithdrawn), string(AnchorFinancialYearEnd), string(AnchorRequestClosed)}

func (d *decoder) retention(n *yaml.Node, path string) *RetentionRule {
	m := d.mapping(n, path)
	if m == nil {
		return &RetentionRule{}
	}
	r := &RetentionRule{
		Key:        m.key("key"),
		Title:      m.text("title", true, false),
		Purposes:   m.strList("purposes", false, true),
		Categories: m.strList("categories", false, true),
		Period:     m.period("period"),
		Anchor:     Anchor(m.enum("anchor", true, anchors...)),
		Action: Action(m.enum("action", true,
			string(ActionDelete), string(ActionAnonymise), string(ActionRestrict), string(ActionTruncateIP))),
		Note: m.text("note", false, false),
	}
	if len(r.Purposes) == 0 && len(r.Categories) == 0 {
		d.errorf(path, "a retention rule needs purposes, categories or both")
	}
	if hn := m.opt("legal_hold"); hn != nil {
		hp := field(path, "legal_hold")
		hm := d.mapping(hn, hp)
		if hm != nil {
			r.LegalHold = &LegalHold{
				Name:   hm.text("name", true, false),
				Law:    hm.reqStr("law"),
				Period: hm.period("period"),
				Anchor: Anchor(hm.enum("anchor", true, anchors...)),
			}
			hm.done()
		}
	}
	m.done()
	return r
}

func (d *decoder) cookie(n *yaml.Node, path string) *CookieCategory {
	m := d.mapping(n, path)
	if m == nil {
		return &CookieCategory{}
	}
	c := &CookieCategory{
		Key:         m.key("key"),
		Title:       m.text("title", true, false),
		Description: m.text("description", true, false),
		AlwaysOn:    m.boolean("always_on"),
		Purpose:     m.optStr("purpose"),
		ToolsIntro:  m.text("tools_intro", false, false),
		Notice:      m.text("notice", false, false),
	}
	for i, tn := range m.list("tools", false) {
		tp := index(field(path, "tools"), i)
		tm := d.mapping(tn, tp)
		if tm == nil {
			continue
		}
		c.Tools = append(c.Tools, Tool{Name: tm.reqStr("name"), Recipient: tm.optStr("recipient")})
		tm.done()
	}
	m.done()
	return c
}

func (d *decoder) rights(n *yaml.Node, path string) Rights {
	m := d.mapping(n, path)
	r := Rights{Contact: m.email("contact", false)}
	for i, in := range m.list("items", true) {
		ip := index(field(path, "items"), i)
		im := d.mapping(in, ip)
		if im == nil {
			continue
		}
		r.Items = append(r.Items, &Right{
			Kind: RightKind(im.enum("key", true, strs(rightKinds)...)),
			Text: im.text("text", true, false),
		})
		im.done()
	}
	m.done()
	return r
}

func (d *decoder) notice(n *yaml.Node, path string) Notice {
	m := d.mapping(n, path)
	nt := Notice{
		Title:   m.text("title", true, false),
		Lead:    m.text("lead", false, false),
		Intro:   m.text("intro", false, false),
		Scope:   m.text("scope", true, false),
		Hashing: m.text("hashing", false, false),
	}
	sp := field(path, "sections")
	sm := d.mapping(m.req("sections"), sp)
	s := &nt.Sections
	for _, x := range []struct {
		key string
		dst *Section
	}{
		{"collection", &s.Collection}, {"purposes", &s.Purposes}, {"categories", &s.Categories},
		{"never_collected", &s.NeverCollected}, {"retention", &s.Retention}, {"sharing", &s.Sharing},
		{"cookies", &s.Cookies}, {"legal_bases", &s.LegalBases}, {"rights", &s.Rights},
		{"changes", &s.Changes}, {"last_updated", &s.LastUpdated}, {"complaints", &s.Complaints},
		{"contact", &s.Contact},
	} {
		if sec := d.section(sm.req(x.key), field(sp, x.key)); sec != nil {
			*x.dst = *sec
		}
	}
	sm.done()
	bp := field(path, "legal_bases")
	bm := d.mapping(m.req("legal_bases"), bp)
	nt.LegalBases = map[LegalBasis]*Section{}
	for _, b := range legalBases {
		if sec := d.section(bm.opt(string(b)), field(bp, string(b))); sec != nil {
			nt.LegalBases[b] = sec
		}
	}
	bm.done()
	m.done()
	return nt
}

func (d *decoder) section(n *yaml.Node, path string) *Section {
	m := d.mapping(n, path)
	if m == nil {
		return nil
	}
	s := &Section{
		Heading: m.text("heading", true, false),
		Text:    m.text("text", false, false),
		After:   m.text("after", false, false),
	}
	m.done()
	return s
}
