package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DPAExpiryWarning is how long before a data processing agreement ends
// the register starts warning about it.
const DPAExpiryWarning = 60 * 24 * time.Hour

// RegisterEntry is a recipient as the register of recipients shows it on
// a given day (S7): the recipient, whether its country is outside the
// EEA, and the warnings a privacy officer must act on.
type RegisterEntry struct {
	*Recipient
	// OutsideEEA is set for a stated country outside the EEA.
	OutsideEEA bool `json:"outside_eea"`
	// Warnings are missing, expired and expiring agreements and unknown
	// countries, in words.
	Warnings []string `json:"warnings"`
}

// Register returns every recipient with the warnings that apply at now:
// a processor without a signed agreement (Art. 28(3)), an agreement that
// has expired or expires within DPAExpiryWarning, a signed agreement
// without a signing date, and an unstated country.
func (p *Policy) Register(now time.Time) []*RegisterEntry {
	day := now.UTC().Truncate(24 * time.Hour)
	var out []*RegisterEntry
	for _, r := range p.recipients {
		e := &RegisterEntry{Recipient: r, OutsideEEA: r.Country != "" && !slices.Contains(eea, r.Country), Warnings: []string{}}
		switch {
		case r.Role == RoleProcessor && (r.DPA == nil || r.DPA.Status == DPAMissing):
			e.Warnings = append(e.Warnings, "No signed data processing agreement (GDPR Art. 28(3)).")
		case r.DPA != nil && r.DPA.Status == DPASigned:
			if r.DPA.SignedAt.IsZero() {
				e.Warnings = append(e.Warnings, "The agreement is marked signed but its signing date is not recorded.")
			}
			if exp := r.DPA.ExpiresAt; !exp.IsZero() {
				switch {
				case exp.Before(day):
					e.Warnings = append(e.Warnings, fmt.Sprintf("The data processing agreement expired on %s.", exp.Format(dateLayout)))
				case exp.Sub(day) <= DPAExpiryWarning:
					e.Warnings = append(e.Warnings, fmt.Sprintf("The data processing agreement expires on %s (in %d days).",
						exp.Format(dateLayout), int(exp.Sub(day).Hours()/24)))
				}
			}
		}
		if r.Role != RoleAuthority && r.Country == "" {
			e.Warnings = append(e.Warnings, "Country not stated, so transfers outside the EEA cannot be checked.")
		}
		out = append(out, e)
	}
	return out
}

// Record is the record of processing activities (GDPR Art. 30(1)),
// generated from the policy and the register of recipients, never edited
// by hand. Each field names the letter of Art. 30(1) it answers.
type Record struct {
	Language      string    `json:"language"`
	PolicyVersion string    `json:"policy_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	// Controller is (a): the controller and its privacy contact.
	Controller RecordController `json:"controller"`
	// Activities are (b)-(f), one per purpose.
	Activities []*Activity `json:"activities"`
	// Recipients are the register behind (d) and (e).
	Recipients []*RegisterEntry `json:"recipients"`
	// Security is (g): the technical and organisational measures.
	Security []string `json:"security_measures"`
}

// RecordController is Art. 30(1)(a).
type RecordController struct {
	Name           string `json:"name"`
	OrgNumber      string `json:"org_number,omitempty"`
	Address        string `json:"address"`
	Email          string `json:"email"`
	Phone          string `json:"phone,omitempty"`
	PrivacyContact string `json:"privacy_contact"`
	DPO            bool   `json:"dpo"`
}

// Activity is one processing activity: a purpose with what Art. 30(1)(b)
// to (f) ask about it.
type Activity struct {
	Purpose     string `json:"purpose"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// LegalBasis names the bases (Art. 6(1)) and Interest the legitimate
	// interest, if any.
	LegalBasis []string `json:"legal_basis"`
	Interest   string   `json:"interest,omitempty"`
	// DataSubjects and DataCategories are (c).
	DataSubjects   []string `json:"data_subjects"`
	DataCategories []string `json:"data_categories"`
	// Recipients is (d).
	Recipients []string `json:"recipients"`
	// Transfers is (e): recipients outside the EEA and their safeguards.
	Transfers []string `json:"transfers"`
	// Retention is (f): the time limits for erasure.
	Retention []string `json:"retention"`
}

