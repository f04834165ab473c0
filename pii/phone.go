package pii

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalidPhone is returned, wrapped with a reason, for a number NormalizePhone refuses. Neither it nor the
// reason ever contains the input.
var ErrInvalidPhone = errors.New("pii: invalid phone number")

// DefaultRegion is the region NormalizePhone assumes for numbers written without a country code when the
// caller passes no region. Vern is run by Norwegian businesses.
const DefaultRegion = "NO"

// maxPhoneLen bounds the input passed to the parser; the longest formatted numbers with prefixes and
// punctuation fit comfortably.
const maxPhoneLen = 64

// NormalizePhone returns a phone number in E.164 form, such as "+4722334455". Numbers without a country
// code are read in defaultRegion (an ISO 3166 code such as "NO" or "SE"; DefaultRegion when empty), so
// "22 33 44 55", "0047 22 33 44 55" and "(+47) 22 33 44 55" all give the same result.
//
// Numbers that are not valid for their region are refused, as are numbers with an extension, which E.164
// cannot hold and would silently lose. The one exception is the Nkom range 68 05 00 00 to 68 05 99 99,
// reserved for film and TV: libphonenumber does not list it, but it is where Vern's synthetic test contacts
// live (REFERENCE.md 3.7). Errors wrap ErrInvalidPhone.
func NormalizePhone(s, defaultRegion string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", phoneError("empty")
	case len(s) > maxPhoneLen:
		return "", phoneError("too long")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", phoneError("unknown default region")
	}
	// The parser's errors are generic today, but they are not ours to promise anything about, so they are
	// replaced rather than wrapped.
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", phoneError("not a phone number")
	}
	if n.GetExtension() != "" {
		return "", phoneError("extensions are not supported")
	}
	if !phonenumbers.IsValidNumber(n) && !fictionNumber(n) {
		return "", phoneError("not a valid number")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func phoneError(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidPhone, reason)
}

// fictionNumber reports whether n is in the Norwegian range Nkom reserves for film and TV.
func fictionNumber(n *phonenumbers.PhoneNumber) bool {
	national := n.GetNationalNumber()
	return n.GetCountryCode() == 47 && national >= 68050000 && national <= 68059999 && !n.GetItalianLeadingZero()
}
