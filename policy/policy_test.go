package policy_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/policy"
)

// mustParseSeed parses the embedded seed and fails on any problem.
func mustParseSeed(tb testing.TB) *policy.Policy {
	tb.Helper()
	p, err := policy.Parse(policy.Seed())
	if err != nil {
		tb.Fatalf("Parse(Seed()): %v", err)
	}
	return p
}

func TestSeedParses(t *testing.T) {
	p := mustParseSeed(t)
	if p.Version != "2023-06-27" {
		t.Errorf("Version = %q, want 2023-06-27", p.Version)
	}
	if want := time.Date(2023, 6, 27, 0, 0, 0, 0, time.UTC); !p.PublishedAt.Equal(want) {
		t.Errorf("PublishedAt = %v, want %v", p.PublishedAt, want)
	}
	if diff := cmp.Diff([]string{"nb", "en"}, p.Languages); diff != "" {
		t.Errorf("Languages mismatch (-want +got):\n%s", diff)
	}
	if p.DefaultLanguage != "nb" {
		t.Errorf("DefaultLanguage = %q, want nb", p.DefaultLanguage)
	}
	c := p.Controller
	if c.Name != "Mementor AS" || c.OrgNumber != "915213049" || c.Email != "hjelp@mementor.no" || c.Address.City != "Oslo" {
		t.Errorf("Controller = %+v, want Mementor AS, 915213049, hjelp@mementor.no in Oslo", c)
	}
	if got := p.Authority.Name.Get("nb"); got != "Datatilsynet" {
		t.Errorf("Authority name = %q, want Datatilsynet", got)
	}
}

// TestSeedWarnings pins the facts the published notice leaves open: no
// agreement dates and no countries. Resolving one must update this list.
func TestSeedWarnings(t *testing.T) {
	var got []string
	for _, w := range mustParseSeed(t).Warnings() {
		got = append(got, w.Path+": "+w.Message)
	}
	want := []string{
		`recipients[0]: recipient "service_providers": country not stated, so transfers outside the EEA cannot be checked`,
		`recipients[0].dpa: recipient "service_providers": no signed data processing agreement (Art. 28(3))`,
		`recipients[1]: recipient "google": country not stated, so transfers outside the EEA cannot be checked`,
		`recipients[1].dpa: recipient "google": no signed data processing agreement (Art. 28(3))`,
		`recipients[2]: recipient "linkedin": country not stated, so transfers outside the EEA cannot be checked`,
		`recipients[2].dpa: recipient "linkedin": no signed data processing agreement (Art. 28(3))`,
		`recipients[3]: recipient "product_partners": country not stated, so transfers outside the EEA cannot be checked`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Warnings() mismatch (-want +got):\n%s", diff)
	}
}

// TestSeedPurposes checks the purpose keys and legal bases API.md fixes.
func TestSeedPurposes(t *testing.T) {
	type purpose struct {
		Key             string
		Bases           []policy.LegalBasis
		Cookie          string
		DirectMarketing bool
	}
	want := []purpose{
		{"newsletter", []policy.LegalBasis{policy.BasisConsent}, "", true},
		{"customer_updates", []policy.LegalBasis{policy.BasisLegitimateInterest}, "", true},
		{"sales_contact", []policy.LegalBasis{policy.BasisLegitimateInterest}, "", true},
		{"event_info", []policy.LegalBasis{policy.BasisContract}, "", false},
		{"inquiries", []policy.LegalBasis{policy.BasisLegitimateInterest}, "", false},
		{"documents", []policy.LegalBasis{policy.BasisContract, policy.BasisLegalObligation}, "", false},
		{"service_info", []policy.LegalBasis{policy.BasisContract}, "", false},
		{"surveys", []policy.LegalBasis{policy.BasisLegitimateInterest}, "", true},
		{"statistics", []policy.LegalBasis{policy.BasisConsent}, "statistics", false},
		{"remarketing", []policy.LegalBasis{policy.BasisConsent}, "remarketing", true},
	}
	var got []purpose
	for _, p := range mustParseSeed(t).Purposes() {
		got = append(got, purpose{p.Key, p.LegalBasis, p.CookieCategory, p.DirectMarketing})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Purposes() mismatch (-want +got):\n%s", diff)
	}
}