// securityMeasures describes what Vern itself does (Art. 30(1)(g), Art.
// 32). It states only measures the software implements; the operator adds
// their own (hosting, backups, access to the server) outside Vern.
var securityMeasures = map[string][]string{
	"en": {
		"Personal fields and interaction texts are encrypted per person with the person's own data key (AES-256-GCM); data keys are wrapped by a master key kept outside the database (a file readable by the service only).",
		"Erasure is crypto-shredding: the person's data key and sealed fields are destroyed, so copies in backups become unreadable; SQLite overwrites freed pages (secure_delete).",
		"Emails are found through a keyed hash (blind index), never by their plain text.",
		"National identity numbers and similar identifiers are refused at every input and never stored.",
		"IP addresses are truncated (/24 for IPv4, /48 for IPv6) before they are stored.",
		"The consent ledger and the access trail are hash-chained per person, sealed by periodic checkpoints and verifiable (vern audit verify).",
		"Every read, change, export and erasure of personal data is recorded in the access trail (who, which fields, when), without the values.",
		"API access needs bearer tokens, stored only as hashes; public endpoints are rate-limited per client address.",
		"Logs, metrics and webhook payloads carry ids, never personal data; webhooks are signed (HMAC-SHA256).",
		"Retention rules are enforced by a daily sweep; statistics kept after deletion are aggregates with small cells suppressed.",
	},
	"nb": {
		"Personopplysninger og henvendelsestekster krypteres per person med personens egen datanøkkel (AES-256-GCM); datanøklene er kryptert med en hovednøkkel som oppbevares utenfor databasen (en fil bare tjenesten kan lese).",
		"Sletting skjer ved kryptosletting: personens datanøkkel og krypterte felt ødelegges, slik at kopier i sikkerhetskopier blir uleselige; SQLite overskriver frigjorte sider (secure_delete).",
		"E-postadresser slås opp gjennom en nøkkelbasert hash (blind indeks), aldri i klartekst.",
		"Fødselsnummer og lignende identifikatorer avvises ved all inndata og lagres aldri.",
		"IP-adresser avkortes (/24 for IPv4, /48 for IPv6) før de lagres.",
		"Samtykkeloggen og tilgangsloggen er hash-kjedet per person, forseglet med jevnlige kontrollpunkter og kan verifiseres (vern audit verify).",
		"All lesing, endring, eksport og sletting av personopplysninger registreres i tilgangsloggen (hvem, hvilke felt, når), uten verdiene.",
		"API-tilgang krever tilgangsnøkler som bare lagres som hash; offentlige endepunkter er begrenset per klientadresse.",
		"Logger, målinger og webhook-meldinger inneholder id-er, aldri personopplysninger; webhooks signeres (HMAC-SHA256).",
		"Lagringsreglene håndheves av en daglig gjennomgang; statistikk som beholdes etter sletting er aggregater der små celler skjules.",
	},
}

var subjectLabels = map[string]map[string]string{
	"en": {"customers": "Customers and their contact persons", "visitors": "Website visitors who consented",
		"subscribers": "People who consented (subscribers)", "contacts": "Contacts, prospective customers and company representatives",
		"after": "after", "hold": "legal hold"},
	"nb": {"customers": "Kunder og deres kontaktpersoner", "visitors": "Besøkende på nettsiden som har samtykket",
		"subscribers": "Personer som har samtykket (abonnenter)", "contacts": "Kontakter, potensielle kunder og representanter for bedrifter",
		"after": "etter", "hold": "lovpålagt oppbevaring"},
}

