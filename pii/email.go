package pii

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrInvalidEmail is returned, wrapped with a reason, for an address NormalizeEmail refuses. Neither it nor
// the reason ever contains the input, which may be a national identity number typed into the wrong field.
var ErrInvalidEmail = errors.New("pii: invalid email address")

// Length limits from RFC 5321: 64 octets for the local part, and 254 for the whole address because a
// forward-path holds at most 256 octets including the angle brackets.
const (
	maxLocalLen = 64
	maxEmailLen = 254
)

// emailDomain converts domains to their ASCII (punycode) form. MapForLookup folds case and width the way
// resolvers do, StrictDomainName keeps hostnames to letters, digits and hyphens, and VerifyDNSLength
// enforces the 63/253 octet limits. Non-transitional processing keeps "ß" and the like as themselves.
var emailDomain = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// NormalizeEmail returns the canonical form of an e-mail address: surrounding white space removed, the local
// part lower-cased, and the domain converted to lower-case ASCII, with internationalised labels in punycode
// ("ola@blåbær.no" becomes "ola@xn--blbr-roah.no"). The canonical form is what Vern stores, compares and
// hashes, so NormalizeEmail is idempotent.
//
// Only the common dot-atom syntax is accepted: quoted local parts, comments and IP-literal domains are
// rejected, as is a domain without a dot. Errors wrap ErrInvalidEmail.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", emailError("empty")
	}
	if len(s) > 4*maxEmailLen {
		// Bound the work done on hostile input before any Unicode processing.
		return "", emailError("too long")
	}
	if !utf8.ValidString(s) {
		return "", emailError("not valid UTF-8")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", emailError("missing @")
	}
	local, domain := strings.ToLower(s[:at]), s[at+1:]
	if reason := checkLocal(local); reason != "" {
		return "", emailError(reason)
	}
	ascii, reason := asciiDomain(domain)
	if reason != "" {
		return "", emailError(reason)
	}
	out := local + "@" + ascii
	if len(out) > maxEmailLen {
		return "", emailError("address too long")
	}
	return out, nil
}

func emailError(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidEmail, reason)
}

// checkLocal validates a lower-cased dot-atom local part and returns the reason it is refused, or "".
// Besides the RFC 5322 atext characters, letters, digits and marks from outside ASCII are accepted
// (RFC 6531); spaces, controls and other symbols are not.
func checkLocal(local string) string {
	switch {
	case local == "":
		return "empty local part"
	case len(local) > maxLocalLen:
		return "local part too long"
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "misplaced dot in local part"
	}
	for _, r := range local {
		if r < utf8.RuneSelf {
			if !isAtext(byte(r)) && r != '.' {
				return "invalid character in local part"
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return "invalid character in local part"
		}
	}
	return ""
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// asciiDomain converts domain to lower-case ASCII and returns the reason it is refused, or "". The idna
// package's errors quote the input, so they are replaced by fixed reasons rather than wrapped.
func asciiDomain(domain string) (string, string) {
	if domain == "" {
		return "", "empty domain"
	}
	ascii, err := emailDomain.ToASCII(domain)
	if err != nil {
		return "", "invalid domain"
	}
	ascii = strings.ToLower(ascii)
	// Converting the result again must change nothing; otherwise a second normalisation could give a
	// different address (or fail), and stored addresses would stop matching their own canonical form.
	if again, err := emailDomain.ToASCII(ascii); err != nil || again != ascii {
		return "", "invalid domain"
	}
	dot := strings.LastIndexByte(ascii, '.')
	switch {
	case dot < 0:
		return "", "domain has no dot"
	case dot == len(ascii)-1:
		return "", "domain ends with a dot"
	}
	tld := ascii[dot+1:]
	if strings.TrimLeft(tld, "0123456789") == "" {
		return "", "domain is an IP address"
	}
	return ascii, ""
}
