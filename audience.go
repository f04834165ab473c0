package vern

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Audience rule fields: the small, declared set of facts a segment may be
// defined by (S10). Anything else is refused, so that a rule cannot quietly
// match nobody because of a typo.
const (
	// FieldOrgCountry matches the ISO 3166-1 alpha-2 country of the
	// person's organisation; a person without one never matches.
	FieldOrgCountry = "organization.country"
	// FieldHasContract matches "true" for people a contract binds now
	// (customers) and "false" for everyone else.
	FieldHasContract = "has_contract"
	// FieldSourceChannel matches the channel the person came through.
	FieldSourceChannel = "source.channel"
	// FieldLanguage matches the person's language code.
	FieldLanguage = "language"
	// FieldCreatedBefore and FieldCreatedAfter match people registered
	// before, or at or after, a day (YYYY-MM-DD, UTC).
	FieldCreatedBefore = "created_before"
	FieldCreatedAfter  = "created_after"
)

// AudienceFields lists every field a rule may name.
var AudienceFields = []string{FieldOrgCountry, FieldHasContract, FieldSourceChannel, FieldLanguage, FieldCreatedBefore, FieldCreatedAfter}

// Audience uses: how the ad platform uses the list. Either way every
// member must be allowed for the audience's purpose: an exclusion list is
// still personal data sent to the platform.
const (
	AudienceInclude = "include"
	AudienceExclude = "exclude"
)

