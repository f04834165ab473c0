// Package policy reads, validates and renders Vern's privacy policy file.
//
// The policy file is the single source of truth for what a company promises
// its contacts: the purposes it processes data for and on which legal basis,
// the data categories, who receives data, how long data is kept and which
// cookie categories exist. The rest of Vern enforces these promises, and
// Render turns the same file into the public privacy notice, so the notice
// and the behaviour cannot drift apart. FORMAT.md documents every field.
//
// The package is a pure library: it imports only the standard library and
// gopkg.in/yaml.v3, and a parsed *Policy is immutable and safe for concurrent
// use.
package policy

import (
	"time"
)

// supportedLanguages lists the notice languages this package can render. A policy
// may declare only these, because Render needs its own labels (legal basis
// names, month names, table headings) in every declared language.
var supportedLanguages = []string{"nb", "en"}

// Text is a piece of prose in several languages, keyed by language code
// ("nb", "en"). Parse guarantees that every declared language is present.
type Text map[string]string

// Get returns the text in lang, or "" when the text has no such language.
func (t Text) Get(lang string) string { return t[lang] }

// Policy is a parsed and validated policy file. Collections are reached
// through methods so that callers cannot reorder or replace them; the
// returned elements are shared and must not be modified.
type Policy struct {
	// Version is the label of this policy version, e.g. "2023-06-27".
	Version string
	// PublishedAt is the date the version was published (UTC midnight).
	PublishedAt time.Time
	// Languages lists the languages every text is written in.
	Languages []string
	// DefaultLanguage is the language used when a caller names none.
	DefaultLanguage string
	// Change describes what changed from the previous version, or is nil.
	Change *Change
	// Controller is the company responsible for the processing (S15).
	Controller Controller
	// Authority is the data protection authority people may complain to (S14).
	Authority Authority
	// Rights lists the data-subject rights and their contact (S12).
	Rights Rights
	// Notice holds the remaining prose of the public notice.
	Notice Notice

	sources        []*Source
	categories     []*DataCategory
	neverCollected []*NeverCollected
	purposes       []*Purpose
	scopes         []*ObjectionScope
	recipients     []*Recipient
	retention      []*RetentionRule
	cookies        []*CookieCategory

	purposeByKey   map[string]*Purpose
	categoryByKey  map[string]*DataCategory
	categoryField  map[string]*DataCategory
	scopeByKey     map[string]*ObjectionScope
	recipientByKey map[string]*Recipient
	cookieByKey    map[string]*CookieCategory

	warnings []Problem
	src      []byte
	hash     string
}

// Change describes how this version differs from the previous one (S13).
type Change struct {
	// Significant changes must be announced by email or on the website.
	Significant bool `json:"significant"`
	// Summary says in a few sentences what changed.
	Summary Text `json:"summary,omitempty"`
}

// Address is a postal address.
type Address struct {
	// Street is the street address or post box.
	Street string `json:"street"`
	// PostalCode is the postal code, kept as text to keep leading zeros.
	PostalCode string `json:"postal_code"`
	// City is the postal town.
	City string `json:"city"`
	// Country is an ISO 3166-1 alpha-2 code.
	Country string `json:"country"`
}

// Controller identifies the data controller (GDPR Art. 13(1)(a)).
type Controller struct {
	// Name is the legal name, e.g. "Mementor AS".
	Name string `json:"name"`
	// OrgNumber is the organisation number as digits, e.g. "915213049".
	OrgNumber string `json:"org_number,omitempty"`
	// VATRegistered prints "MVA"/"VAT" after the organisation number.
	VATRegistered bool `json:"vat_registered,omitempty"`
	// Address is the postal address.
	Address Address `json:"address"`
	// Email is the general contact address; Parse requires it.
	Email string `json:"email"`
	// Phone is the phone number, or "".
	Phone string `json:"phone,omitempty"`
	// Website is the company's website, or "".
	Website string `json:"website,omitempty"`
	// PrivacyContact is who handles privacy questions; its email falls back
	// to Email when empty.
	PrivacyContact PrivacyContact `json:"privacy_contact"`
}

