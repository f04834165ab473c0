package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

// labels are the words a report needs beyond the package's own texts,
// which are already in the package's language. HTML, PDF and the no-data
// line of the CSV share them, so the formats cannot say different things.
type labels struct {
	Lang string

	Title, PortabilityTitle     string
	Intro, PortabilityIntro     string
	Generated, RequestRef, Page string
	Contents, None, Yes, No     string
	AllPurposes, InForce        string

	// Who we are.
	Controller, Name, OrgNumber, Address, Email, Website string
	PrivacyEmail, RequestsEmail                          string

	// Whether we process data about you.
	Processing, ProcessingYes, ProcessingNo string

	// Your data.
	YourData, Profile, ID, FirstName, LastName, Phone, Language string
	Source, Created, Updated, Organization, Country             string
	Interactions, Date, Channel, Kind, Text                     string
	Consents, ConsentsIntro, StateTitle, Purpose, Allowed       string
	Basis, Reason, History, Event, PolicyVersion, Evidence      string
	RecordedBy, PageURL, UserAgent, IPPrefix, NoticeHash, Hash  string
	Redacted                                                    string
	Contracts, Reference, Started, Ended                        string
	Documents, DocumentsIntro, DatedOn, HoldUntil               string
	Requests, Status, Received, Due, Closed                     string
	Disclosures, Recipient, Data                                string
	Description, Period                                         string

	// The Art. 15 information.
	About, AboutIntro, Purposes, LegalBasis, Categories string
	Recipients, Role, TransferBasis                     string
	Retention, Rights, Complaint, ComplaintIntro        string
	Sources, Automated                                  string

	// Terms name the values of Vern's enumerations: channels, interaction
	// and event kinds, request kinds and statuses, document kinds, legal
	// bases and decision reasons. A value not listed is shown as it is.
	Terms map[string]string
}

// term names an enumeration value, or returns it unchanged when the
// labels do not know it (it may already be text in the right language).
func (l *labels) term(key string) string {
	if s, ok := l.Terms[key]; ok {
		return s
	}
	return key
}

// yesNo spells out a boolean.
func (l *labels) yesNo(b bool) string {
	if b {
		return l.Yes
	}
	return l.No
}

// title is the report's title: an access or a portability package.
func (l *labels) title(p *vern.AccessPackage) string {
	if p.Portability {
		return l.PortabilityTitle
	}
	return l.Title
}

// intro is the sentence under the title.
func (l *labels) intro(p *vern.AccessPackage) string {
	if p.Portability {
		return l.PortabilityIntro
	}
	return l.Intro
}

// page is the footer's page number; total may be fpdf's alias.
func (l *labels) page(n int, total string) string { return fmt.Sprintf(l.Page, n, total) }

// timestamp formats an instant in UTC, so that it reads the same wherever
// the report is opened: "2025-03-14 09:30 UTC".
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// timestampPtr is timestamp for an optional instant.
func timestampPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timestamp(*t)
}

// labelsFor returns the labels of lang: Norwegian bokmål for "nb", English
// for anything else.
func labelsFor(lang string) *labels {
	if lang == "nb" {
		return &labelsNB
	}
	return &labelsEN
}

// join lists non-empty items with a middle dot, for one-line summaries.
func join(items ...string) string {
	out := items[:0:0]
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " · ")
}

