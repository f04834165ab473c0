package policy_test

import (
	"testing"

	"github.com/vernhq/vern/policy"
)

// compactPolicy is a small policy that uses every section and most checks.
// FuzzParse overwrites short stretches of it, which reaches validation and
// rendering with inputs that stay small: Go's fuzzer minimizes every new
// interesting input in time quadratic in its length, so a multi-kilobyte
// input (let alone the 40 KB seed) would stall a whole fuzzing run.
const compactPolicy = `version: "1"
published_at: 2024-01-31
languages: [en]
default_language: en
controller: {name: Example AS, org_number: "915213049", address: {street: Gate 1, postal_code: "0150", city: Oslo, country: "NO"}, email: privacy@example.com}
authority: {name: Datatilsynet, website: "https://www.datatilsynet.no", address: {street: Box 1, postal_code: "0105", city: Oslo, country: "NO"}}
sources: [{key: web, channels: [web_form], text: {en: Forms.}}]
data_categories:
  - {key: contact, personal: true, fields: [email, ip_address], title: {en: Contact}, description: {en: Email.}}
  - {key: totals, personal: false, fields: [total], title: {en: Totals}, description: {en: Sums.}}
never_collected: [{key: ids, kind: identifier, title: {en: IDs}, identifiers: [no_fodselsnummer]}]
purposes:
  - {key: news, title: {en: News}, description: {en: News.}, legal_basis: consent, direct_marketing: true, categories: [contact], opt_out: [unsubscribe_link]}
  - {key: stats, title: {en: Stats}, description: {en: Stats.}, legal_basis: [consent], cookie_category: stats, categories: [contact, totals], opt_out: [cookie_settings]}
  - {key: sales, title: {en: Sales}, description: {en: Sales.}, legal_basis: [legitimate_interest], interest: {en: Selling.}, direct_marketing: false, categories: [contact]}
objection_scopes: [{key: direct_marketing, title: {en: direct marketing}, purposes: [news]}]
recipients:
  - {key: ads, name: Ads Inc, role: processor, categories: [contact], purposes: [stats], country: US, transfer_basis: scc, dpa: {status: signed, signed_at: 2024-01-01, expires_at: 2025-01-01}}
  - {key: tax, name: {en: Tax office}, role: authority, categories: [contact]}
retention:
  - {key: all, title: {en: All}, categories: [contact], period: P1Y2M3W4DT5H, anchor: collected, action: delete}
  - {key: ip, title: {en: IP}, categories: [contact], period: P7D, anchor: collected, action: truncate_ip}
  - {key: news, title: {en: News}, purposes: [news], categories: [contact], period: P30D, anchor: consent_withdrawn, action: anonymise, legal_hold: {name: {en: Hold}, law: Act § 1, period: P4W, anchor: collected}}
cookies:
  - {key: necessary, always_on: true, title: {en: Necessary}, description: {en: Needed.}}
  - {key: stats, purpose: stats, title: {en: Stats}, description: {en: Stats.}, notice: {en: We count.}, tools: [{name: Ads, recipient: ads}]}
rights: {contact: rights@example.com, items: [{key: access, text: {en: a}}, {key: rectification, text: {en: r}}, {key: erasure, text: {en: e}}, {key: withdrawal, text: {en: w}}, {key: portability, text: {en: p}}, {key: restriction, text: {en: r}}, {key: objection, text: {en: o}}]}
notice:
  title: {en: Privacy}
  scope: {en: "All of {controller}."}
  sections: {collection: {heading: {en: C}}, purposes: {heading: {en: P}}, categories: {heading: {en: D}}, never_collected: {heading: {en: N}}, retention: {heading: {en: R}}, sharing: {heading: {en: S}}, cookies: {heading: {en: K}}, legal_bases: {heading: {en: B}}, rights: {heading: {en: Y}, after: {en: "Write {rights_email}."}}, changes: {heading: {en: H}}, last_updated: {heading: {en: U}, text: {en: "{published_at}, {version}"}}, complaints: {heading: {en: Q}, text: {en: "{authority} or {privacy_email}"}}, contact: {heading: {en: Z}}}
  legal_bases: {consent: {heading: {en: Consent}}, legitimate_interest: {heading: {en: LI}}}
`

func TestCompactPolicyIsValid(t *testing.T) {
	p, err := policy.Parse([]byte(compactPolicy))
	if err != nil {
		t.Fatalf("Parse(compactPolicy): %v", err)
	}
	if _, err := p.Render("en"); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse checks that Parse never panics, that a rejected file always
// comes with problems, and that an accepted file renders. Each run parses
// src on its own, and compactPolicy with repl written over it at offset at.
func FuzzParse(f *testing.F) {
	f.Add("", uint(0), "")
	f.Add("version: x\n", uint(17), "2")
	f.Add("- a\n- b\n", uint(4000), "x")
	f.Add("a: &x [*x, *x]\nb: *x\n", uint(120), "P1")
	f.Add("version: x\n---\nversion: y\n", uint(1300), "stat")
	f.Add("purposes:\n  - key: a\n    legal_basis: consent\n  - ~\n  - [1]\n", uint(1800), "  - ~\n")
	f.Add("retention:\n  - {key: r, period: P1Y2M3W4DT5H6M7S, anchor: collected, action: delete}\n", uint(2400), "P2D")
	f.Add("recipients: [{key: r, role: processor, country: US, dpa: {status: signed, signed_at: 2024-02-30}}]\n", uint(1650), "NO")
	f.Add("notice: {title: {nb: \"{x} {controller}\"}}\nlanguages: [nb, nb, xx]\n", uint(3000), "{")
	f.Fuzz(func(t *testing.T, src string, at uint, repl string) {
		checkParse(t, src)
		i := int(at % uint(len(compactPolicy)+1))
		j := min(i+len(repl), len(compactPolicy))
		checkParse(t, compactPolicy[:i]+repl+compactPolicy[j:])
	})
}

func checkParse(t *testing.T, src string) {
	p, err := policy.Parse([]byte(src))
	if err != nil {
		if p != nil {
			t.Fatal("Parse returned both a policy and an error")
		}
		probs, ok := err.(*policy.Problems)
		if !ok || len(probs.List) == 0 {
			t.Fatalf("Parse error %T %v carries no problems", err, err)
		}
		for _, pr := range probs.List {
			if pr.Message == "" {
				t.Fatalf("problem without a message: %+v", pr)
			}
		}
		return
	}
	for _, lang := range p.Languages {
		if _, err := p.Render(lang); err != nil {
			t.Fatalf("Render(%q) of an accepted policy: %v", lang, err)
		}
	}
}