// PrivacyContact is the person or mailbox for privacy questions (and the
// data protection officer, when one is appointed).
type PrivacyContact struct {
	// Name is the contact's name, or nil for a shared mailbox.
	Name Text `json:"name,omitempty"`
	// Email is the contact's address, or "" to use the controller's.
	Email string `json:"email,omitempty"`
	// DPO marks the contact as an appointed data protection officer (Art. 37).
	DPO bool `json:"dpo,omitempty"`
}

// Authority is the supervisory authority for complaints (Art. 77).
type Authority struct {
	// Name is the authority's name, e.g. "Datatilsynet".
	Name Text `json:"name"`
	// Website is the authority's website.
	Website string `json:"website"`
	// Address is the authority's postal address.
	Address Address `json:"address"`
}

// Source is a way personal data reaches the company (S2, Art. 15(1)(g)).
type Source struct {
	// Key identifies the source.
	Key string `json:"key"`
	// Channels are the registry's source channels this source covers.
	Channels []string `json:"channels,omitempty"`
	// Text describes the source as one bullet of the notice.
	Text Text `json:"text"`
}

// DataCategory is a category of data and the fields that belong to it (S4).
type DataCategory struct {
	// Key identifies the category in purposes, recipients and rules.
	Key string `json:"key"`
	// Title names the category.
	Title Text `json:"title"`
	// Description says what the category covers.
	Description Text `json:"description"`
	// Personal is false for data that cannot identify anyone, such as
	// aggregated statistics; such data needs no retention rule.
	Personal bool `json:"personal"`
	// Fields are the registry's field names in this category; a field
	// belongs to exactly one category.
	Fields []string `json:"fields"`
}

// NeverCollected is a kind of data the company promises never to store (S5).
type NeverCollected struct {
	// Key identifies the entry.
	Key string `json:"key"`
	// Kind says why the data is never collected.
	Kind NeverKind `json:"kind"`
	// Title names the data in the notice.
	Title Text `json:"title"`
	// Description explains the data, or is nil.
	Description Text `json:"description,omitempty"`
	// Identifiers name the identifier detectors the input guard must run,
	// e.g. "no_fodselsnummer".
	Identifiers []string `json:"identifiers,omitempty"`
}

// Purpose is a declared reason for processing personal data (S3).
type Purpose struct {
	// Key identifies the purpose in the API, e.g. "newsletter".
	Key string `json:"key"`
	// Title names the purpose.
	Title Text `json:"title"`
	// Description explains the purpose to the data subject.
	Description Text `json:"description"`
	// LegalBasis lists the bases the purpose relies on, at least one.
	LegalBasis []LegalBasis `json:"legal_basis"`
	// Interest states the legitimate interest pursued (Art. 13(1)(d)); it is
	// set exactly when LegalBasis includes BasisLegitimateInterest.
	Interest Text `json:"interest,omitempty"`
	// DirectMarketing marks purposes an objection to direct marketing stops
	// without any balancing (Art. 21(3)).
	DirectMarketing bool `json:"direct_marketing"`
	// Categories are the keys of the data categories the purpose uses.
	Categories []string `json:"categories"`
	// CookieCategory names the cookie category that gates this purpose.
	CookieCategory string `json:"cookie_category,omitempty"`
	// Audience narrows who the purpose may use: "customers" means only
	// people with a contract relation, now or before (markedsføringsloven
	// § 15 lets a company email its own customers about similar products).
	Audience string `json:"audience,omitempty"`
	// OptOut lists the ways a person can stop the purpose; Vern must offer
	// each of them.
	OptOut []OptOut `json:"opt_out,omitempty"`
}

// HasBasis reports whether the purpose relies on b.
func (p *Purpose) HasBasis(b LegalBasis) bool {
	for _, x := range p.LegalBasis {
		if x == b {
			return true
		}
	}
	return false
}