var labelsNB = labels{
	Lang:             "nb",
	Title:            "Innsyn i dine personopplysninger",
	PortabilityTitle: "Utlevering av dine personopplysninger (dataportabilitet)",
	Intro:            "Dette er svaret på innsynsbegjæringen din etter personvernforordningen artikkel 15.",
	PortabilityIntro: "Dette er opplysningene du selv har gitt oss, og som vi behandler på grunnlag av samtykke eller avtale (personvernforordningen artikkel 20).",
	Generated:        "Laget",
	RequestRef:       "Referanse for begjæringen",
	Page:             "Side %d av %s",
	Contents:         "Innhold",
	None:             "Ingenting registrert.",
	Yes:              "Ja",
	No:               "Nei",
	AllPurposes:      "Alle formål",
	InForce:          "Gjelder fortsatt",

	Controller:    "Hvem vi er",
	Name:          "Navn",
	OrgNumber:     "Organisasjonsnummer",
	Address:       "Adresse",
	Email:         "E-post",
	Website:       "Nettsted",
	PrivacyEmail:  "E-post for personvern",
	RequestsEmail: "E-post for henvendelser om personvern",

	Processing:    "Behandler vi personopplysninger om deg?",
	ProcessingYes: "Ja. Vi behandler personopplysninger om deg. Nedenfor finner du en kopi av opplysningene og informasjonen du har krav på etter artikkel 15.",
	ProcessingNo:  "Nei. Vi har ingen personopplysninger om deg knyttet til opplysningene du oppga i begjæringen. Nedenfor finner du likevel informasjonen du har krav på etter artikkel 15 om hvordan vi behandler personopplysninger.",

	YourData:      "Dine opplysninger",
	Profile:       "Profil",
	ID:            "Referanse",
	FirstName:     "Fornavn",
	LastName:      "Etternavn",
	Phone:         "Telefon",
	Language:      "Språk",
	Source:        "Kilde",
	Created:       "Registrert",
	Updated:       "Sist endret",
	Organization:  "Organisasjon",
	Country:       "Land",
	Interactions:  "Kontakthistorikk",
	Date:          "Tidspunkt",
	Channel:       "Kanal",
	Kind:          "Type",
	Text:          "Tekst",
	Consents:      "Samtykker og innsigelser",
	ConsentsIntro: "Hver hendelse er lagret med dokumentasjon på hva du valgte, når, hvor og hvilken tekst du så. Hendelsene er lenket sammen med kontrollsummer, slik at endringer i ettertid ville blitt oppdaget.",
	StateTitle:    "Status per formål nå",
	Purpose:       "Formål",
	Allowed:       "Tillatt",
	Basis:         "Behandlingsgrunnlag",
	Reason:        "Begrunnelse",
	History:       "Historikk med dokumentasjon",
	Event:         "Hendelse",
	PolicyVersion: "Versjon av personvernerklæringen",
	Evidence:      "Dokumentasjon",
	RecordedBy:    "Registrert av",
	PageURL:       "Nettside",
	UserAgent:     "Nettleser",
	IPPrefix:      "Nettverk (forkortet IP-adresse)",
	NoticeHash:    "Fingeravtrykk av teksten du så (SHA-256)",
	Hash:          "Kontrollsum",
	Redacted:      "Dokumentasjonen er fjernet etter sletting.",

	Contracts: "Avtaler",
	Reference: "Referanse",
	Started:   "Startet",
	Ended:     "Avsluttet",

	Documents:      "Regnskapsdokumenter vi må oppbevare",
	DocumentsIntro: "Bokføringsloven pålegger oss å oppbevare disse dokumentene, og personopplysningene i dem, fram til datoen som er oppgitt, også om du ber oss slette opplysningene dine (personvernforordningen artikkel 17 nr. 3 bokstav b).",
	DatedOn:        "Datert",
	HoldUntil:      "Oppbevares til og med",

	Requests: "Dine forespørsler",
	Status:   "Status",
	Received: "Mottatt",
	Due:      "Frist",
	Closed:   "Avsluttet",

	Disclosures: "Hvem opplysningene dine er utlevert til",
	Recipient:   "Mottaker",
	Data:        "Opplysninger",
	Description: "Beskrivelse",
	Period:      "Lagringstid",

	About:          "Om behandlingen (personvernforordningen artikkel 15)",
	AboutIntro:     "Denne informasjonen er hentet fra personvernerklæringen vår og protokollen over behandlingsaktiviteter.",
	Purposes:       "Formål og behandlingsgrunnlag",
	LegalBasis:     "Behandlingsgrunnlag",
	Categories:     "Kategorier av personopplysninger",
	Recipients:     "Mottakere",
	Role:           "Rolle",
	TransferBasis:  "Grunnlag for overføring",
	Retention:      "Hvor lenge vi lagrer opplysningene",
	Rights:         "Dine rettigheter",
	Complaint:      "Rett til å klage",
	ComplaintIntro: "Du kan klage til tilsynsmyndigheten hvis du mener at vi behandler personopplysningene dine i strid med regelverket.",
	Sources:        "Hvor opplysningene kommer fra",
	Automated:      "Automatiserte avgjørelser og profilering",

	Terms: map[string]string{
		vern.ChannelWebForm: "Nettskjema",
		vern.ChannelEmail:   "E-post",
		vern.ChannelPhone:   "Telefon",
		vern.ChannelChat:    "Chat",
		vern.ChannelSocial:  "Sosiale medier",
		vern.ChannelMeeting: "Møte",
		vern.ChannelImport:  "Import",
		vern.ChannelAPI:     "API",

		vern.KindFeedback: "Tilbakemelding",
		vern.KindComment:  "Kommentar",
		vern.KindQuestion: "Spørsmål",
		vern.KindNote:     "Notat",

		vern.EventConsentGranted:    "Samtykke gitt",
		vern.EventConsentWithdrawn:  "Samtykke trukket tilbake",
		vern.EventObjection:         "Innsigelse",
		vern.EventRestrictionPlaced: "Behandlingen begrenset",
		vern.EventRestrictionLifted: "Begrensningen opphevet",
		vern.ScopeDirectMarketing:   "All direkte markedsføring",

		vern.RequestAccess:        "Innsyn",
		vern.RequestRectification: "Retting",
		vern.RequestErasure:       "Sletting",
		vern.RequestRestriction:   "Begrensning av behandlingen",
		vern.RequestPortability:   "Dataportabilitet",
		vern.RequestWithdrawal:    "Tilbaketrekking av samtykke",
		vern.RequestComplaint:     "Klage",

		vern.StatusReceived:   "Mottatt",
		vern.StatusVerified:   "Bekreftet",
		vern.StatusInProgress: "Under behandling",
		vern.StatusWaiting:    "Venter på svar",
		vern.StatusCompleted:  "Fullført",
		vern.StatusRejected:   "Avvist",

		vern.DocumentPrimary:   "Primærdokumentasjon (for eksempel faktura)",
		vern.DocumentSecondary: "Sekundærdokumentasjon (for eksempel avtale eller ordrebekreftelse)",

		// Legal bases and decision reasons (consent.Decide). The reason
		// consent_withdrawn and the request kind objection are named
		// with the event kinds above.
		"consent":             "Samtykke",
		"contract":            "Avtale",
		"legitimate_interest": "Legitim interesse",
		"legal_obligation":    "Rettslig forpliktelse",
		"unknown_person":      "Ukjent person",
		"restricted":          "Behandlingen er begrenset",
		"objected":            "Du har protestert mot behandlingen",
		"consent_given":       "Du har gitt samtykke",
		"no_consent":          "Du har ikke gitt samtykke",
		"no_contract":         "Ingen avtale gjelder",
		"not_customer":        "Du er ikke kunde",
	},
}

