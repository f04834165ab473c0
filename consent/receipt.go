package consent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// ReceiptVersion is the Kantara Consent Receipt specification version a
// receipt follows; the specification requires exactly this value.
const ReceiptVersion = "KI-CR-v1.1.0"

// receiptLanguage is the language of every text in a receipt.
const receiptLanguage = "en"

// Receipt is a consent receipt in the Kantara Initiative Consent Receipt
// v1.1.0 format: a record of one consent grant or withdrawal that can be
// given to the person. The JSON field names are the specification's.
type Receipt struct {
	Version      string `json:"version"`
	Jurisdiction string `json:"jurisdiction"`
	// ConsentTimestamp is in seconds since the Unix epoch, as the
	// specification requires (not milliseconds).
	ConsentTimestamp int64  `json:"consentTimestamp"`
	CollectionMethod string `json:"collectionMethod"`
	ConsentReceiptID string `json:"consentReceiptID"`
	PublicKey        string `json:"publicKey,omitempty"`
	Language         string `json:"language"`
	// PIIPrincipalID is the person's id, never their email: a receipt
	// carries no more personal data than it needs.
	PIIPrincipalID string              `json:"piiPrincipalId"`
	PIIControllers []ReceiptController `json:"piiControllers"`
	PolicyURL      string              `json:"policyUrl"`
	Services       []ReceiptService    `json:"services"`
	Sensitive      bool                `json:"sensitive"`
	SPICat         []string            `json:"spiCat"`
}

// ReceiptController is a PII controller of a receipt.
type ReceiptController struct {
	PIIController string         `json:"piiController"`
	OnBehalf      bool           `json:"onBehalf,omitempty"`
	Contact       string         `json:"contact"`
	Address       ReceiptAddress `json:"address"`
	Email         string         `json:"email"`
	// Phone is required by the specification, so it is present even when
	// the policy gives no phone number.
	Phone            string `json:"phone"`
	PIIControllerURL string `json:"piiControllerUrl,omitempty"`
}

// ReceiptAddress is a postal address in the schema.org PostalAddress terms
// the specification uses.
type ReceiptAddress struct {
	StreetAddress   string `json:"streetAddress"`
	PostalCode      string `json:"postalCode"`
	AddressLocality string `json:"addressLocality"`
	AddressCountry  string `json:"addressCountry"`
}

// ReceiptService is a service the consent was given for.
type ReceiptService struct {
	Service  string           `json:"service"`
	Purposes []ReceiptPurpose `json:"purposes"`
}

// ReceiptPurpose is one purpose of a service.
type ReceiptPurpose struct {
	Purpose         string   `json:"purpose"`
	PurposeCategory []string `json:"purposeCategory"`
	ConsentType     string   `json:"consentType"`
	PIICategory     []string `json:"piiCategory"`
	PrimaryPurpose  bool     `json:"primaryPurpose"`
	// Termination says when the consent ends, or for a withdrawal when it
	// ended.
	Termination          string `json:"termination"`
	ThirdPartyDisclosure bool   `json:"thirdPartyDisclosure"`
	// ThirdPartyName names the recipients; the specification requires it,
	// non-empty, exactly when ThirdPartyDisclosure is true.
	ThirdPartyName string `json:"thirdPartyName,omitempty"`
}