func TestPurpose(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct {
		name   string
		key    string
		wantOK bool
		want   string
	}{
		{"known", "newsletter", true, "Nyhetsbrev"},
		{"unknown", "telemarketing", false, ""},
		{"scope is not a purpose", "direct_marketing", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pu, ok := p.Purpose(tt.key)
			if ok != tt.wantOK {
				t.Fatalf("Purpose(%q) ok = %v, want %v", tt.key, ok, tt.wantOK)
			}
			if ok && pu.Title.Get("nb") != tt.want {
				t.Errorf("Purpose(%q) title = %q, want %q", tt.key, pu.Title.Get("nb"), tt.want)
			}
		})
	}
}

func TestObjectionScope(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct {
		name   string
		key    string
		want   []string
		wantOK bool
	}{
		{"direct marketing", "direct_marketing", []string{"newsletter", "customer_updates", "sales_contact", "surveys", "remarketing"}, true},
		{"a purpose covers itself", "inquiries", []string{"inquiries"}, true},
		{"a consent purpose covers itself", "statistics", []string{"statistics"}, true},
		{"unknown", "profiling", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.ObjectionScope(tt.key)
			if ok != tt.wantOK {
				t.Fatalf("ObjectionScope(%q) ok = %v, want %v", tt.key, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ObjectionScope(%q) mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
	// Every member of the scope must be a purpose marked direct_marketing.
	members, _ := p.ObjectionScope("direct_marketing")
	for _, k := range members {
		if pu, ok := p.Purpose(k); !ok || !pu.DirectMarketing {
			t.Errorf("scope member %q is not a direct-marketing purpose", k)
		}
	}
}

func TestCookieCategories(t *testing.T) {
	p := mustParseSeed(t)
	type cookie struct {
		Key      string
		AlwaysOn bool
		Purpose  string
		Tools    []string
	}
	var got []cookie
	for _, c := range p.CookieCategories() {
		var tools []string
		for _, tl := range c.Tools {
			tools = append(tools, tl.Recipient)
		}
		got = append(got, cookie{c.Key, c.AlwaysOn, c.Purpose, tools})
	}
	want := []cookie{
		{"necessary", true, "", nil},
		{"statistics", false, "statistics", nil}, // the seed names no statistics tool
		{"remarketing", false, "remarketing", []string{"google", "linkedin"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CookieCategories() mismatch (-want +got):\n%s", diff)
	}
	if _, ok := p.CookieCategory("marketing"); ok {
		t.Error(`CookieCategory("marketing") ok = true, want false`)
	}
}

func TestRecipient(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct {
		key       string
		wantRole  policy.Role
		wantDPA   policy.DPAStatus
		wantFound bool
	}{
		{"google", policy.RoleProcessor, policy.DPAMissing, true},
		{"linkedin", policy.RoleProcessor, policy.DPAMissing, true},
		{"service_providers", policy.RoleProcessor, policy.DPAMissing, true},
		{"product_partners", policy.RolePartner, "", true},
		{"authorities", policy.RoleAuthority, "", true},
		{"facebook", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r, ok := p.Recipient(tt.key)
			if ok != tt.wantFound {
				t.Fatalf("Recipient(%q) ok = %v, want %v", tt.key, ok, tt.wantFound)
			}
			if !ok {
				return
			}
			var dpa policy.DPAStatus
			if r.DPA != nil {
				dpa = r.DPA.Status
			}
			if r.Role != tt.wantRole || dpa != tt.wantDPA || r.Country != "" {
				t.Errorf("Recipient(%q) = role %q, dpa %q, country %q; want %q, %q and no country", tt.key, r.Role, dpa, r.Country, tt.wantRole, tt.wantDPA)
			}
		})
	}
}

func TestRetentionRules(t *testing.T) {
	p := mustParseSeed(t)
	type rule struct {
		Key, Period   string
		Anchor        policy.Anchor
		Action        policy.Action
		Hold, HoldLaw string
		HoldAnchor    policy.Anchor
	}
	var got []rule
	for _, r := range p.RetentionRules() {
		x := rule{Key: r.Key, Period: r.Period.String(), Anchor: r.Anchor, Action: r.Action}
		if h := r.LegalHold; h != nil {
			x.Hold, x.HoldLaw, x.HoldAnchor = h.Period.String(), h.Law, h.Anchor
		}
		got = append(got, x)
	}
	fye := policy.AnchorFinancialYearEnd
	want := []rule{
		{Key: "prospects", Period: "P24M", Anchor: policy.AnchorLastInteraction, Action: policy.ActionDelete},
		{Key: "web_activity_ip", Period: "P7D", Anchor: policy.AnchorCollected, Action: policy.ActionTruncateIP},
		{Key: "web_activity", Period: "P13M", Anchor: policy.AnchorCollected, Action: policy.ActionDelete},
		{Key: "newsletter_unsubscribed", Period: "P30D", Anchor: policy.AnchorConsentWithdrawn, Action: policy.ActionDelete},
		{Key: "remarketing_withdrawn", Period: "P30D", Anchor: policy.AnchorConsentWithdrawn, Action: policy.ActionDelete},
		{Key: "customers", Period: "P3Y", Anchor: policy.AnchorContractEnd, Action: policy.ActionDelete},
		{Key: "events", Period: "P6M", Anchor: policy.AnchorLastInteraction, Action: policy.ActionDelete},
		{Key: "inquiries", Period: "P12M", Anchor: policy.AnchorLastInteraction, Action: policy.ActionDelete},
		{Key: "surveys", Period: "P12M", Anchor: policy.AnchorCollected, Action: policy.ActionAnonymise},
		{Key: "accounting_primary", Period: "P5Y", Anchor: fye, Action: policy.ActionDelete, Hold: "P5Y", HoldLaw: "bokføringsloven § 13", HoldAnchor: fye},
		{Key: "accounting_secondary", Period: "P4Y6M", Anchor: policy.AnchorContractEnd, Action: policy.ActionDelete, Hold: "P3Y6M", HoldLaw: "bokføringsloven § 13", HoldAnchor: fye},
		{Key: "consent_records", Period: "P3Y", Anchor: policy.AnchorConsentWithdrawn, Action: policy.ActionDelete},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RetentionRules() mismatch (-want +got):\n%s", diff)
	}
}

func TestRetentionRulesFor(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct {
		purpose, category string
		want              []string
	}{
		{"sales_contact", "contact", []string{"prospects"}},
		{"statistics", "web_activity", []string{"web_activity_ip", "web_activity"}},
		{"documents", "accounting_documents", []string{"accounting_primary"}},
		{"", "contact", []string{"prospects", "newsletter_unsubscribed", "remarketing_withdrawn", "customers", "events", "inquiries", "surveys"}},
		{"newsletter", "web_activity", []string{"web_activity_ip", "web_activity"}},
	}
	for _, tt := range tests {
		t.Run(tt.purpose+"/"+tt.category, func(t *testing.T) {
			var got []string
			for _, r := range p.RetentionRulesFor(tt.purpose, tt.category) {
				got = append(got, r.Key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RetentionRulesFor(%q, %q) mismatch (-want +got):\n%s", tt.purpose, tt.category, diff)
			}
		})
	}
}

func TestCategoryOfField(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct{ field, want string }{
		{"first_name", "contact"},
		{"email", "contact"},
		{"organization", "organization"},
		{"interaction_text", "interactions"},
		{"ip_address", "web_activity"},
		{"invoice", "accounting_documents"},
		{"national_id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			var got string
			if c, ok := p.CategoryOfField(tt.field); ok {
				got = c.Key
			}
			if got != tt.want {
				t.Errorf("CategoryOfField(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestNeverCollected(t *testing.T) {
	var kinds []policy.NeverKind
	var ids []string
	for _, n := range mustParseSeed(t).NeverCollected() {
		kinds = append(kinds, n.Kind)
		ids = append(ids, n.Identifiers...)
	}
	if diff := cmp.Diff([]policy.NeverKind{policy.NeverIdentifier, policy.NeverSpecialCategory}, kinds); diff != "" {
		t.Errorf("NeverCollected kinds mismatch (-want +got):\n%s", diff)
	}
	if !slices.Contains(ids, "no_fodselsnummer") || !slices.Contains(ids, "no_d_number") {
		t.Errorf("identifiers %v lack the Norwegian national ID numbers", ids)
	}
}

func TestText(t *testing.T) {
	p := mustParseSeed(t)
	title := p.Notice.Title
	tests := []struct{ lang, want string }{
		{"nb", "Personvernerklæring"},
		{"en", "Privacy notice"},
		{"de", "Personvernerklæring"}, // falls back to the default language
	}
	for _, tt := range tests {
		if got := p.Text(title, tt.lang); got != tt.want {
			t.Errorf("Text(title, %q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
	if got := p.RightsEmail(); got != "hjelp@mementor.no" {
		t.Errorf("RightsEmail() = %q, want hjelp@mementor.no", got)
	}
}

func TestHash(t *testing.T) {
	src := policy.Seed()
	a, b := mustParseSeed(t), mustParseSeed(t)
	sum := sha256.Sum256(src)
	want := hex.EncodeToString(sum[:])
	if a.Hash() != want || b.Hash() != want {
		t.Errorf("Hash() = %q and %q, want %q for both parses", a.Hash(), b.Hash(), want)
	}
	// A change that does not alter the meaning still changes the hash: the
	// hash identifies the file as published.
	edited := append(policy.Seed(), []byte("\n# reviewed\n")...)
	c, err := policy.Parse(edited)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash() == want {
		t.Error("Hash() unchanged after editing the file")
	}
	if diff := cmp.Diff(src, a.Bytes()); diff != "" {
		t.Errorf("Bytes() mismatch (-want +got):\n%s", diff)
	}
}

// TestSeedIsACopy guards the embedded seed against callers that modify
// the returned slice.
func TestSeedIsACopy(t *testing.T) {
	s := policy.Seed()
	s[0] = 'X'
	if policy.Seed()[0] == 'X' {
		t.Error("Seed() returned the embedded slice itself")
	}
}

func TestMarshalJSON(t *testing.T) {
	p := mustParseSeed(t)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version     string `json:"version"`
		PublishedAt string `json:"published_at"`
		Purposes    []struct {
			Key        string   `json:"key"`
			LegalBasis []string `json:"legal_basis"`
		} `json:"purposes"`
		Retention []struct {
			Period string `json:"period"`
		} `json:"retention"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "2023-06-27" || got.PublishedAt != "2023-06-27" || len(got.Purposes) != 10 {
		t.Errorf("JSON = version %q, published_at %q, %d purposes; want 2023-06-27, 2023-06-27, 10", got.Version, got.PublishedAt, len(got.Purposes))
	}
	if got.Purposes[5].Key != "documents" || strings.Join(got.Purposes[5].LegalBasis, ",") != "contract,legal_obligation" {
		t.Errorf("JSON purposes[5] = %+v, want documents with contract,legal_obligation", got.Purposes[5])
	}
	if got.Retention[0].Period != "P24M" {
		t.Errorf("JSON retention[0].period = %q, want P24M", got.Retention[0].Period)
	}
}
