package policy

import "strings"

// Description is the policy spelled out in one language as plain strings:
// what an access response (GDPR Art. 15(1)) and the record of processing
// (Art. 30) say about the processing. It is generated from the same file as
// the notice, so the three cannot disagree.
type Description struct {
	Language   string
	Purposes   []DescribedPurpose
	Categories []DescribedCategory
	Recipients []DescribedRecipient
	Retention  []DescribedRetention
	Rights     []string
	Sources    []string
	Authority  DescribedAuthority
}

// DescribedPurpose is a purpose with its legal bases named.
type DescribedPurpose struct {
	Key, Title, Description string
	LegalBases              []string
	Categories              []string
}

// DescribedCategory is a category of personal data.
type DescribedCategory struct{ Key, Title, Description string }

// DescribedRecipient is a recipient with its role, country and transfer
// basis named.
type DescribedRecipient struct{ Key, Name, Role, Country, TransferBasis string }

// DescribedRetention is a retention rule as one sentence.
type DescribedRetention struct{ Key, Title, Period string }

// DescribedAuthority is the supervisory authority.
type DescribedAuthority struct{ Name, Website, Address string }

// Describe spells the policy out in lang, or the default language when the
// policy is not written in lang.
func (p *Policy) Describe(lang string) *Description {
	if !p.hasLanguage(lang) {
		lang = p.DefaultLanguage
	}
	l := labelsFor[lang]
	if l == nil {
		l = labelsFor["en"]
	}
	d := &Description{Language: lang}
	for _, pu := range p.purposes {
		bases := make([]string, 0, len(pu.LegalBasis))
		for _, b := range pu.LegalBasis {
			bases = append(bases, l.Bases[b])
		}
		d.Purposes = append(d.Purposes, DescribedPurpose{Key: pu.Key, Title: pu.Title.Get(lang),
			Description: pu.Description.Get(lang), LegalBases: bases, Categories: pu.Categories})
	}
	for _, c := range p.categories {
		if c.Personal {
			d.Categories = append(d.Categories, DescribedCategory{Key: c.Key, Title: c.Title.Get(lang), Description: c.Description.Get(lang)})
		}
	}
	for _, r := range p.recipients {
		dr := DescribedRecipient{Key: r.Key, Name: r.Name.Get(lang), Role: l.Roles[r.Role]}
		if r.Country != "" {
			dr.Country = l.country(r.Country)
		}
		if r.TransferBasis != "" {
			dr.TransferBasis = l.Transfers[r.TransferBasis]
		}
		d.Recipients = append(d.Recipients, dr)
	}
	for _, r := range p.retention {
		text := l.Actions[r.Action] + " " + l.period(r.Period) + " " + l.Anchors[r.Anchor]
		d.Retention = append(d.Retention, DescribedRetention{Key: r.Key, Title: r.Title.Get(lang), Period: strings.TrimSpace(text)})
	}
	for _, r := range p.Rights.Items {
		d.Rights = append(d.Rights, p.fillPlain(r.Text.Get(lang), lang))
	}
	for _, s := range p.sources {
		d.Sources = append(d.Sources, s.Text.Get(lang))
	}
	a := p.Authority.Address
	d.Authority = DescribedAuthority{Name: p.Authority.Name.Get(lang), Website: p.Authority.Website,
		Address: strings.TrimSpace(strings.Join([]string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City)}, ", "))}
	return d
}

// AllowsRight reports whether the policy offers the right of kind k.
func (p *Policy) AllowsRight(k RightKind) bool {
	for _, r := range p.Rights.Items {
		if r.Kind == k {
			return true
		}
	}
	return false
}

func (p *Policy) hasLanguage(lang string) bool {
	for _, l := range p.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// fillPlain replaces the notice placeholders in s with plain text.
func (p *Policy) fillPlain(s, lang string) string {
	return strings.NewReplacer(
		"{controller}", p.Controller.Name,
		"{privacy_email}", p.PrivacyEmail(),
		"{rights_email}", p.RightsEmail(),
		"{authority}", p.Authority.Name.Get(lang),
		"{version}", p.Version,
	).Replace(s)
}