var labelsEN = labels{
	Lang:             "en",
	Title:            "Access to your personal data",
	PortabilityTitle: "Your personal data for data portability",
	Intro:            "This is the answer to your access request under Article 15 of the General Data Protection Regulation (GDPR).",
	PortabilityIntro: "This is the data you provided to us that we process on the basis of your consent or a contract (GDPR Article 20).",
	Generated:        "Generated",
	RequestRef:       "Request reference",
	Page:             "Page %d of %s",
	Contents:         "Contents",
	None:             "Nothing recorded.",
	Yes:              "Yes",
	No:               "No",
	AllPurposes:      "All purposes",
	InForce:          "In force",

	Controller:    "Who we are",
	Name:          "Name",
	OrgNumber:     "Organisation number",
	Address:       "Address",
	Email:         "Email",
	Website:       "Website",
	PrivacyEmail:  "Privacy email",
	RequestsEmail: "Email for privacy requests",

	Processing:    "Do we process personal data about you?",
	ProcessingYes: "Yes. We process personal data about you. Below you will find a copy of it and the information you are entitled to under Article 15.",
	ProcessingNo:  "No. We hold no personal data about you linked to the details you gave in your request. Below you will still find the information Article 15 entitles you to about how we process personal data.",

	YourData:      "Your data",
	Profile:       "Profile",
	ID:            "Reference",
	FirstName:     "First name",
	LastName:      "Last name",
	Phone:         "Phone",
	Language:      "Language",
	Source:        "Source",
	Created:       "Recorded",
	Updated:       "Last changed",
	Organization:  "Organisation",
	Country:       "Country",
	Interactions:  "Interactions with us",
	Date:          "Time",
	Channel:       "Channel",
	Kind:          "Kind",
	Text:          "Text",
	Consents:      "Consents and objections",
	ConsentsIntro: "Each event is stored with evidence of what you chose, when, where and which text you saw. The events are linked by checksums, so that any later change would be detected.",
	StateTitle:    "Current state per purpose",
	Purpose:       "Purpose",
	Allowed:       "Allowed",
	Basis:         "Legal basis",
	Reason:        "Reason",
	History:       "History with evidence",
	Event:         "Event",
	PolicyVersion: "Privacy notice version",
	Evidence:      "Evidence",
	RecordedBy:    "Recorded by",
	PageURL:       "Web page",
	UserAgent:     "Browser",
	IPPrefix:      "Network (shortened IP address)",
	NoticeHash:    "Fingerprint of the text you saw (SHA-256)",
	Hash:          "Checksum",
	Redacted:      "The evidence was removed on erasure.",

	Contracts: "Contracts",
	Reference: "Reference",
	Started:   "Started",
	Ended:     "Ended",

	Documents:      "Accounting documents we must keep",
	DocumentsIntro: "The Norwegian Bookkeeping Act requires us to keep these documents, and the personal data in them, until the date shown, even if you ask us to erase your data (GDPR Article 17(3)(b)).",
	DatedOn:        "Dated",
	HoldUntil:      "Kept until",

	Requests: "Your requests",
	Status:   "Status",
	Received: "Received",
	Due:      "Due",
	Closed:   "Closed",

	Disclosures: "Who your data was disclosed to",
	Recipient:   "Recipient",
	Data:        "Data",
	Description: "Description",
	Period:      "Retention period",

	About:          "About our processing (GDPR Article 15)",
	AboutIntro:     "This information comes from our privacy notice and our record of processing activities.",
	Purposes:       "Purposes and legal bases",
	LegalBasis:     "Legal basis",
	Categories:     "Categories of personal data",
	Recipients:     "Recipients",
	Role:           "Role",
	TransferBasis:  "Transfer safeguard",
	Retention:      "How long we keep the data",
	Rights:         "Your rights",
	Complaint:      "Right to complain",
	ComplaintIntro: "You can complain to the supervisory authority if you believe we process your personal data unlawfully.",
	Sources:        "Where the data comes from",
	Automated:      "Automated decision-making and profiling",

	Terms: map[string]string{
		vern.ChannelWebForm: "Web form",
		vern.ChannelEmail:   "Email",
		vern.ChannelPhone:   "Phone",
		vern.ChannelChat:    "Chat",
		vern.ChannelSocial:  "Social media",
		vern.ChannelMeeting: "Meeting",
		vern.ChannelImport:  "Import",
		vern.ChannelAPI:     "API",

		vern.KindFeedback: "Feedback",
		vern.KindComment:  "Comment",
		vern.KindQuestion: "Question",
		vern.KindNote:     "Note",

		vern.EventConsentGranted:    "Consent given",
		vern.EventConsentWithdrawn:  "Consent withdrawn",
		vern.EventObjection:         "Objection",
		vern.EventRestrictionPlaced: "Processing restricted",
		vern.EventRestrictionLifted: "Restriction lifted",
		vern.ScopeDirectMarketing:   "All direct marketing",

		vern.RequestAccess:        "Access",
		vern.RequestRectification: "Rectification",
		vern.RequestErasure:       "Erasure",
		vern.RequestRestriction:   "Restriction of processing",
		vern.RequestPortability:   "Data portability",
		vern.RequestWithdrawal:    "Withdrawal of consent",
		vern.RequestComplaint:     "Complaint",

		vern.StatusReceived:   "Received",
		vern.StatusVerified:   "Verified",
		vern.StatusInProgress: "In progress",
		vern.StatusWaiting:    "Waiting for a reply",
		vern.StatusCompleted:  "Completed",
		vern.StatusRejected:   "Rejected",

		vern.DocumentPrimary:   "Primary documentation (such as an invoice)",
		vern.DocumentSecondary: "Secondary documentation (such as an agreement or order confirmation)",

		"consent":             "Consent",
		"contract":            "Contract",
		"legitimate_interest": "Legitimate interest",
		"legal_obligation":    "Legal obligation",
		"unknown_person":      "Unknown person",
		"restricted":          "Processing is restricted",
		"objected":            "You objected to the processing",
		"consent_given":       "You gave consent",
		"no_consent":          "You have not given consent",
		"no_contract":         "No contract is in force",
		"not_customer":        "You are not a customer",
	},
}
