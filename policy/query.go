package policy

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"slices"
)

//go:embed seed.yaml
var seed []byte

// Seed returns the example policy shipped with Vern: the privacy notice of
// Mementor AS encoded as a policy file. The caller owns the returned slice.
func Seed() []byte { return slices.Clone(seed) }

// Hash returns the SHA-256 of the policy's source bytes as lowercase hex. It
// identifies a policy version: any edit of the file, even of a comment,
// changes it.
func (p *Policy) Hash() string { return p.hash }

// Bytes returns a copy of the source the policy was parsed from, so that a
// published version can be stored exactly as written.
func (p *Policy) Bytes() []byte { return slices.Clone(p.src) }

// Warnings returns facts the policy leaves open that a privacy officer
// should resolve, such as a processor without a signed agreement or a
// recipient whose country is unknown. They do not make the policy invalid.
func (p *Policy) Warnings() []Problem { return slices.Clone(p.warnings) }

// Purpose returns the purpose with the given key.
func (p *Policy) Purpose(key string) (*Purpose, bool) {
	x, ok := p.purposeByKey[key]
	return x, ok
}

// Purposes returns all purposes in file order.
func (p *Policy) Purposes() []*Purpose { return slices.Clone(p.purposes) }

// PurposesWithBasis returns the purposes relying on b, in file order.
func (p *Policy) PurposesWithBasis(b LegalBasis) []*Purpose {
	var out []*Purpose
	for _, x := range p.purposes {
		if x.HasBasis(b) {
			out = append(out, x)
		}
	}
	return out
}

// ObjectionScope returns the purpose keys an objection with the given scope
// covers. A purpose key covers itself; a scope such as "direct_marketing"
// covers its members. ok is false for an unknown key.
func (p *Policy) ObjectionScope(key string) (purposes []string, ok bool) {
	if _, ok := p.purposeByKey[key]; ok {
		return []string{key}, true
	}
	if s, ok := p.scopeByKey[key]; ok {
		return slices.Clone(s.Purposes), true
	}
	return nil, false
}

// ObjectionScopes returns the named objection scopes in file order.
func (p *Policy) ObjectionScopes() []*ObjectionScope { return slices.Clone(p.scopes) }

// DataCategory returns the data category with the given key.
func (p *Policy) DataCategory(key string) (*DataCategory, bool) {
	c, ok := p.categoryByKey[key]
	return c, ok
}

// DataCategories returns all data categories in file order.
func (p *Policy) DataCategories() []*DataCategory { return slices.Clone(p.categories) }

// CategoryOfField returns the data category a registry field belongs to, so
// that a field such as "email" can be tagged with its category.
func (p *Policy) CategoryOfField(field string) (*DataCategory, bool) {
	c, ok := p.categoryField[field]
	return c, ok
}

// NeverCollected returns the kinds of data the company never stores.
func (p *Policy) NeverCollected() []*NeverCollected { return slices.Clone(p.neverCollected) }

// Sources returns the ways data reaches the company, in file order.
func (p *Policy) Sources() []*Source { return slices.Clone(p.sources) }

// CookieCategories returns the cookie categories in file order.
func (p *Policy) CookieCategories() []*CookieCategory { return slices.Clone(p.cookies) }

// CookieCategory returns the cookie category with the given key.
func (p *Policy) CookieCategory(key string) (*CookieCategory, bool) {
	c, ok := p.cookieByKey[key]
	return c, ok
}

// Recipient returns the recipient with the given key.
func (p *Policy) Recipient(key string) (*Recipient, bool) {
	r, ok := p.recipientByKey[key]
	return r, ok
}

// Recipients returns all recipients in file order.
func (p *Policy) Recipients() []*Recipient { return slices.Clone(p.recipients) }

// RetentionRules returns the retention rules in file order.
func (p *Policy) RetentionRules() []*RetentionRule { return slices.Clone(p.retention) }

// RetentionRulesFor returns the rules that apply to data of category under
// purpose, in file order. An empty purpose matches rules of every purpose.
func (p *Policy) RetentionRulesFor(purpose, category string) []*RetentionRule {
	var out []*RetentionRule
	for _, r := range p.retention {
		if purpose != "" && len(r.Purposes) > 0 && !slices.Contains(r.Purposes, purpose) {
			continue
		}
		if slices.Contains(p.ruleCategories(r), category) {
			out = append(out, r)
		}
	}
	return out
}

// ruleCategories returns the categories a rule covers: its own list, or
// every category its purposes use.
func (p *Policy) ruleCategories(r *RetentionRule) []string {
	if len(r.Categories) > 0 {
		return r.Categories
	}
	var out []string
	for _, key := range r.Purposes {
		if pu, ok := p.purposeByKey[key]; ok {
			for _, c := range pu.Categories {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// Text returns t in lang, falling back to the policy's default language so
// that callers with an unsupported language still get a text.
func (p *Policy) Text(t Text, lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	return t[p.DefaultLanguage]
}

// PrivacyEmail returns the address for privacy questions: the privacy
// contact's, or the controller's when no separate contact is set.
func (p *Policy) PrivacyEmail() string {
	if p.Controller.PrivacyContact.Email != "" {
		return p.Controller.PrivacyContact.Email
	}
	return p.Controller.Email
}

// RightsEmail returns the address for data-subject requests.
func (p *Policy) RightsEmail() string {
	if p.Rights.Contact != "" {
		return p.Rights.Contact
	}
	return p.PrivacyEmail()
}

// MarshalJSON encodes the whole policy, including the collections that are
// only reachable through methods, for the /v1/policy endpoint.
func (p *Policy) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Version         string            `json:"version"`
		Hash            string            `json:"hash"`
		PublishedAt     string            `json:"published_at"`
		Languages       []string          `json:"languages"`
		DefaultLanguage string            `json:"default_language"`
		Change          *Change           `json:"change,omitempty"`
		Controller      Controller        `json:"controller"`
		Authority       Authority         `json:"authority"`
		Sources         []*Source         `json:"sources"`
		DataCategories  []*DataCategory   `json:"data_categories"`
		NeverCollected  []*NeverCollected `json:"never_collected"`
		Purposes        []*Purpose        `json:"purposes"`
		ObjectionScopes []*ObjectionScope `json:"objection_scopes"`
		Recipients      []*Recipient      `json:"recipients"`
		Retention       []*RetentionRule  `json:"retention"`
		Cookies         []*CookieCategory `json:"cookies"`
		Rights          Rights            `json:"rights"`
		Notice          Notice            `json:"notice"`
	}{
		p.Version, p.hash, p.PublishedAt.Format(dateLayout), p.Languages, p.DefaultLanguage, p.Change,
		p.Controller, p.Authority, p.sources, p.categories, p.neverCollected, p.purposes, p.scopes,
		p.recipients, p.retention, p.cookies, p.Rights, p.Notice,
	})
}

func hashOf(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}
