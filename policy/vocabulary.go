package policy

// LegalBasis is a lawful basis for processing under GDPR Art. 6(1).
type LegalBasis string

// The legal bases a purpose may declare.
const (
	BasisConsent            LegalBasis = "consent"             // Art. 6(1)(a)
	BasisContract           LegalBasis = "contract"            // Art. 6(1)(b)
	BasisLegalObligation    LegalBasis = "legal_obligation"    // Art. 6(1)(c)
	BasisLegitimateInterest LegalBasis = "legitimate_interest" // Art. 6(1)(f)
)

// legalBases is the fixed order in which bases are listed and rendered.
var legalBases = []LegalBasis{BasisConsent, BasisContract, BasisLegitimateInterest, BasisLegalObligation}

// OptOut is a way a person can stop a purpose: withdraw consent (Art. 7(3))
// or object (Art. 21). The rest of Vern must offer every declared way, for
// example an unsubscribe link in every email of a purpose that lists
// OptOutUnsubscribeLink.
type OptOut string

// The opt-out ways a purpose may declare.
const (
	OptOutUnsubscribeLink OptOut = "unsubscribe_link" // a one-click link in every message
	OptOutCookieSettings  OptOut = "cookie_settings"  // the cookie banner's settings
	OptOutPrivacyCentre   OptOut = "privacy_centre"   // Vern's public privacy centre
	OptOutEmail           OptOut = "email"            // writing to the privacy contact
)

// Role is what a recipient does with the data it receives.
type Role string

// The recipient roles.
const (
	// RoleProcessor acts on the controller's behalf under a data processing
	// agreement (Art. 28).
	RoleProcessor Role = "processor"
	// RolePartner is an independent vendor whose products the person buys.
	RolePartner Role = "partner"
	// RoleAuthority is a public body that receives data when the law requires.
	RoleAuthority Role = "authority"
)

var roles = []Role{RoleProcessor, RolePartner, RoleAuthority}

// TransferBasis is the safeguard for a transfer outside the EEA (GDPR
// Chapter V).
type TransferBasis string

// The transfer bases.
const (
	TransferAdequacy   TransferBasis = "adequacy"   // Art. 45, e.g. the EU-US Data Privacy Framework
	TransferSCC        TransferBasis = "scc"        // Art. 46(2)(c) standard contractual clauses
	TransferBCR        TransferBasis = "bcr"        // Art. 47 binding corporate rules
	TransferDerogation TransferBasis = "derogation" // Art. 49
)

// DPAStatus is the state of the data processing agreement with a recipient.
type DPAStatus string

// The agreement states. DPAMissing is also the honest value when nobody has
// checked yet: it makes the gap visible in Warnings instead of hiding it.
const (
	DPASigned      DPAStatus = "signed"
	DPAMissing     DPAStatus = "missing"
	DPANotRequired DPAStatus = "not_required"
)

// Anchor is the event from which a retention period is counted.
type Anchor string

// The retention anchors.
const (
	AnchorCollected        Anchor = "collected"
	AnchorLastInteraction  Anchor = "last_interaction"
	AnchorContractEnd      Anchor = "contract_end"
	AnchorConsentWithdrawn Anchor = "consent_withdrawn"
	// AnchorFinancialYearEnd counts from the end of the financial year the
	// record belongs to, as bokføringsloven § 13 does.
	AnchorFinancialYearEnd Anchor = "financial_year_end"
	AnchorRequestClosed    Anchor = "request_closed"
)

// Action is what happens to data when its retention period ends.
type Action string

// The retention actions.
const (
	ActionDelete     Action = "delete"
	ActionAnonymise  Action = "anonymise"
	ActionRestrict   Action = "restrict"
	ActionTruncateIP Action = "truncate_ip"
)

// RightKind names a data-subject right the notice must describe.
type RightKind string

// The rights every policy must list (GDPR Art. 13(2)(b) and (c)).
const (
	RightAccess        RightKind = "access"        // Art. 15
	RightRectification RightKind = "rectification" // Art. 16
	RightErasure       RightKind = "erasure"       // Art. 17
	RightWithdrawal    RightKind = "withdrawal"    // Art. 7(3)
	RightPortability   RightKind = "portability"   // Art. 20
	RightRestriction   RightKind = "restriction"   // Art. 18
	RightObjection     RightKind = "objection"     // Art. 21
)

var rightKinds = []RightKind{RightAccess, RightRectification, RightErasure, RightWithdrawal, RightPortability, RightRestriction, RightObjection}

// NeverKind says why a kind of data is never collected.
type NeverKind string

// The kinds of never-collected data.
const (
	// NeverIdentifier is a national identity number or similar identifier.
	NeverIdentifier NeverKind = "identifier"
	// NeverSpecialCategory is special-category data (Art. 9).
	NeverSpecialCategory NeverKind = "special_category"
	// NeverCriminalOffence is data about criminal convictions (Art. 10).
	NeverCriminalOffence NeverKind = "criminal_offence"
)

// AudienceCustomers limits a purpose to people with a contract relation.
const AudienceCustomers = "customers"
