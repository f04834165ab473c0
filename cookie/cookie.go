// Package cookie records the cookie choices of anonymous website visitors
// (S8, ekomloven § 3-15): which consent-based cookie categories of the
// policy a visitor accepted and refused, under which policy version and
// cookie text, with Global Privacy Control honoured, in a hash-chained
// ledger per visitor. It also links a visitor to a person once the visitor
// identifies itself, and tells the banner script what to ask.
package cookie

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/pii"
	"github.com/vernhq/vern/policy"
)

// PolicySource gives the policy in force; publish.Service implements it.
type PolicySource interface {
	Current() (*policy.Policy, *vern.PolicyVersion)
}

// Limits on what a banner may post.
const (
	// MaxBody bounds a posted choice, in bytes.
	MaxBody = 4 << 10
	// maxPageURL and maxUserAgent bound the evidence texts.
	maxPageURL   = 1024
	maxUserAgent = 512
)

// Config holds the service's collaborators and settings.
type Config struct {
	Store  vern.Store
	Policy PolicySource
	Clock  vern.Clock
	// Origins are the website origins (scheme://host[:port]) allowed to
	// post choices, besides Vern's own.
	Origins []string
}

// Service records cookie choices.
type Service struct {
	store   vern.Store
	policy  PolicySource
	clock   vern.Clock
	origins map[string]bool
	hash    atomic.Pointer[policyHash] // the cookie hash of the last policy seen
}

// policyHash caches CookieHash for one parsed policy.
type policyHash struct {
	p    *policy.Policy
	hash string
}

// cookieHash returns CookieHash(p), computed once per policy version.
func (s *Service) cookieHash(p *policy.Policy) string {
	if h := s.hash.Load(); h != nil && h.p == p {
		return h.hash
	}
	h := &policyHash{p: p, hash: CookieHash(p)}
	s.hash.Store(h)
	return h.hash
}

// New returns the cookie service. Origins that do not parse are left out;
// check them first with ParseOrigin.
func New(c Config) *Service {
	s := &Service{store: c.Store, policy: c.Policy, clock: c.Clock, origins: map[string]bool{}}
	for _, o := range c.Origins {
		if n, err := ParseOrigin(o); err == nil {
			s.origins[n] = true
		}
	}
	return s
}

// ParseOrigin returns o as a normalised origin, lower-case scheme://host[:port]
// without a path. Returns EINVALID for anything else.
func ParseOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", vern.Errorf(vern.EINVALID, "A site origin must look like https://www.example.com (scheme and host, no path).")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// AllowOrigin reports whether a browser on origin may post choices: a
// configured site, or self (Vern's own origin, for its own pages).
func (s *Service) AllowOrigin(origin, self string) bool {
	o, err := ParseOrigin(origin)
	if err != nil {
		return false
	}
	if sf, err := ParseOrigin(self); err == nil && o == sf {
		return true
	}
	return s.origins[o]
}

// Category is one cookie category as the banner shows it.
type Category struct {
	Key      string            `json:"key"`
	Title    map[string]string `json:"title"`
	Text     map[string]string `json:"text"`
	AlwaysOn bool              `json:"always_on,omitempty"`
	// Marketing categories are refused when the browser sends GPC.
	Marketing bool `json:"marketing,omitempty"`
	// ConsentMode lists the Google Consent Mode v2 parameters the
	// category grants (REFERENCE 6.2).
	ConsentMode []string `json:"consent_mode,omitempty"`
}

// Banner is everything the banner script needs: the categories and the
// version of the cookie text, which the stored choice is compared with.
type Banner struct {
	PolicyVersion string     `json:"policy_version"`
	CookieHash    string     `json:"cookie_hash"`
	Languages     []string   `json:"languages"`
	Default       string     `json:"default_language"`
	Categories    []Category `json:"categories"`
	PrivacyURL    string     `json:"privacy_url"`
}

// Banner returns what the banner shows under the current policy.
func (s *Service) Banner() (*Banner, error) {
	p, v := s.policy.Current()
	if p == nil {
		return nil, vern.Errorf(vern.ENOTFOUND, "No policy is published yet.")
	}
	b := &Banner{PolicyVersion: v.Version, CookieHash: s.cookieHash(p), Languages: p.Languages, Default: p.DefaultLanguage}
	for _, c := range p.CookieCategories() {
		b.Categories = append(b.Categories, Category{Key: c.Key, Title: c.Title, Text: c.Description, AlwaysOn: c.AlwaysOn,
			Marketing: marketing(p, c), ConsentMode: consentMode(p, c)})
	}
	return b, nil
}

