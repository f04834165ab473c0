// Package hashexport writes customer lists in the formats ad platforms
// take (S10; REFERENCE.md §8): Google Customer Match, LinkedIn Matched
// Audiences and a plain hashed CSV. Identifiers are normalised exactly as
// each platform matches them and SHA-256 hashed, lowercase hex; only
// country and postal code stay in the clear. An empty field is left empty,
// never hashed (SHA-256 of "" would match nothing and tells the platform
// the field was missing).
//
// It is a pure library: an Encoder is immutable and safe for concurrent
// use, so rows can be produced on every core.
package hashexport

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode"

	"github.com/vernhq/vern/pii"
)

// Formats.
const (
	Google   = "google"
	LinkedIn = "linkedin"
	CSV      = "csv"
)

// Formats lists every format.
var Formats = []string{Google, LinkedIn, CSV}

// LinkedIn's contact-list limits (REFERENCE.md §8.2).
const (
	LinkedInMinRows  = 300
	LinkedInMaxRows  = 300_000
	LinkedInMaxBytes = 20 << 20
)

// Contact is one person's data as stored (already normalised by the
// registry, though the encoder normalises again).
type Contact struct {
	Email, Phone        string
	FirstName, LastName string
	// Country is an ISO 3166-1 alpha-2 code; Zip a postal code. Both are
	// sent unhashed.
	Country, Zip string
}

// Options change how identifiers are normalised.
type Options struct {
	// GmailDots removes every "." from the local part of gmail.com and
	// googlemail.com addresses. Google asks for it for enhanced
	// conversions, not for Customer Match, so it is off unless asked for.
	GmailDots bool
}

// Encoder turns contacts into CSV rows of one format.
type Encoder struct {
	format string
	opts   Options
}

// ErrUnknownFormat is returned for a format not in Formats.
var ErrUnknownFormat = errors.New("hashexport: unknown format")

// New returns the encoder for format.
func New(format string, opts Options) (*Encoder, error) {
	switch format {
	case Google, LinkedIn, CSV:
		return &Encoder{format: format, opts: opts}, nil
	}
	return nil, ErrUnknownFormat
}

// Format returns the encoder's format.
func (e *Encoder) Format() string { return e.format }

// headers are the exact header rows each platform expects. Google's are
// from its Customer Match template; LinkedIn's from the Campaign Manager
// contact-list template, whose headers must not be changed.
var headers = map[string]string{
	Google:   "Email,Phone,First Name,Last Name,Country,Zip",
	LinkedIn: "email,firstname,lastname,jobtitle,employeecompany,country,googleaid",
	CSV:      "email_sha256,phone_sha256,first_name_sha256,last_name_sha256,country,zip",
}

// Header returns the header line, with CRLF as RFC 4180 has it.
func (e *Encoder) Header() []byte { return []byte(headers[e.format] + "\r\n") }

// AppendRow appends c's row to dst. ok is false, and dst unchanged, when
// c has no identifier the platform matches on (no usable email, and for
// Google and CSV no usable phone either): such a row would only disclose
// data without any use.
//
// Names go to Google only together with country and postal code, the
// four fields its address matching needs; alone they match nothing, so
// sending them would disclose more than the purpose needs (Art. 5(1)(c)).
// LinkedIn gets the hashed email and the country only: its template takes
// names in plain text, which the policy does not allow to leave Vern.
func (e *Encoder) AppendRow(dst []byte, c Contact) (out []byte, ok bool) {
	email, _ := NormalizeEmail(c.Email, e.opts.GmailDots)
	phone := ""
	if e.format != LinkedIn {
		phone, _ = NormalizePhone(c.Phone)
	}
	if email == "" && phone == "" {
		return dst, false
	}
	country := strings.ToUpper(strings.TrimSpace(c.Country))
	if len(country) != 2 {
		country = ""
	}
	zip := strings.Join(strings.Fields(c.Zip), "")
	first, last := NormalizeName(c.FirstName), NormalizeName(c.LastName)
	switch e.format {
	case Google:
		if first == "" || last == "" || country == "" || zip == "" {
			first, last, zip = "", "", ""
			country = ""
		}
		return appendFields(dst, hashOrEmpty(email), hashOrEmpty(phone), hashOrEmpty(first), hashOrEmpty(last), country, zip), true
	case LinkedIn:
		return appendFields(dst, Hash(email), "", "", "", "", country, ""), email != ""
	default:
		return appendFields(dst, hashOrEmpty(email), hashOrEmpty(phone), hashOrEmpty(first), hashOrEmpty(last), country, zip), true
	}
}

// appendFields writes one CSV line. Hashes and country codes never need
// quoting; a postal code with a comma or quote is quoted.
func appendFields(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		if strings.ContainsAny(f, ",\"\r\n") {
			dst = append(dst, '"')
			dst = append(dst, strings.ReplaceAll(f, `"`, `""`)...)
			dst = append(dst, '"')
			continue
		}
		dst = append(dst, f...)
	}
	return append(dst, '\r', '\n')
}

// Hash returns the lowercase hex SHA-256 of s. It panics on "", which no
// caller may hash (REFERENCE.md §8.1: empty fields are omitted).
func Hash(s string) string {
	if s == "" {
		panic("hashexport: hashing an empty field")
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hashOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return Hash(s)
}

// NormalizeEmail lowercases an address and removes every space around and
// inside it; with gmailDots it also removes the dots of a gmail.com or
// googlemail.com local part. A "+tag" is kept. It returns "" and false for
// something that is not an address.
func NormalizeEmail(s string, gmailDots bool) (string, bool) {
	s = removeSpaces(s)
	if s == "" {
		return "", false
	}
	if !plainLowerASCII(s) {
		n, err := pii.NormalizeEmail(s)
		if err != nil {
			return "", false
		}
		s = n
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	if gmailDots {
		if domain := s[at+1:]; domain == "gmail.com" || domain == "googlemail.com" {
			s = strings.ReplaceAll(s[:at], ".", "") + s[at:]
		}
	}
	return s, true
}

// plainLowerASCII reports whether s is already what pii.NormalizeEmail
// returns for a plain address: printable ASCII, no upper case. Stored
// addresses are, so the common path skips the full parser.
func plainLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return strings.Count(s, "@") == 1
}

// NormalizePhone returns a phone number in E.164 ("+4768050000"), reading
// numbers without a country code as Norwegian. It returns "" and false for
// something that is not a valid number.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if isE164(s) {
		return s, true
	}
	n, err := pii.NormalizePhone(s, pii.DefaultRegion)
	if err != nil {
		return "", false
	}
	return n, true
}

// isE164 reports whether s is "+" and 8 to 15 digits, the form the
// registry stores, so that stored numbers skip the full parser.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NormalizeName lowercases a name and removes every space in and around
// it. Letters are kept as they are in UTF-8: "Øyvind" becomes "øyvind",
// not transliterated.
func NormalizeName(s string) string {
	return strings.ToLower(removeSpaces(s))
}

func removeSpaces(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
