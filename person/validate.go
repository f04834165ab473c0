package person

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/pii"
)

// Field limits, in characters. Generous for real names and addresses, small
// enough that no field can carry a document.
const (
	maxName      = 200
	maxShortText = 500
)

// input is a validated, normalised PersonInput.
type input struct {
	vern.PersonInput
}

func (n *input) personal() vern.PersonalData {
	return vern.PersonalData{FirstName: n.FirstName, LastName: n.LastName, Email: n.Email, Phone: n.Phone}
}

func (n *input) person(sp *vern.SealedPerson, org *vern.Organization) *vern.Person {
	return &vern.Person{
		ID: sp.ID, FirstName: n.FirstName, LastName: n.LastName, Email: n.Email, Phone: n.Phone,
		Language: n.Language, Organization: org, Source: n.Source, Purposes: sp.Purposes, CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt,
	}
}

// normalizeInput validates in and returns it normalised: trimmed text,
// lower-case email with an ASCII domain, E.164 phone. Every problem is
// reported at once; no message repeats a refused value. Purposes are
// deduplicated and sorted, and checked with valid when it is not nil.
func normalizeInput(in vern.PersonInput, valid func(key string) bool) (*input, error) {
	var fs vern.Fields
	n := &input{PersonInput: in}
	n.FirstName = text(&fs, "first_name", in.FirstName, maxName)
	n.LastName = text(&fs, "last_name", in.LastName, maxName)
	if guard(&fs, "email", in.Email) && strings.TrimSpace(in.Email) != "" {
		if e, ferr := normalizeEmail("email", in.Email); ferr != nil {
			fs = append(fs, *ferr)
		} else {
			n.Email = e
		}
	}
	if guard(&fs, "phone", in.Phone) && strings.TrimSpace(in.Phone) != "" {
		if p, ferr := normalizePhone("phone", in.Phone); ferr != nil {
			fs = append(fs, *ferr)
		} else {
			n.Phone = p
		}
	}
	if in.Email == "" && in.Phone == "" {
		fs.Add("email", "required", "An email address or a phone number is required.")
	}
	n.Language = language(&fs, "language", in.Language)
	n.Source.Channel = strings.TrimSpace(in.Source.Channel)
	if n.Source.Channel == "" {
		fs.Add("source.channel", "required", "The source channel is required.")
	} else if !vern.ValidChannel(n.Source.Channel) {
		fs.Add("source.channel", "unknown", "Unknown source channel; use one of "+strings.Join(vern.Channels, ", ")+".")
	}
	n.Source.Reference = text(&fs, "source.reference", in.Source.Reference, maxShortText)
	if in.Organization != nil {
		n.Organization = normalizeOrganization(&fs, "organization", *in.Organization)
	}
	n.Purposes = purposes(&fs, "purposes", in.Purposes, valid)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	return n, nil
}

// guard records a problem and returns false when s holds an identifier that
// Vern never stores (S5). The message names the kind, never the value.
func guard(fs *vern.Fields, field, s string) bool {
	f, found := pii.Find(s)
	if !found {
		return true
	}
	fs.Add(field, string(f.Kind), "Contains "+f.Kind.Description("en")+", which Vern never stores (privacy policy S5). Remove it and try again.")
	return false
}

// text trims s and checks it for forbidden identifiers, length and control
// characters.
func text(fs *vern.Fields, field, s string, maxLen int) string {
	s = strings.TrimSpace(s)
	if !guard(fs, field, s) {
		return ""
	}
	if !utf8.ValidString(s) {
		fs.Add(field, "encoding", "Must be valid UTF-8 text.")
		return ""
	}
	if utf8.RuneCountInString(s) > maxLen {
		fs.Add(field, "too_long", "Must be at most "+strconv.Itoa(maxLen)+" characters.")
		return ""
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			fs.Add(field, "control_character", "Must not contain control characters such as line breaks.")
			return ""
		}
	}
	return s
}

func normalizeEmail(field, s string) (string, *vern.FieldError) {
	e, err := pii.NormalizeEmail(s)
	if err != nil {
		return "", &vern.FieldError{Field: field, Code: "invalid_email", Message: "Not a valid email address."}
	}
	return e, nil
}

func normalizePhone(field, s string) (string, *vern.FieldError) {
	p, err := pii.NormalizePhone(s, "NO")
	if err != nil {
		return "", &vern.FieldError{Field: field, Code: "invalid_phone", Message: "Not a valid phone number; give it in international form (+47 ...) or as a Norwegian number."}
	}
	return p, nil
}