// CookieHash is the hex SHA-256 of the cookie part of a policy: the
// categories and the notice's cookie section. A new policy version that
// leaves them alone keeps the visitors' choices; one that changes them
// makes the banner ask again.
func CookieHash(p *policy.Policy) string {
	b, _ := json.Marshal(struct { // marshalling maps and strings cannot fail
		Categories []*policy.CookieCategory `json:"categories"`
		Section    policy.Section           `json:"section"`
	}{p.CookieCategories(), p.Notice.Sections.Cookies})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// marketing reports whether a category gates a direct-marketing purpose,
// which a Global Privacy Control signal turns off.
func marketing(p *policy.Policy, c *policy.CookieCategory) bool {
	pu, ok := p.Purpose(c.Purpose)
	return ok && pu.DirectMarketing
}

// consentMode maps a category to Google Consent Mode v2 parameters:
// direct marketing to the three advertising ones, any other consent-based
// category to analytics_storage (REFERENCE 6.2).
func consentMode(p *policy.Policy, c *policy.CookieCategory) []string {
	switch {
	case c.AlwaysOn:
		return nil
	case marketing(p, c):
		return []string{"ad_storage", "ad_user_data", "ad_personalization"}
	default:
		return []string{"analytics_storage"}
	}
}

// Input is a choice as the banner posts it.
type Input struct {
	VisitorID string `json:"visitor_id" doc:"The anonymous visitor id the script chose (16-64 base64url characters)."`
	Nonce     string `json:"nonce" doc:"A fresh random id for this one choice; a second post with it is refused."`
	// CookieHash names the cookie text the visitor saw (Banner.CookieHash).
	CookieHash string   `json:"cookie_hash"`
	Granted    []string `json:"granted" doc:"The categories accepted; every other consent-based category is refused."`
	// GPC is navigator.globalPrivacyControl as the script read it.
	GPC      bool   `json:"gpc,omitempty"`
	Language string `json:"language,omitempty"`
	PageURL  string `json:"page_url,omitempty"`
}

// Context is what the server saw of the request besides the body.
type Context struct {
	// Origin is the Origin header; Self is Vern's own origin.
	Origin, Self string
	// SecGPC holds every Sec-GPC header value, one per header line.
	SecGPC    []string
	UserAgent string
	IP        string
}

// HeaderGPC applies the Sec-GPC rules of the GPC specification (REFERENCE
// 5, 11.23): the only meaningful value is exactly "1"; of several headers
// one "1" is enough; "0", "true" or "1, 1" in one header mean nothing.
func HeaderGPC(values []string) bool {
	return slices.Contains(values, "1")
}

var (
	errOrigin   = vern.Errorf(vern.EFORBIDDEN, "This website may not record cookie choices here.")
	errReplayed = vern.Errorf(vern.ECONFLICT, "This choice was already recorded.")
	errStale    = vern.Errorf(vern.ECONFLICT, "The cookie policy has changed; please choose again.")
)

// maxAppendTries bounds retries when two posts of one visitor race for the
// next position of its chain (PostgreSQL reports the clash as a conflict).
const maxAppendTries = 8

// Record stores a visitor's choice, durably, before it returns.
//
// Returns EFORBIDDEN for an origin not allowed; EINVALID naming the field
// for a bad visitor id or nonce, an unknown category, or evidence holding
// personal identifiers; ECONFLICT when the nonce was used before (a replay)
// or the choice was made under cookie text that is no longer current.
func (s *Service) Record(ctx context.Context, in Input, rc Context) (*vern.VisitorConsent, error) {
	if !s.AllowOrigin(rc.Origin, rc.Self) {
		return nil, errOrigin
	}
	p, v := s.policy.Current()
	if p == nil {
		return nil, vern.Errorf(vern.ENOTFOUND, "No policy is published yet.")
	}
	c := &vern.VisitorConsent{VisitorID: in.VisitorID, Nonce: in.Nonce, PolicyVersion: v.Version, CookieHash: s.cookieHash(p)}
	var fs vern.Fields
	if !vern.ValidVisitorID(in.VisitorID) {
		fs.Add("visitor_id", "invalid", "Must be 16 to 64 base64url characters.")
	}
	if !vern.ValidVisitorID(in.Nonce) {
		fs.Add("nonce", "invalid", "Must be 16 to 64 base64url characters.")
	}
	granted := map[string]bool{}
	for _, key := range in.Granted {
		cat, ok := p.CookieCategory(key)
		switch {
		case !ok:
			fs.Add("granted", "unknown_category", "The policy declares no such cookie category.")
		case !cat.AlwaysOn:
			granted[key] = true
		}
	}
	c.GPC = in.GPC || HeaderGPC(rc.SecGPC)
	c.Granted, c.Refused = []string{}, []string{}
	for _, cat := range p.CookieCategories() {
		switch {
		case cat.AlwaysOn:
		case granted[cat.Key] && !(c.GPC && marketing(p, cat)):
			c.Granted = append(c.Granted, cat.Key)
		default:
			c.Refused = append(c.Refused, cat.Key)
		}
	}
	slices.Sort(c.Granted)
	slices.Sort(c.Refused)
	switch l := in.Language; {
	case l == "":
		c.Language = p.DefaultLanguage
	case slices.Contains(p.Languages, l):
		c.Language = l
	default:
		fs.Add("language", "unknown_language", "The policy is not written in that language.")
	}
	c.Origin, _ = ParseOrigin(rc.Origin)
	c.PageURL = evidenceText(&fs, "page_url", in.PageURL, maxPageURL)
	c.UserAgent = evidenceText(&fs, "user_agent", rc.UserAgent, maxUserAgent)
	c.IPPrefix = vern.TruncateIP(rc.IP)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	if in.CookieHash != c.CookieHash {
		return nil, errStale
	}
	if err := s.append(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// evidenceText keeps an evidence text that is valid UTF-8 and carries no
// identifier Vern refuses to store (S5); a page URL keeps no query string,
// where forms put names and emails.
func evidenceText(fs *vern.Fields, field, s string, max int) string {
	if field == "page_url" {
		s, _, _ = strings.Cut(s, "?")
		s, _, _ = strings.Cut(s, "#")
	}
	switch {
	case len(s) > max:
		fs.Add(field, "too_long", fmt.Sprintf("At most %d bytes.", max))
	case !utf8.ValidString(s):
		fs.Add(field, "encoding", "Must be valid UTF-8 text.")
	default:
		if fnd, found := pii.Find(s); found {
			fs.Add(field, string(fnd.Kind), "Contains "+fnd.Kind.Description("en")+", which Vern never stores (privacy policy S5).")
			return ""
		}
		return s
	}
	return ""
}

// append links c after the visitor's newest choice and stores it.
func (s *Service) append(ctx context.Context, c *vern.VisitorConsent) error {
	var err error
	for range maxAppendTries {
		c.ID = vern.NewID("vcs", s.clock.Now())
		err = s.store.InTx(ctx, func(tx vern.Store) error {
			seq, hash, err := tx.FindVisitorHead(ctx, c.VisitorID)
			if err != nil && vern.ErrorCode(err) != vern.ENOTFOUND {
				return err
			}
			// Microseconds: PostgreSQL keeps no more, and the hash covers the time.
			c.At = s.clock.Now().UTC().Truncate(time.Microsecond)
			c.Seal(seq, hash)
			return tx.AppendVisitorConsent(ctx, c)
		})
		if vern.ErrorCode(err) != vern.ECONFLICT {
			break
		}
		// A conflict is a replay when the nonce is taken, else a race
		// with another post of the same visitor: try again after it.
		if _, ferr := s.store.FindVisitorConsentByNonce(ctx, c.Nonce); ferr == nil {
			return errReplayed
		}
	}
	if err != nil {
		return fmt.Errorf("record cookie choice: %w", err)
	}
	return nil
}

// Choices returns a visitor's choices, oldest first. Returns EINVALID for a
// malformed visitor id.
func (s *Service) Choices(ctx context.Context, visitorID string) ([]*vern.VisitorConsent, error) {
	if !vern.ValidVisitorID(visitorID) {
		return nil, vern.Invalid(vern.FieldError{Field: "visitor_id", Code: "invalid", Message: "Must be 16 to 64 base64url characters."})
	}
	return s.store.FindVisitorConsents(ctx, visitorID)
}

// Link records that a visitor is a person, because the visitor identified
// itself (source names how, such as web_form). Linking again is harmless.
//
// Returns EINVALID for a malformed visitor id, ENOTFOUND for an unknown
// person, and ECONFLICT when the visitor is linked to someone else.
func (s *Service) Link(ctx context.Context, visitorID, personID, source string) (*vern.VisitorLink, error) {
	var fs vern.Fields
	if !vern.ValidVisitorID(visitorID) {
		fs.Add("visitor_id", "invalid", "Must be 16 to 64 base64url characters.")
	}
	if source == "" {
		source = vern.ChannelWebForm
	} else if !vern.ValidChannel(source) {
		fs.Add("source", "unknown", "Unknown source channel; use one of "+strings.Join(vern.Channels, ", ")+".")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	l := &vern.VisitorLink{VisitorID: visitorID, PersonID: personID, Source: source, At: s.clock.Now().UTC().Truncate(time.Microsecond)}
	if err := s.store.LinkVisitor(ctx, l); err != nil {
		if c := vern.ErrorCode(err); c == vern.ENOTFOUND || c == vern.ECONFLICT {
			return nil, err
		}
		return nil, fmt.Errorf("link visitor: %w", err)
	}
	return l, nil
}

// PersonChoices returns the latest choice of every visitor linked to a
// person, for the person's own view in the privacy centre.
func (s *Service) PersonChoices(ctx context.Context, personID string) ([]*vern.VisitorConsent, error) {
	links, err := s.store.FindVisitorLinks(ctx, personID)
	if err != nil {
		return nil, err
	}
	var out []*vern.VisitorConsent
	for _, l := range links {
		cs, err := s.store.FindVisitorConsents(ctx, l.VisitorID)
		if err != nil {
			return nil, err
		}
		if len(cs) > 0 {
			out = append(out, cs[len(cs)-1])
		}
	}
	return out, nil
}