// Audience is a named segment of people for a purpose (S10), such as
// "prospects who consented to remarketing" or "existing customers to
// exclude". A person is a member when every Include rule matches, no
// Exclude rule matches, the decision engine allows the Purpose for them,
// and their email is not on the suppression list.
type Audience struct {
	Name string `json:"name"`
	// Purpose is the policy purpose the audience serves, such as
	// remarketing; every member is decided against it.
	Purpose string `json:"purpose"`
	// Use says whether the platform targets (include) or excludes the list.
	Use         string         `json:"use"`
	Description string         `json:"description,omitempty"`
	Include     []AudienceRule `json:"include,omitempty"`
	Exclude     []AudienceRule `json:"exclude,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// AudienceRule matches a person when their Field has one of Values.
type AudienceRule struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
}

var audienceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks the definition's shape: name, use, fields and values. It
// does not know the policy; the audience service checks the purpose.
// Returns EINVALID naming every bad field.
func (a *Audience) Validate() error {
	var fs Fields
	if !audienceName.MatchString(a.Name) {
		fs.Add("name", "invalid", "The name must be 1-64 lowercase letters, digits, - or _, starting with a letter or digit.")
	}
	if a.Purpose == "" {
		fs.Add("purpose", "required", "The purpose the audience serves is required, such as remarketing.")
	}
	if a.Use == "" {
		a.Use = AudienceInclude
	}
	if a.Use != AudienceInclude && a.Use != AudienceExclude {
		fs.Add("use", "invalid", "Use must be include or exclude.")
	}
	if len(a.Description) > 500 {
		fs.Add("description", "too_long", "At most 500 characters.")
	}
	for i := range a.Include {
		validateRule(&fs, fmt.Sprintf("include[%d]", i), &a.Include[i])
	}
	for i := range a.Exclude {
		validateRule(&fs, fmt.Sprintf("exclude[%d]", i), &a.Exclude[i])
	}
	return fs.Err()
}

var (
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
	languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// validateRule checks one rule and normalises its values (country codes
// upper case, booleans and languages lower case).
func validateRule(fs *Fields, path string, r *AudienceRule) {
	if !slices.Contains(AudienceFields, r.Field) {
		fs.Add(path+".field", "unknown_field", "Unknown field; use one of "+strings.Join(AudienceFields, ", ")+".")
		return
	}
	if len(r.Values) == 0 {
		fs.Add(path+".values", "required", "Give at least one value.")
		return
	}
	if len(r.Values) > 100 {
		fs.Add(path+".values", "too_many", "At most 100 values per rule.")
		return
	}
	single := r.Field == FieldHasContract || r.Field == FieldCreatedBefore || r.Field == FieldCreatedAfter
	if single && len(r.Values) != 1 {
		fs.Add(path+".values", "one_value", "This field takes exactly one value.")
		return
	}
	for j, v := range r.Values {
		v = strings.TrimSpace(v)
		vp := fmt.Sprintf("%s.values[%d]", path, j)
		ok := true
		switch r.Field {
		case FieldOrgCountry:
			v = strings.ToUpper(v)
			ok = countryCode.MatchString(v)
		case FieldHasContract:
			v = strings.ToLower(v)
			ok = v == "true" || v == "false"
		case FieldSourceChannel:
			ok = ValidChannel(v)
		case FieldLanguage:
			v = strings.ToLower(v)
			ok = languageCode.MatchString(v)
		case FieldCreatedBefore, FieldCreatedAfter:
			_, err := time.Parse(time.DateOnly, v)
			ok = err == nil
		}
		if !ok {
			fs.Add(vp, "invalid", ruleValueHint[r.Field])
			continue
		}
		r.Values[j] = v
	}
}

var ruleValueHint = map[string]string{
	FieldOrgCountry:    "Must be an ISO 3166-1 alpha-2 country code, such as NO.",
	FieldHasContract:   "Must be true or false.",
	FieldSourceChannel: "Unknown source channel; use one of " + strings.Join(Channels, ", ") + ".",
	FieldLanguage:      "Must be a language code, such as nb or en.",
	FieldCreatedBefore: "Must be a day, YYYY-MM-DD.",
	FieldCreatedAfter:  "Must be a day, YYYY-MM-DD.",
}

// AudienceFacts are what rules are matched against for one person.
type AudienceFacts struct {
	OrgCountry    string
	HasContract   bool
	SourceChannel string
	Language      string
	CreatedAt     time.Time
}

// Matches reports whether a person with facts f belongs to the segment the
// rules describe, before decisions and suppression: every include rule
// matches and no exclude rule does. The audience must be valid.
func (a *Audience) Matches(f AudienceFacts) bool {
	for _, r := range a.Include {
		if !r.matches(f) {
			return false
		}
	}
	for _, r := range a.Exclude {
		if r.matches(f) {
			return false
		}
	}
	return true
}

func (r AudienceRule) matches(f AudienceFacts) bool {
	switch r.Field {
	case FieldOrgCountry:
		return f.OrgCountry != "" && slices.Contains(r.Values, strings.ToUpper(f.OrgCountry))
	case FieldHasContract:
		return (r.Values[0] == "true") == f.HasContract
	case FieldSourceChannel:
		return slices.Contains(r.Values, f.SourceChannel)
	case FieldLanguage:
		return slices.Contains(r.Values, strings.ToLower(f.Language))
	case FieldCreatedBefore:
		d, _ := time.Parse(time.DateOnly, r.Values[0])
		return f.CreatedAt.Before(d)
	case FieldCreatedAfter:
		d, _ := time.Parse(time.DateOnly, r.Values[0])
		return !f.CreatedAt.Before(d)
	}
	return false
}

// AudienceCandidate is a stored person as an audience sees them: sealed,
// with the country of their organisation.
type AudienceCandidate struct {
	Person     *SealedPerson
	OrgCountry string
}

// AudienceExport records one export of an audience (S7, S10): which
// audience went to which recipient in which format, when, by whom and how
// many people it held. Each member also gets a Disclosure, reason
// "audience export NAME (FORMAT, hashed)", naming the export's ID.
type AudienceExport struct {
	ID        string    `json:"id"`
	Seq       int64     `json:"-"`
	Audience  string    `json:"audience"`
	Purpose   string    `json:"purpose"`
	Recipient string    `json:"recipient"`
	Format    string    `json:"format"`
	Actor     string    `json:"actor"`
	People    int       `json:"people"`
	At        time.Time `json:"at"`
}

// AudienceStore persists audience definitions and exports.
type AudienceStore interface {
	// CreateAudience stores a. Returns ECONFLICT when the name is taken.
	CreateAudience(ctx context.Context, a *Audience) error
	// UpdateAudience replaces the stored definition named a.Name, keeping
	// CreatedAt. Returns ENOTFOUND.
	UpdateAudience(ctx context.Context, a *Audience) error
	// FindAudience returns the audience with name. Returns ENOTFOUND.
	FindAudience(ctx context.Context, name string) (*Audience, error)
	// FindAudiences returns every audience by name.
	FindAudiences(ctx context.Context) ([]*Audience, error)
	// FindAudienceCandidates returns up to limit people who are not
	// erased and whose id sorts after afterID, in id order: a keyset page
	// for streaming the whole registry in bounded memory. Each Person
	// carries only ID, EmailIndex, WrappedKey, Sealed, Language,
	// OrganizationID, SourceChannel and CreatedAt.
	FindAudienceCandidates(ctx context.Context, afterID string, limit int) ([]*AudienceCandidate, error)
	// FindAudienceLedger returns the consent events and contracts of the
	// people whose ids sort in (afterID, lastID], keyed by person id, each
	// oldest first: a range read that pairs with a page of candidates.
	// Events carry only PersonID, Seq, Kind, Purpose and PolicyVersion,
	// all a decision needs (decisions made from them name no evidence).
	FindAudienceLedger(ctx context.Context, afterID, lastID string) (map[string][]*ConsentEvent, map[string][]*Contract, error)
	// FindSuppressionHashes returns every hash on the suppression list, so
	// that a whole-registry pass checks each person in memory rather than
	// by a query per few hundred.
	FindSuppressionHashes(ctx context.Context) ([][]byte, error)
	// CreateAudienceExport records e and sets e.Seq.
	CreateAudienceExport(ctx context.Context, e *AudienceExport) error
	// AddAudienceExportMembers records that the export with seq disclosed
	// the people with personIDs, all or none, and adds them to its
	// People. FindDisclosures returns each as a Disclosure whose ID is the
	// export's. Returns ECONFLICT for a person already recorded.
	AddAudienceExportMembers(ctx context.Context, seq int64, personIDs []string) error
	// FindAudienceExports returns an audience's exports, newest first.
	FindAudienceExports(ctx context.Context, audience string) ([]*AudienceExport, error)
}
