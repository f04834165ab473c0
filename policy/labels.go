package policy

import (
	"fmt"
	"strings"
	"time"
)

// labels are the words the notice needs beyond the policy's own prose:
// headings of generated tables, names of legal bases and retention events,
// month names. They live in code because they are part of the rendering,
// not of any one company's policy.
type labels struct {
	Contents, ControllerLine, ControllerLineOrg string
	LegalBasis, Interest                        string
	Category, Covers, UsedFor                   string
	Consent, AlwaysOn, NeedsConsent, Tools      string
	Role, Data, Purposes, Country, Transfer     string
	ScopeCovers, Changed, Version               string
	OrgNumber, VAT, Email, Phone, Website       string
	And                                         string

	Months    [12]string
	DayFirst  string // date layout with %d day, %s month, %d year
	Bases     map[LegalBasis]string
	Roles     map[Role]string
	Anchors   map[Anchor]string
	Actions   map[Action]string
	Transfers map[TransferBasis]string
	Countries map[string]string
	// Units are the singular and plural of years, months, weeks, days,
	// hours, minutes and seconds.
	Units [7][2]string
}

var labelsFor = map[string]*labels{
	"nb": {
		Contents:          "Innhold",
		ControllerLine:    "Behandlingsansvarlig for personopplysningene er %s.",
		ControllerLineOrg: "Behandlingsansvarlig for personopplysningene er %s (org.nr. %s).",
		LegalBasis:        "Rettslig grunnlag",
		Interest:          "Vår legitime interesse",
		Category:          "Kategori",
		Covers:            "Hva den omfatter",
		UsedFor:           "Brukes til",
		Consent:           "Samtykke",
		AlwaysOn:          "Alltid aktiv",
		NeedsConsent:      "Krever samtykke",
		Tools:             "Verktøy",
		Role:              "Rolle",
		Data:              "Opplysninger",
		Purposes:          "Formål",
		Country:           "Land",
		Transfer:          "Overføringsgrunnlag",
		ScopeCovers:       "En innsigelse mot %s gjelder disse formålene:",
		Changed:           "Dette er endret i denne versjonen:",
		Version:           "Versjon",
		OrgNumber:         "Org.nr:",
		VAT:               "MVA",
		Email:             "E-post",
		Phone:             "Telefon",
		Website:           "Nettside",
		And:               "og",
		Months:            [12]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		DayFirst:          "%d. %s %d",
		Bases: map[LegalBasis]string{
			BasisConsent:            "samtykke",
			BasisContract:           "avtale",
			BasisLegitimateInterest: "legitim interesse",
			BasisLegalObligation:    "rettslig forpliktelse",
		},
		Roles: map[Role]string{
			RoleProcessor: "Databehandler (handler på våre vegne)",
			RolePartner:   "Samarbeidspartner",
			RoleAuthority: "Offentlig myndighet",
		},
		Anchors: map[Anchor]string{
			AnchorCollected:        "etter at opplysningene ble samlet inn",
			AnchorLastInteraction:  "etter siste kontakt",
			AnchorContractEnd:      "etter at avtalen er avsluttet",
			AnchorConsentWithdrawn: "etter at samtykket er trukket tilbake",
			AnchorFinancialYearEnd: "etter utgangen av regnskapsåret",
			AnchorRequestClosed:    "etter at henvendelsen er avsluttet",
		},
		Actions: map[Action]string{
			ActionDelete:     "Slettes",
			ActionAnonymise:  "Anonymiseres",
			ActionRestrict:   "Sperres for videre bruk",
			ActionTruncateIP: "Forkortes",
		},
		Transfers: map[TransferBasis]string{
			TransferAdequacy:   "beslutning om tilstrekkelig beskyttelsesnivå (personvernforordningen artikkel 45)",
			TransferSCC:        "EUs standard personvernbestemmelser (personvernforordningen artikkel 46)",
			TransferBCR:        "bindende virksomhetsregler (personvernforordningen artikkel 47)",
			TransferDerogation: "unntak for særlige situasjoner (personvernforordningen artikkel 49)",
		},
		Countries: map[string]string{"NO": "Norge", "SE": "Sverige", "DK": "Danmark", "FI": "Finland", "IS": "Island",
			"IE": "Irland", "DE": "Tyskland", "NL": "Nederland", "FR": "Frankrike", "US": "USA", "GB": "Storbritannia"},
		Units: [7][2]string{{"år", "år"}, {"måned", "måneder"}, {"uke", "uker"}, {"dag", "dager"}, {"time", "timer"}, {"minutt", "minutter"}, {"sekund", "sekunder"}},
	},
	"en": {
		Contents:          "Contents",
		ControllerLine:    "The controller responsible for your personal data is %s.",
		ControllerLineOrg: "The controller responsible for your personal data is %s (org. no. %s).",
		LegalBasis:        "Legal basis",
		Interest:          "Our legitimate interest",
		Category:          "Category",
		Covers:            "What it covers",
		UsedFor:           "Used for",
		Consent:           "Consent",
		AlwaysOn:          "Always active",
		NeedsConsent:      "Requires consent",
		Tools:             "Tools",
		Role:              "Role",
		Data:              "Data",
		Purposes:          "Purposes",
		Country:           "Country",
		Transfer:          "Transfer safeguard",
		ScopeCovers:       "An objection to %s covers these purposes:",
		Changed:           "What changed in this version:",
		Version:           "Version",
		OrgNumber:         "Org. no.:",
		VAT:               "VAT",
		Email:             "Email",
		Phone:             "Phone",
		Website:           "Website",
		And:               "and",
		Months:            [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		DayFirst:          "%d %s %d",
		Bases: map[LegalBasis]string{
			BasisConsent:            "consent",
			BasisContract:           "contract",
			BasisLegitimateInterest: "legitimate interest",
			BasisLegalObligation:    "legal obligation",
		},
		Roles: map[Role]string{
			RoleProcessor: "Processor (acts on our behalf)",
			RolePartner:   "Partner",
			RoleAuthority: "Public authority",
		},
		Anchors: map[Anchor]string{
			AnchorCollected:        "after collection",
			AnchorLastInteraction:  "after the last interaction",
			AnchorContractEnd:      "after the contract ends",
			AnchorConsentWithdrawn: "after consent is withdrawn",
			AnchorFinancialYearEnd: "after the end of the financial year",
			AnchorRequestClosed:    "after the request is closed",
		},
		Actions: map[Action]string{
			ActionDelete:     "Deleted",
			ActionAnonymise:  "Anonymised",
			ActionRestrict:   "Restricted from further use",
			ActionTruncateIP: "Truncated",
		},
		Transfers: map[TransferBasis]string{
			TransferAdequacy:   "adequacy decision (GDPR Article 45)",
			TransferSCC:        "EU standard contractual clauses (GDPR Article 46)",
			TransferBCR:        "binding corporate rules (GDPR Article 47)",
			TransferDerogation: "derogation for specific situations (GDPR Article 49)",
		},
		Countries: map[string]string{"NO": "Norway", "SE": "Sweden", "DK": "Denmark", "FI": "Finland", "IS": "Iceland",
			"IE": "Ireland", "DE": "Germany", "NL": "the Netherlands", "FR": "France", "US": "the United States", "GB": "the United Kingdom"},
		Units: [7][2]string{{"year", "years"}, {"month", "months"}, {"week", "weeks"}, {"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"}},
	},
}

// date formats a date as "27. juni 2023" or "27 June 2023".
func (l *labels) date(t time.Time) string {
	return fmt.Sprintf(l.DayFirst, t.Day(), l.Months[t.Month()-1], t.Year())
}

// period spells out a period: "24 måneder", "3 years and 6 months".
func (l *labels) period(p Period) string {
	var parts []string
	for i, n := range []int{p.Years, p.Months, p.Weeks, p.Days, p.Hours, p.Minutes, p.Seconds} {
		if n == 0 {
			continue
		}
		unit := l.Units[i][1]
		if n == 1 {
			unit = l.Units[i][0]
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, unit))
	}
	if len(parts) == 0 {
		parts = []string{"0 " + l.Units[3][1]}
	}
	return l.join(parts)
}

// join lists items as "a, b og c" or "a, b and c".
func (l *labels) join(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + l.And + " " + items[len(items)-1]
}

// country names a country, falling back to its code for countries the
// table does not list.
func (l *labels) country(code string) string {
	if name, ok := l.Countries[code]; ok {
		return name
	}
	return code
}