// Record generates the record of processing in lang (the default language
// when the policy has no such language) at now.
func (p *Policy) Record(lang string, now time.Time) *Record {
	if !p.hasLanguage(lang) {
		lang = p.DefaultLanguage
	}
	l := labelsFor[lang]
	if l == nil {
		l, lang = labelsFor["en"], "en"
	}
	sl := subjectLabels[lang]
	if sl == nil {
		sl = subjectLabels["en"]
	}
	c := p.Controller
	a := c.Address
	rec := &Record{Language: lang, PolicyVersion: p.Version, GeneratedAt: now.UTC(),
		Controller: RecordController{Name: c.Name, OrgNumber: c.OrgNumber, Email: c.Email, Phone: c.Phone,
			Address:        strings.Join([]string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City), a.Country}, ", "),
			PrivacyContact: strings.TrimSpace(c.PrivacyContact.Name.Get(lang) + " " + p.PrivacyEmail()), DPO: c.PrivacyContact.DPO},
		Recipients: p.Register(now), Security: securityMeasures[lang]}
	if rec.Security == nil {
		rec.Security = securityMeasures["en"]
	}
	for _, pu := range p.purposes {
		act := &Activity{Purpose: pu.Key, Title: pu.Title.Get(lang), Description: pu.Description.Get(lang), Interest: pu.Interest.Get(lang),
			LegalBasis: []string{}, DataSubjects: []string{}, DataCategories: []string{}, Recipients: []string{}, Transfers: []string{}, Retention: []string{}}
		for _, b := range pu.LegalBasis {
			act.LegalBasis = append(act.LegalBasis, l.Bases[b])
		}
		act.DataSubjects = dataSubjects(pu, sl)
		for _, k := range pu.Categories {
			if cat, ok := p.categoryByKey[k]; ok && cat.Personal {
				act.DataCategories = append(act.DataCategories, cat.Title.Get(lang))
			}
		}
		for _, r := range p.recipients {
			if !receives(r, pu) {
				continue
			}
			name := r.Name.Get(lang) + " (" + l.Roles[r.Role] + ")"
			act.Recipients = append(act.Recipients, name)
			if r.Country != "" && !slices.Contains(eea, r.Country) {
				act.Transfers = append(act.Transfers, r.Name.Get(lang)+": "+l.country(r.Country)+", "+l.Transfers[r.TransferBasis])
			}
		}
		seen := map[string]bool{}
		for _, k := range pu.Categories {
			for _, r := range p.RetentionRulesFor(pu.Key, k) {
				if seen[r.Key] {
					continue
				}
				seen[r.Key] = true
				text := r.Title.Get(lang) + ": " + l.Actions[r.Action] + " " + l.period(r.Period) + " " + l.Anchors[r.Anchor]
				if h := r.LegalHold; h != nil {
					text += "; " + sl["hold"] + " " + l.period(h.Period) + " " + l.Anchors[h.Anchor] + " (" + h.Law + ")"
				}
				act.Retention = append(act.Retention, strings.Join(strings.Fields(text), " "))
			}
		}
		rec.Activities = append(rec.Activities, act)
	}
	return rec
}

// receives reports whether r receives data of purpose pu: it names the
// purpose, or names none and shares one of the purpose's categories.
func receives(r *Recipient, pu *Purpose) bool {
	if len(r.Purposes) > 0 {
		return slices.Contains(r.Purposes, pu.Key)
	}
	return slices.ContainsFunc(r.Categories, func(c string) bool { return slices.Contains(pu.Categories, c) })
}

// dataSubjects names whom a purpose processes data about, from its basis,
// audience and cookie category: the policy file has no separate field.
func dataSubjects(pu *Purpose, sl map[string]string) []string {
	var out []string
	switch {
	case pu.CookieCategory != "":
		out = append(out, sl["visitors"])
	case pu.HasBasis(BasisConsent):
		out = append(out, sl["subscribers"])
	}
	if pu.Audience == AudienceCustomers || pu.HasBasis(BasisContract) {
		out = append(out, sl["customers"])
	}
	if pu.HasBasis(BasisLegitimateInterest) && pu.Audience != AudienceCustomers {
		out = append(out, sl["contacts"])
	}
	return out
}