// Receipt returns the consent receipt for a consent grant or withdrawal
// event. Objections and restrictions are not consents and have no receipt.
//
// Returns ENOTFOUND for an unknown event or one that is not a consent
// event, and ECONFLICT when the policy in force no longer declares the
// event's purpose.
func (s *Service) Receipt(ctx context.Context, eventID string) (*Receipt, error) {
	e, err := s.store.FindConsentEventByID(ctx, eventID)
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.ENOTFOUND, "Receipt not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find consent event: %w", err)
	}
	if e.Kind != vern.EventConsentGranted && e.Kind != vern.EventConsentWithdrawn {
		return nil, vern.Errorf(vern.ENOTFOUND, "Receipt not found.")
	}

	// The receipt is built from the policy in force, even when the event was
	// recorded under an earlier version (e.PolicyVersion). That is acceptable
	// for now; a receipt true to the notice the person saw needs the
	// published versions to be loadable by label.
	p, _ := s.policy.Current()
	pu, ok := p.Purpose(e.Purpose)
	if !ok {
		return nil, vern.Errorf(vern.ECONFLICT, "The policy in force no longer declares the purpose of this consent.")
	}

	c := p.Controller
	ctrl := ReceiptController{
		PIIController: c.Name,
		Contact:       p.Text(c.PrivacyContact.Name, receiptLanguage),
		Address: ReceiptAddress{
			StreetAddress:   c.Address.Street,
			PostalCode:      c.Address.PostalCode,
			AddressLocality: c.Address.City,
			AddressCountry:  c.Address.Country,
		},
		Email:            p.PrivacyEmail(),
		Phone:            c.Phone,
		PIIControllerURL: c.Website,
	}
	if ctrl.Contact == "" {
		ctrl.Contact = p.PrivacyEmail()
	}

	termination := "Withdrawn at " + e.At.UTC().Format(time.RFC3339) + "."
	if e.Kind == vern.EventConsentGranted {
		termination = grantTermination(p, pu)
	}
	names := recipientNames(p, pu)
	return &Receipt{
		Version:          ReceiptVersion,
		Jurisdiction:     "NO",
		ConsentTimestamp: e.At.Unix(),
		CollectionMethod: collectionMethod(e.Channel),
		ConsentReceiptID: e.ID,
		Language:         receiptLanguage,
		PIIPrincipalID:   e.PersonID,
		PIIControllers:   []ReceiptController{ctrl},
		PolicyURL:        "/privacy",
		Services: []ReceiptService{{
			Service: c.Name,
			Purposes: []ReceiptPurpose{{
				Purpose:              p.Text(pu.Title, receiptLanguage),
				PurposeCategory:      []string{pu.Key},
				ConsentType:          "EXPLICIT",
				PIICategory:          categoryTitles(p, pu),
				PrimaryPurpose:       true,
				Termination:          termination,
				ThirdPartyDisclosure: len(names) > 0,
				ThirdPartyName:       strings.Join(names, ", "),
			}},
		}},
		Sensitive: false,
		SPICat:    []string{},
	}, nil
}

// collectionMethods describe the source channels in words.
var collectionMethods = map[string]string{
	vern.ChannelWebForm: "Web form",
	vern.ChannelEmail:   "Email",
	vern.ChannelPhone:   "Phone",
	vern.ChannelChat:    "Chat",
	vern.ChannelSocial:  "Social media",
	vern.ChannelMeeting: "Meeting",
	vern.ChannelImport:  "Import",
	vern.ChannelAPI:     "API",
}

func collectionMethod(channel string) string {
	if m, ok := collectionMethods[channel]; ok {
		return m
	}
	return channel
}

func categoryTitles(p *policy.Policy, pu *policy.Purpose) []string {
	out := []string{}
	for _, key := range pu.Categories {
		if c, ok := p.DataCategory(key); ok {
			out = append(out, p.Text(c.Title, receiptLanguage))
		}
	}
	return out
}

// recipientNames names the recipients that receive data of the purpose:
// those sharing one of its categories, for it or for every purpose.
func recipientNames(p *policy.Policy, pu *policy.Purpose) []string {
	var out []string
	for _, r := range p.Recipients() {
		if len(r.Purposes) > 0 && !slices.Contains(r.Purposes, pu.Key) {
			continue
		}
		if slices.ContainsFunc(r.Categories, func(c string) bool { return slices.Contains(pu.Categories, c) }) {
			out = append(out, p.Text(r.Name, receiptLanguage))
		}
	}
	return out
}

// grantTermination says when a granted consent ends: when withdrawn, and
// what then happens to the data under the retention rules counted from the
// withdrawal.
//
// The English wording repeats the notice's (policy/labels.go), which the
// policy package does not export.
func grantTermination(p *policy.Policy, pu *policy.Purpose) string {
	var b strings.Builder
	b.WriteString("Until withdrawn.")
	seen := map[string]bool{}
	for _, cat := range pu.Categories {
		for _, r := range p.RetentionRulesFor(pu.Key, cat) {
			if seen[r.Key] || r.Anchor != policy.AnchorConsentWithdrawn {
				continue
			}
			seen[r.Key] = true
			fmt.Fprintf(&b, " %s: %s %s after the consent is withdrawn.", p.Text(r.Title, receiptLanguage), actionWords[r.Action], periodWords(r.Period))
		}
	}
	return b.String()
}

var actionWords = map[policy.Action]string{
	policy.ActionDelete:     "deleted",
	policy.ActionAnonymise:  "anonymised",
	policy.ActionRestrict:   "restricted from further use",
	policy.ActionTruncateIP: "shortened",
}

// periodWords spells out a period: "30 days", "3 years and 6 months".
func periodWords(pd policy.Period) string {
	units := [...][2]string{{"year", "years"}, {"month", "months"}, {"week", "weeks"}, {"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"}}
	var parts []string
	for i, n := range []int{pd.Years, pd.Months, pd.Weeks, pd.Days, pd.Hours, pd.Minutes, pd.Seconds} {
		if n == 1 {
			parts = append(parts, "1 "+units[i][0])
		} else if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, units[i][1]))
		}
	}
	switch len(parts) {
	case 0:
		return "0 days"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
