package vern

import "time"

// AccessPackageSchema names the JSON layout of an access package; it
// changes only when the layout changes incompatibly.
const AccessPackageSchema = "https://vern.dev/schema/access-package/v1"

// AccessPackage is everything Vern holds on one person together with the
// information GDPR Art. 15(1)(a)-(h) requires, generated from the policy
// so that the two cannot disagree. It is the answer to an access request
// and, in JSON, the machine-readable package of a portability request
// (Art. 20). Every text is already in the package's language.
type AccessPackage struct {
	Schema      string    `json:"schema"`
	GeneratedAt time.Time `json:"generated_at"`
	Language    string    `json:"language"`
	// RequestID is the request the package answers, if any.
	RequestID string `json:"request_id,omitempty"`
	// Portability is true for a portability package, which holds only the
	// data the person provided, processed on consent or contract (Art.
	// 20(1)).
	Portability bool `json:"portability,omitempty"`

	Controller PackageController `json:"controller"`

	// Subject is nil when Vern holds no data on the requester; the
	// package then says so and still gives the Art. 15 information.
	Subject      *Person          `json:"subject"`
	Interactions []*Interaction   `json:"interactions"`
	ConsentState []PurposeState   `json:"consent_state"`
	Consents     []*ConsentEvent  `json:"consent_history"`
	Contracts    []*Contract      `json:"contracts"`
	Documents    []*Document      `json:"documents"`
	Requests     []RequestSummary `json:"requests"`
	Disclosures  []*Disclosure    `json:"disclosures"`

	Information PackageInformation `json:"information"`
}

// PackageController identifies the controller (S15).
type PackageController struct {
	Name          string `json:"name"`
	OrgNumber     string `json:"org_number,omitempty"`
	Address       string `json:"address"`
	Email         string `json:"email"`
	Website       string `json:"website,omitempty"`
	PrivacyEmail  string `json:"privacy_email,omitempty"`
	RequestsEmail string `json:"requests_email,omitempty"`
}

// PurposeState is whether one purpose may use the person now, and why.
type PurposeState struct {
	Purpose string `json:"purpose"`
	Title   string `json:"title"`
	Allowed bool   `json:"allowed"`
	Basis   string `json:"basis"`
	Reason  string `json:"reason"`
}

// RequestSummary is one of the person's requests, without its details.
type RequestSummary struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	ReceivedAt time.Time  `json:"received_at"`
	DueOn      string     `json:"due_on"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// PackageInformation is the Art. 15(1)(a)-(h) and 15(2) information.
type PackageInformation struct {
	Purposes   []PackagePurpose   `json:"purposes"`   // (a), with legal basis
	Categories []PackageCategory  `json:"categories"` // (b)
	Recipients []PackageRecipient `json:"recipients"` // (c), 15(2)
	Retention  []PackageRetention `json:"retention"`  // (d)
	Rights     []string           `json:"rights"`     // (e)
	Authority  PackageAuthority   `json:"authority"`  // (f)
	Sources    []string           `json:"sources"`    // (g)
	// AutomatedDecisions answers (h).
	AutomatedDecisions string `json:"automated_decisions"`
}

// PackagePurpose is one purpose of processing.
type PackagePurpose struct {
	Key         string   `json:"key"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	LegalBasis  []string `json:"legal_basis"`
	Categories  []string `json:"categories"`
}

// PackageCategory is one category of personal data.
type PackageCategory struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// PackageRecipient is one recipient or category of recipients.
type PackageRecipient struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Country       string `json:"country,omitempty"`
	TransferBasis string `json:"transfer_basis,omitempty"`
}

// PackageRetention is how long some data is kept.
type PackageRetention struct {
	Title  string `json:"title"`
	Period string `json:"period"`
}

// PackageAuthority is the supervisory authority to complain to.
type PackageAuthority struct {
	Name    string `json:"name"`
	Website string `json:"website"`
	Address string `json:"address"`
}