// HasOptOut reports whether the purpose offers the opt-out way o.
func (p *Purpose) HasOptOut(o OptOut) bool {
	for _, x := range p.OptOut {
		if x == o {
			return true
		}
	}
	return false
}

// ObjectionScope is a named group of purposes one objection covers, such as
// "direct_marketing".
type ObjectionScope struct {
	// Key identifies the scope in the objection API.
	Key string `json:"key"`
	// Title names the scope in the notice.
	Title Text `json:"title"`
	// Purposes are the keys of the purposes an objection stops.
	Purposes []string `json:"purposes"`
}

// Recipient is a recipient or category of recipients of personal data (S7).
type Recipient struct {
	// Key identifies the recipient in the disclosure log.
	Key string `json:"key"`
	// Name names the recipient.
	Name Text `json:"name"`
	// Role says what the recipient does with the data.
	Role Role `json:"role"`
	// Description explains the sharing in the notice, or is nil.
	Description Text `json:"description,omitempty"`
	// Services are short keys of what the recipient does for the company.
	Services []string `json:"services,omitempty"`
	// Categories are the keys of the data categories shared.
	Categories []string `json:"categories"`
	// Purposes are the keys of the purposes the data is shared for.
	Purposes []string `json:"purposes,omitempty"`
	// Country is where the recipient processes the data (ISO 3166-1
	// alpha-2), or "" when the policy does not know yet.
	Country string `json:"country,omitempty"`
	// TransferBasis is the safeguard for a country outside the EEA.
	TransferBasis TransferBasis `json:"transfer_basis,omitempty"`
	// DPA is the data processing agreement, or nil when none applies.
	DPA *DPA `json:"dpa,omitempty"`
}