// maxPurposes bounds the purposes of one person; a policy has far fewer.
const maxPurposes = 50

// purposes returns keys trimmed, deduplicated and sorted (nil for none).
// A key that is not a plain lower-case key, or that valid (when set)
// does not know, is refused as an unknown purpose.
func purposes(fs *vern.Fields, field string, keys []string, valid func(string) bool) []string {
	var out []string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(out, k) {
			continue
		}
		if !purposeKey(k) || valid != nil && !valid(k) {
			fs.Add(field, "unknown_purpose", "Unknown purpose; use the key of a purpose of the current privacy policy.")
			return nil
		}
		out = append(out, k)
	}
	if len(out) > maxPurposes {
		fs.Add(field, "too_many", "At most "+strconv.Itoa(maxPurposes)+" purposes.")
		return nil
	}
	slices.Sort(out)
	return out
}

// purposeKey reports whether k has the form of a policy key: lower-case
// letters, digits, '_' and '-', at most 64 characters.
func purposeKey(k string) bool {
	if len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// mergePurposes returns the sorted union of a and b, and whether it
// differs from a.
func mergePurposes(a, b []string) ([]string, bool) {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == len(a) {
		return a, false
	}
	slices.Sort(out)
	return out, true
}

// language accepts "" or a two-letter lower-case language code such as nb or en.
func language(fs *vern.Fields, field, s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if len(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z' {
		fs.Add(field, "invalid_language", "Must be a two-letter language code such as nb or en.")
		return ""
	}
	return s
}

// normalizeOrganization validates an organisation. A Norwegian organisation
// number is reduced to its nine digits ("915 213 049 MVA" → "915213049") and
// its mod-11 check digit verified.
func normalizeOrganization(fs *vern.Fields, prefix string, in vern.OrganizationInput) *vern.OrganizationInput {
	out := vern.OrganizationInput{
		Name:    text(fs, prefix+".name", in.Name, maxName),
		Website: text(fs, prefix+".website", in.Website, maxShortText),
		Address: text(fs, prefix+".address", in.Address, maxShortText),
		Country: strings.ToUpper(text(fs, prefix+".country", in.Country, 2)),
	}
	if out.Country == "" {
		out.Country = "NO"
	}
	if out.Name == "" && in.Name == "" {
		fs.Add(prefix+".name", "required", "The organisation's name is required.")
	}
	if num := text(fs, prefix+".org_number", in.OrgNumber, 40); num != "" {
		if out.Country == "NO" {
			digits := norwegianOrgDigits(num)
			if !vern.ValidNorwegianOrgNumber(digits) {
				fs.Add(prefix+".org_number", "invalid_org_number", "Not a valid Norwegian organisation number (nine digits with a valid check digit).")
			}
			out.OrgNumber = digits
		} else {
			out.OrgNumber = num
		}
	}
	if guard(fs, prefix+".email", in.Email) && strings.TrimSpace(in.Email) != "" {
		if e, ferr := normalizeEmail(prefix+".email", in.Email); ferr != nil {
			*fs = append(*fs, *ferr)
		} else {
			out.Email = e
		}
	}
	if guard(fs, prefix+".phone", in.Phone) && strings.TrimSpace(in.Phone) != "" {
		if p, ferr := normalizePhone(prefix+".phone", in.Phone); ferr != nil {
			*fs = append(*fs, *ferr)
		} else {
			out.Phone = p
		}
	}
	return &out
}

// norwegianOrgDigits strips the forms an organisation number is written in:
// spaces, dots, a "NO" prefix and an "MVA" suffix (VAT registered).
func norwegianOrgDigits(s string) string {
	s = strings.ToUpper(s)
	s = strings.TrimPrefix(s, "NO")
	s = strings.TrimSuffix(s, "MVA")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
		default:
			return s // not a plain number: fails the check as it is
		}
	}
	return b.String()
}

// newOrganization builds the stored form of a normalised organisation. The
// match key makes "Mementor AS" with or without its number one organisation.
func newOrganization(in *vern.OrganizationInput, now time.Time) *vern.Organization {
	key := "name:" + strings.Join(strings.Fields(strings.ToLower(in.Name)), " ")
	if in.OrgNumber != "" {
		key = strings.ToLower(in.Country) + ":" + in.OrgNumber
	}
	return &vern.Organization{
		ID: vern.NewID("org", now), MatchKey: key, Name: in.Name, OrgNumber: in.OrgNumber, Country: in.Country,
		Website: in.Website, Phone: in.Phone, Email: in.Email, Address: in.Address, CreatedAt: now,
	}
}
