package vern

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// VisitorConsent is one cookie choice of an anonymous website visitor (S8),
// with the evidence ekomloven § 3-15 and GDPR Art. 7(1) ask for: which
// categories were accepted and refused, under which policy version and
// cookie text, when, from where, and whether the browser sent a Global
// Privacy Control signal. The choices of one visitor form a hash chain of
// their own, like a person's consent ledger (ConsentEvent), so that an
// edited or removed choice is found by verification.
type VisitorConsent struct {
	ID string `json:"id"`
	// VisitorID is the anonymous id the banner script chose at random; it
	// names a browser, not a person, until a link says otherwise.
	VisitorID string `json:"visitor_id"`
	// Seq is the choice's position in the visitor's chain, from 1.
	Seq int64 `json:"seq"`
	// Nonce is the id the script gave this one choice. It is unique, so
	// that a captured post cannot be replayed as a second choice.
	Nonce         string `json:"nonce"`
	PolicyVersion string `json:"policy_version"`
	// CookieHash is the hex SHA-256 of the cookie part of the policy the
	// visitor saw; when it changes, the banner asks again.
	CookieHash string `json:"cookie_hash"`
	// Granted and Refused are the consent-based cookie categories accepted
	// and refused, each sorted; together they name every such category of
	// the policy. Necessary categories need no consent and are in neither.
	Granted []string `json:"granted"`
	Refused []string `json:"refused"`
	// GPC is set when the browser sent a Global Privacy Control signal,
	// which Vern takes as an objection to remarketing (Art. 21(5)).
	GPC      bool   `json:"gpc"`
	Language string `json:"language,omitempty"`
	// Origin is the website the choice was made on.
	Origin    string    `json:"origin,omitempty"`
	PageURL   string    `json:"page_url,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	IPPrefix  string    `json:"ip_prefix,omitempty"`
	At        time.Time `json:"at"`
	PrevHash  []byte    `json:"prev_hash"`
	Hash      []byte    `json:"hash"`
}

// ComputeHash returns the choice's chain hash over the previous choice's
// hash and every field of this one (chain.go).
func (c *VisitorConsent) ComputeHash() []byte {
	gpc := "0"
	if c.GPC {
		gpc = "1"
	}
	return chainHash("vern-visitor-consent-v1", c.PrevHash, c.ID, c.VisitorID, strconv.FormatInt(c.Seq, 10), c.Nonce,
		c.PolicyVersion, c.CookieHash, strings.Join(c.Granted, ","), strings.Join(c.Refused, ","), gpc, c.Language,
		c.Origin, c.PageURL, c.UserAgent, c.IPPrefix, c.At.UTC().Format(time.RFC3339Nano))
}

func (c *VisitorConsent) links() (int64, []byte, []byte) { return c.Seq, c.PrevHash, c.Hash }

// Seal sets c's position after the visitor's newest choice (seq 0 and a nil
// hash for a visitor's first) and its hash.
func (c *VisitorConsent) Seal(prevSeq int64, prevHash []byte) {
	c.Seq, c.PrevHash = prevSeq+1, prevHash
	c.Hash = c.ComputeHash()
}

// Grants reports whether the choice accepted the cookie category key.
func (c *VisitorConsent) Grants(key string) bool {
	for _, g := range c.Granted {
		if g == key {
			return true
		}
	}
	return false
}

// VerifyVisitorChain checks one visitor's choices, oldest first, and returns
// the index of the first that does not follow from the one before it, or
// -1 when the chain is intact.
func VerifyVisitorChain(choices []*VisitorConsent) int { return verifyChain(choices) }

// ValidVisitorID reports whether id can be an anonymous visitor id or a
// choice nonce: 16 to 64 characters of base64url. Anything else (an email
// address, free text) is refused, so that the id cannot carry personal data.
func ValidVisitorID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// VisitorLink says that an anonymous visitor turned out to be a person,
// because the visitor identified itself through a form on the website.
type VisitorLink struct {
	VisitorID string    `json:"visitor_id"`
	PersonID  string    `json:"person_id"`
	Source    string    `json:"source"`
	At        time.Time `json:"at"`
}

// VisitorStore persists cookie choices of anonymous website visitors and
// their links to people. Choices are only ever appended.
type VisitorStore interface {
	// AppendVisitorConsent stores c. Returns ECONFLICT when the visitor
	// already has a choice at c.Seq (another writer appended first) or
	// the id or nonce is taken.
	AppendVisitorConsent(ctx context.Context, c *VisitorConsent) error
	// FindVisitorHead returns the Seq and Hash of the visitor's newest
	// choice. Returns ENOTFOUND when the visitor has none.
	FindVisitorHead(ctx context.Context, visitorID string) (seq int64, hash []byte, err error)
	// FindVisitorConsents returns a visitor's choices, oldest first.
	FindVisitorConsents(ctx context.Context, visitorID string) ([]*VisitorConsent, error)
	// FindVisitorConsentByNonce returns the choice with that nonce.
	// Returns ENOTFOUND.
	FindVisitorConsentByNonce(ctx context.Context, nonce string) (*VisitorConsent, error)
	// CountVisitorConsents returns how many choices are stored.
	CountVisitorConsents(ctx context.Context) (int, error)
	// LinkVisitor records that l.VisitorID is l.PersonID. Linking the
	// same pair again changes nothing. Returns ECONFLICT when the visitor
	// is already linked to another person, and ENOTFOUND when the person
	// does not exist.
	LinkVisitor(ctx context.Context, l *VisitorLink) error
	// FindVisitorLinks returns the visitors linked to a person, oldest first.
	FindVisitorLinks(ctx context.Context, personID string) ([]*VisitorLink, error)
	// FindVisitorLink returns the person a visitor is linked to.
	// Returns ENOTFOUND.
	FindVisitorLink(ctx context.Context, visitorID string) (*VisitorLink, error)
	// DeleteVisitorLinks removes every link to a person (on erasure), so
	// their visitors' choices are anonymous again, and returns how many
	// there were.
	DeleteVisitorLinks(ctx context.Context, personID string) (int, error)
	// FindIdleVisitors returns, in id order after after, up to limit
	// visitors linked to no person whose newest choice is before before.
	FindIdleVisitors(ctx context.Context, before time.Time, after string, limit int) ([]string, error)
	// DeleteVisitorConsents deletes every choice of those of visitorIDs
	// that are still idle since before and linked to no person (a choice
	// or a link that came since keeps the visitor), and returns how many
	// choices it deleted.
	DeleteVisitorConsents(ctx context.Context, visitorIDs []string, before time.Time) (int, error)
}