// DPA is the data processing agreement with a recipient (Art. 28(3)).
type DPA struct {
	// Status says whether an agreement is signed.
	Status DPAStatus `json:"status"`
	// SignedAt is the signing date of a signed agreement.
	SignedAt time.Time `json:"signed_at,omitzero"`
	// ExpiresAt is the end date of a signed agreement, or zero.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// RetentionRule says how long data of some purposes and categories is kept
// and what happens afterwards (S6). A record is kept while at least one rule
// covering it keeps it, and never deleted while a legal hold covers it.
type RetentionRule struct {
	// Key identifies the rule in sweep reports.
	Key string `json:"key"`
	// Title says what data the rule is about.
	Title Text `json:"title"`
	// Purposes limits the rule to these purposes; empty means all.
	Purposes []string `json:"purposes,omitempty"`
	// Categories limits the rule to these categories; empty means every
	// category the rule's purposes use.
	Categories []string `json:"categories,omitempty"`
	// Period is how long the data is kept after Anchor.
	Period Period `json:"period"`
	// Anchor is the event Period counts from.
	Anchor Anchor `json:"anchor"`
	// Action is what happens when Period has passed.
	Action Action `json:"action"`
	// LegalHold is a statutory duty to keep the data, or nil.
	LegalHold *LegalHold `json:"legal_hold,omitempty"`
	// Note is printed after the rule in the notice, or is nil.
	Note Text `json:"note,omitempty"`
}

// LegalHold is a statutory duty to keep data, which overrides erasure
// requests (Art. 17(3)(b)).
type LegalHold struct {
	// Name names the duty, e.g. "Retention duty for primary documentation".
	Name Text `json:"name"`
	// Law is the statute reference, e.g. "bokføringsloven § 13".
	Law string `json:"law"`
	// Period is how long the law requires the data to be kept.
	Period Period `json:"period"`
	// Anchor is the event Period counts from.
	Anchor Anchor `json:"anchor"`
}

// CookieCategory is a category of cookies the visitor can accept or refuse
// (S8).
type CookieCategory struct {
	// Key identifies the category in the banner and consent records.
	Key string `json:"key"`
	// Title names the category.
	Title Text `json:"title"`
	// Description is the short text shown in the banner.
	Description Text `json:"description"`
	// AlwaysOn is true for strictly necessary cookies, which need no consent.
	AlwaysOn bool `json:"always_on"`
	// Purpose is the purpose this category gates, or "" for necessary cookies.
	Purpose string `json:"purpose,omitempty"`
	// Tools are the third-party tools that set cookies in this category.
	Tools []Tool `json:"tools,omitempty"`
	// ToolsIntro introduces the list of tools in the notice.
	ToolsIntro Text `json:"tools_intro,omitempty"`
	// Notice is the longer explanation printed in the notice's cookie section.
	Notice Text `json:"notice,omitempty"`
}

// Tool is a third-party tool that sets cookies in a category.
type Tool struct {
	// Name is the tool's name as shown in the notice.
	Name string `json:"name"`
	// Recipient is the key of the recipient receiving data through the tool.
	Recipient string `json:"recipient,omitempty"`
}

// Rights lists the data-subject rights and where to exercise them (S12).
type Rights struct {
	// Contact is the email for rights requests; it falls back to the
	// privacy contact when empty.
	Contact string `json:"contact,omitempty"`
	// Items describe each right, one per RightKind.
	Items []*Right `json:"items"`
}

// Right is one data-subject right described in the notice.
type Right struct {
	// Kind says which right this is.
	Kind RightKind `json:"key"`
	// Text describes the right to the data subject.
	Text Text `json:"text"`
}

// Notice holds the prose of the public notice that is not part of a
// structured element. Texts may use the placeholders {controller},
// {privacy_email}, {rights_email}, {authority}, {published_at} and
// {version}, which Render fills in.
type Notice struct {
	// Title is the document title.
	Title Text `json:"title"`
	// Lead is the first paragraph, or nil.
	Lead Text `json:"lead,omitempty"`
	// Intro says what the notice explains, or is nil.
	Intro Text `json:"intro,omitempty"`
	// Scope says what the notice covers (S1).
	Scope Text `json:"scope"`
	// Hashing explains hashing of data sent to remarketing recipients (S10).
	Hashing Text `json:"hashing,omitempty"`
	// Sections are the headed sections of the notice.
	Sections Sections `json:"sections"`
	// LegalBases explain each legal basis a purpose relies on.
	LegalBases map[LegalBasis]*Section `json:"legal_bases"`
}

// Sections are the headed sections of the notice, in render order. Each
// one's generated content is described in FORMAT.md.
type Sections struct {
	// Collection says when data is collected; it lists the sources.
	Collection Section `json:"collection"`
	// Purposes lists the purposes and their legal bases.
	Purposes Section `json:"purposes"`
	// Categories tabulates the personal data categories.
	Categories Section `json:"categories"`
	// NeverCollected lists the data never collected.
	NeverCollected Section `json:"never_collected"`
	// Retention states every retention rule in words.
	Retention Section `json:"retention"`
	// Sharing lists the recipients by role.
	Sharing Section `json:"sharing"`
	// Cookies tabulates the cookie categories and explains each.
	Cookies Section `json:"cookies"`
	// LegalBases explains each legal basis.
	LegalBases Section `json:"legal_bases"`
	// Rights lists the rights and objection scopes.
	Rights Section `json:"rights"`
	// Changes says how changes are announced, with the change summary.
	Changes Section `json:"changes"`
	// LastUpdated gives the publication date and version.
	LastUpdated Section `json:"last_updated"`
	// Complaints names the authority.
	Complaints Section `json:"complaints"`
	// Contact prints the controller's contact details.
	Contact Section `json:"contact"`
}

// Section is a heading with prose before and after the section's generated
// content (lists and tables built from the structured policy).
type Section struct {
	// Heading is the section heading.
	Heading Text `json:"heading"`
	// Text is printed before the generated content, or is nil.
	Text Text `json:"text,omitempty"`
	// After is printed after the generated content, or is nil.
	After Text `json:"after,omitempty"`
}
