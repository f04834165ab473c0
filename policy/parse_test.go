package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/policy"
)

// mutate returns the seed with old replaced by new; old must occur exactly
// once so that a later edit of the seed cannot silently retarget a test.
func mutate(tb testing.TB, old, new string) string {
	tb.Helper()
	src := string(policy.Seed())
	if n := strings.Count(src, old); n != 1 {
		tb.Fatalf("mutate: %q occurs %d times in the seed, want 1", old, n)
	}
	return strings.Replace(src, old, new, 1)
}

// lineOf returns the 1-based line of marker, which must occur exactly once.
// A marker may start with context: the line is then the one where the text
// after "»" starts, so that repeated lines can be told apart.
func lineOf(tb testing.TB, src, marker string) int {
	tb.Helper()
	before, after, found := strings.Cut(marker, "»")
	if !found {
		before, after = "", marker
	}
	if n := strings.Count(src, before+after); n != 1 {
		tb.Fatalf("lineOf: %q occurs %d times, want 1", before+after, n)
	}
	i := strings.Index(src, before+after) + len(before)
	return strings.Count(src[:i], "\n") + 1
}

// wantProblem is an expected problem: the line holding marker, the path,
// and a substring of the message.
type wantProblem struct {
	marker, path, msg string
}

type located struct {
	Line int
	Path string
}

// problemsOf parses src and returns its problems, failing if it is valid.
func problemsOf(tb testing.TB, src string) []policy.Problem {
	tb.Helper()
	p, err := policy.Parse([]byte(src))
	if err == nil {
		tb.Fatal("Parse succeeded, want problems")
	}
	if p != nil {
		tb.Error("Parse returned a policy together with an error")
	}
	var probs *policy.Problems
	if !errors.As(err, &probs) {
		tb.Fatalf("Parse error is %T, want *policy.Problems", err)
	}
	return probs.List
}

func checkProblems(t *testing.T, src string, got []policy.Problem, want []wantProblem) {
	t.Helper()
	var wantLoc, gotLoc []located
	for _, w := range want {
		wantLoc = append(wantLoc, located{lineOf(t, src, w.marker), w.path})
	}
	for _, g := range got {
		gotLoc = append(gotLoc, located{g.Line, g.Path})
	}
	if diff := cmp.Diff(wantLoc, gotLoc); diff != "" {
		t.Fatalf("problem locations mismatch (-want +got):\n%s\nall problems:\n%s", diff, (&policy.Problems{List: got}).Error())
	}
	for i, w := range want {
		if !strings.Contains(got[i].Message, w.msg) {
			t.Errorf("problem %d message = %q, want it to contain %q", i, got[i].Message, w.msg)
		}
	}
}

const extraRecipient = `  - key: google # duplicate
    role: processor
    name: Google Ireland
    categories: [contact]
    dpa: {status: missing}

  - key: linkedin
`

const extraPurpose = `  - key: event_info # duplicate
    title: {nb: Kurs, en: Courses}
    description: {nb: Kurs., en: Courses.}
    legal_basis: [contract]
    categories: [contact]

  - key: inquiries
`

func TestParseBrokenPolicies(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []wantProblem
	}{
		{
			name: "unknown top-level field",
			old:  "version: \"2023-06-27\"\n", new: "version: \"2023-06-27\"\ncolour: blue\n",
			want: []wantProblem{{"colour: blue", "colour", `unknown field "colour"`}},
		},
		{
			name: "misspelt nested field",
			old:  "    legal_basis: [contract, legal_obligation]", new: "    legal_bases: [contract, legal_obligation]",
			want: []wantProblem{
				{"- key: documents\n", "purposes[5].legal_basis", `missing required field "legal_basis"`},
				{"legal_bases: [contract", "purposes[5].legal_bases", `unknown field "legal_bases"`},
			},
		},
		{
			name: "valid edit: adding a phone number",
			old:  "  vat_registered: true\n", new: "  vat_registered: true\n  phone: \"+47 22 00 00 00\"\n",
			want: nil,
		},
		{
			name: "duplicate YAML key",
			old:  "  name: Mementor AS\n", new: "  name: Mementor AS\n  name: Mementor ASA\n",
			want: []wantProblem{{"name: Mementor ASA", "controller.name", `duplicate key "name" (first defined at line`}},
		},
		{
			name: "duplicate purpose key",
			old:  "  - key: inquiries\n    title: {nb: Henvendelser", new: extraPurpose + "    title: {nb: Henvendelser",
			want: []wantProblem{{"# duplicate", "purposes[4].key", `duplicate purpose key "event_info" (first at line`}},
		},
		{
			name: "duplicate recipient key",
			old:  "  - key: linkedin\n", new: extraRecipient,
			want: []wantProblem{{"# duplicate", "recipients[2].key", `duplicate recipient key "google"`}},
		},
		{
			name: "duplicate data category key",
			old:  "  - key: consent_records\n    personal: true\n",
			new:  "  - key: site_statistics # duplicate\n    personal: false\n    fields: [heatmap]\n    title: {nb: Varmekart, en: Heatmaps}\n    description: {nb: Klikk., en: Clicks.}\n  - key: consent_records\n    personal: true\n",
			want: []wantProblem{{"# duplicate", "data_categories[5].key", `duplicate data category key "site_statistics"`}},
		},
		{
			name: "duplicate cookie category key",
			old:  "  - key: statistics\n    purpose: statistics\n",
			new:  "  - key: necessary # duplicate\n    always_on: true\n    title: {nb: Teknisk, en: Technical}\n    description: {nb: Teknisk., en: Technical.}\n  - key: statistics\n    purpose: statistics\n",
			want: []wantProblem{{"# duplicate", "cookies[1].key", `duplicate cookie category key "necessary"`}},
		},
		{
			name: "field in two categories",
			old:  "fields: [interaction_text]", new: "fields: [interaction_text, email]",
			want: []wantProblem{{"fields: [interaction_text, email]", "data_categories[2].fields[1]", `field "email" already belongs to data category "contact"`}},
		},
		{
			name: "unknown legal basis",
			old:  "    legal_basis: [consent]\n    direct_marketing: true\n    categories: [contact, consent_records]",
			new:  "    legal_basis: [consnt]\n    direct_marketing: true\n    categories: [contact, consent_records]",
			want: []wantProblem{
				{"legal_basis: [consnt]", "purposes[0].legal_basis[0]", `unknown value "consnt"`},
				{"    purposes: [newsletter]\n", "retention[3].purposes[0]", "does not rely on consent"},
				{"purposes: [newsletter, statistics, remarketing]", "retention[11].purposes[0]", "does not rely on consent"},
			},
		},
		{
			name: "unknown audience",
			old:  "    audience: customers\n", new: "    audience: everyone\n",
			want: []wantProblem{{"audience: everyone", "purposes[1].audience", `unknown audience "everyone"`}},
		},
		{
			name: "unknown role",
			old:  "    role: partner\n", new: "    role: reseller\n",
			want: []wantProblem{{"role: reseller", "recipients[3].role", `unknown value "reseller" (allowed: processor, partner, authority)`}},
		},
		{
			name: "recipient without role",
			old:  "    role: partner\n", new: "",
			want: []wantProblem{{"- key: product_partners", "recipients[3].role", `missing required field "role"`}},
		},
		{
			name: "unknown anchor",
			old:  "    period: P24M\n    anchor: last_interaction\n", new: "    period: P24M\n    anchor: last_contact\n",
			want: []wantProblem{{"anchor: last_contact", "retention[0].anchor", `unknown value "last_contact"`}},
		},
		{
			name: "unknown action",
			old:  "    anchor: collected\n    action: truncate_ip\n", new: "    anchor: collected\n    action: mask\n",
			want: []wantProblem{{"action: mask", "retention[1].action", `unknown value "mask"`}},
		},
		{
			name: "unparseable period",
			old:  "period: P24M", new: "period: 24 months",
			want: []wantProblem{{"period: 24 months", "retention[0].period", `invalid ISO 8601 duration "24 months"`}},
		},
		{
			name: "unknown data category reference",
			old:  "    categories: [contact, web_activity]\n    purposes: [remarketing]\n    dpa: {status: missing}\n\n  - key: linkedin",
			new:  "    categories: [contact, web_activty]\n    purposes: [remarketing]\n    dpa: {status: missing}\n\n  - key: linkedin",
			want: []wantProblem{{"web_activty", "recipients[1].categories[1]", `unknown data category "web_activty"`}},
		},
		{
			name: "unknown purpose reference in retention",
			old:  "    purposes: [event_info]\n", new: "    purposes: [event_infos]\n",
			want: []wantProblem{
				{"registered for.\n    legal_basis: [contract]\n    »categories:", "purposes[3].categories[0]", `no retention rule deletes or anonymises data category "contact" for purpose "event_info"`},
				{"registered for.\n    legal_basis: [contract]\n    »categories:", "purposes[3].categories[1]", `data category "organization"`},
				{"event_infos", "retention[6].purposes[0]", `unknown purpose "event_infos"`},
			},
		},
		{
			name: "unknown cookie category",
			old:  "    cookie_category: statistics\n", new: "    cookie_category: stats\n",
			want: []wantProblem{
				{"cookie_category: stats", "purposes[8].cookie_category", `unknown cookie category "stats"`},
				{"    purpose: statistics\n", "cookies[1].purpose", `purpose "statistics" must name cookie_category "statistics"`},
			},
		},
		{
			name: "cookie-gated purpose on an always-on category",
			old:  "    cookie_category: remarketing\n", new: "    cookie_category: necessary\n",
			want: []wantProblem{
				{"cookie_category: necessary", "purposes[9].cookie_category", `cookie category "necessary" is always on`},
				{"    purpose: remarketing\n", "cookies[2].purpose", `must name cookie_category "remarketing"`},
			},
		},
		{
			name: "direct_marketing scope member that is not a purpose",
			old:  "sales_contact, surveys, remarketing]", new: "sales_contact, surveys, retargeting]",
			want: []wantProblem{
				{"    legal_basis: [consent]\n    »direct_marketing: true\n    cookie_category", "purposes[9].direct_marketing", `"remarketing" is marked direct_marketing but missing from objection scope direct_marketing`},
				{"retargeting", "objection_scopes[0].purposes[4]", `unknown purpose "retargeting"`},
			},
		},
		{
			name: "consent purpose without withdrawal path",
			old:  "    categories: [contact, consent_records]\n    opt_out: [unsubscribe_link, email]\n", new: "    categories: [contact, consent_records]\n",
			want: []wantProblem{{"- key: newsletter\n", "purposes[0].opt_out", "a consent purpose must offer a way to withdraw"}},
		},
		{
			name: "legitimate interest without the interest",
			old:  "      nb: Å kunne svare på spørsmål og henvendelser du sender oss.\n      en: Being able to answer the questions and inquiries you send us.\n",
			new:  "      nb: Å kunne svare på spørsmål og henvendelser du sender oss.\n",
			want: []wantProblem{{"    interest:\n      nb: Å kunne svare", "purposes[4].interest", "missing en text"}},
		},
		{
			name: "text in an undeclared language",
			old:  "title: {nb: Kontaktopplysninger, en: Contact details}", new: "title: {nb: Kontaktopplysninger, en: Contact details, sv: Kontaktuppgifter}",
			want: []wantProblem{{"title: {nb: Kontaktopplysninger", "data_categories[0].title.sv", `language "sv" is not declared`}},
		},
		{
			name: "non-EEA recipient without transfer basis",
			old:  "    name: Google\n", new: "    name: Google\n    country: US\n",
			want: []wantProblem{{"country: US", "recipients[1].country", "US is outside the EEA; state transfer_basis"}},
		},
		{
			name: "retention shorter than its legal hold",
			old:  "    period: P5Y\n    anchor: financial_year_end\n    action: delete\n", new: "    period: P4Y\n    anchor: financial_year_end\n    action: delete\n",
			want: []wantProblem{{"period: P4Y\n", "retention[9].period", "retention period P4Y financial_year_end is shorter than the legal hold P5Y financial_year_end (bokføringsloven § 13)"}},
		},
		{
			name: "retention from contract end not covering a financial-year hold",
			old:  "period: P4Y6M", new: "period: P3Y6M\n",
			want: []wantProblem{{"period: P3Y6M\n\n", "retention[10].period", "is shorter than the legal hold P3Y6M financial_year_end"}},
		},
		{
			name: "another rule deleting data under a legal hold",
			old:  "    categories: [business_documents]\n    period: P4Y6M\n", new: "    categories: [business_documents, accounting_documents]\n    period: P4Y6M\n",
			want: []wantProblem{{"period: P4Y6M", "retention[10].period", `is shorter than the legal hold P5Y financial_year_end (bokføringsloven § 13) of rule "accounting_primary" on the same data`}},
		},
		{
			name: "controller without email",
			old:  "  email: hjelp@mementor.no\n  privacy_contact:\n", new: "  privacy_contact:\n",
			want: []wantProblem{{"controller:\n", "controller.email", `missing required field "email"`}},
		},
		{
			name: "bad date",
			old:  "published_at: 2023-06-27", new: "published_at: 2023-13-27",
			want: []wantProblem{{"published_at:", "published_at", "is not a date of the form YYYY-MM-DD"}},
		},
		{
			name: "unknown placeholder",
			old:  "kontakte oss på {rights_email}.", new: "kontakte oss på {rights_mail}.",
			want: []wantProblem{{"{rights_mail}", "notice.sections.rights.after.nb", "unknown placeholder {rights_mail}"}},
		},
		{
			name: "legal basis without explanation",
			old:  "    legal_obligation:\n      heading:\n", new: "    legal_duty:\n      heading:\n",
			want: []wantProblem{
				{"  legal_bases:\n    consent:", "notice.legal_bases", "missing explanation of legal basis legal_obligation, used by documents"},
				{"legal_duty:", "notice.legal_bases.legal_duty", `unknown field "legal_duty"`},
			},
		},
		{
			name: "missing right",
			old:  "    - key: portability\n", new: "    - key: access\n",
			want: []wantProblem{
				{"  items:\n    - key: access", "rights.items", "missing right portability"},
				{"    - key: access\n      text:\n        nb: Få dine", "rights.items[4].key", `right "access" is listed twice`},
			},
		},
		{
			name: "truncate_ip on data without IP addresses",
			old:  "    categories: [web_activity]\n    period: P7D\n", new: "    categories: [contact]\n    period: P7D\n",
			want: []wantProblem{{"action: truncate_ip", "retention[1].action", "truncate_ip needs a data category with the field ip_address"}},
		},
		{
			name: "processor without agreement entry",
			old:  "    purposes: [remarketing]\n    dpa: {status: missing}\n\n  - key: product_partners", new: "    purposes: [remarketing]\n\n  - key: product_partners",
			want: []wantProblem{{"  - key: linkedin", "recipients[2].dpa", "a processor needs a dpa entry"}},
		},
		{
			name: "signed agreement without date",
			old:  "    services: [remarketing, conversion_tracking]\n    categories: [contact, web_activity]\n    purposes: [remarketing]\n    dpa: {status: missing}",
			new:  "    services: [remarketing, conversion_tracking]\n    categories: [contact, web_activity]\n    purposes: [remarketing]\n    dpa: {status: signed}",
			want: []wantProblem{{"dpa: {status: signed}", "recipients[1].dpa.signed_at", "a signed agreement needs signed_at"}},
		},
		{
			name: "list where a mapping belongs",
			old:  "authority:\n  name:\n", new: "authority: []\nx_authority:\n  name:\n",
			want: []wantProblem{
				{"authority: []", "authority", "expected a mapping, found a list"},
				{"x_authority:", "x_authority", `unknown field "x_authority"`},
			},
		},
		{
			name: "unsupported language",
			old:  "languages: [nb, en]", new: "languages: [nb, en, de]",
			want: []wantProblem{{"languages: [nb, en, de]", "languages[2]", `unsupported language "de"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := mutate(t, tt.old, tt.new)
			if tt.want == nil {
				if _, err := policy.Parse([]byte(src)); err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			checkProblems(t, src, problemsOf(t, src), tt.want)
		})
	}
}

// TestParseReportsAllProblems checks that independent mistakes in different
// sections come back together, in file order.
func TestParseReportsAllProblems(t *testing.T) {
	src := string(policy.Seed())
	for _, m := range [][2]string{
		{"default_language: nb", "default_language: de"},
		{"    role: partner\n", ""},
		{"period: P24M", "period: two years"},
		{"kontakte oss på {rights_email}.", "kontakte oss på {email}."},
	} {
		if strings.Count(src, m[0]) != 1 {
			t.Fatalf("%q is not unique in the seed", m[0])
		}
		src = strings.Replace(src, m[0], m[1], 1)
	}
	want := []wantProblem{
		{"default_language: de", "default_language", `"de" is not one of languages`},
		{"- key: product_partners", "recipients[3].role", `missing required field "role"`},
		{"period: two years", "retention[0].period", "invalid ISO 8601 duration"},
		{"{email}", "notice.sections.rights.after.nb", "unknown placeholder {email}"},
	}
	checkProblems(t, src, problemsOf(t, src), want)
}

func TestParseSyntaxAndShape(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []policy.Problem
	}{
		{"empty", "", []policy.Problem{{Line: 1, Message: "policy file is empty"}}},
		{"only a comment", "# nothing\n", []policy.Problem{{Line: 1, Message: "policy file is empty"}}},
		// yaml.v3 names the line before the unclosed list here (see syntaxProblem).
		{"unclosed flow list", "version: x\nlanguages: [nb, en\npurposes: []\n", []policy.Problem{{Line: 1, Message: "YAML syntax: did not find expected ',' or ']'"}}},
		{"tab indentation", "version: x\ncontroller:\n\tname: y\n", []policy.Problem{{Line: 3, Message: "YAML syntax: found character that cannot start any token"}}},
		{"mapping value on line 1", "a: b: c\n", []policy.Problem{{Line: 1, Message: "YAML syntax: mapping values are not allowed in this context"}}},
		{"two documents", "version: x\n---\nversion: y\n", []policy.Problem{{Line: 2, Column: 1, Message: "only one YAML document is allowed"}}},
		{"list at the top", "- a\n- b\n", []policy.Problem{{Line: 1, Column: 1, Message: "expected a mapping, found a list"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) problems mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestParseRejectsAliases(t *testing.T) {
	src := mutate(t, "  name: Mementor AS\n", "  name: &n Mementor AS\n  phone: *n\n")
	got := problemsOf(t, src)
	var lines []int
	for _, p := range got {
		if strings.Contains(p.Message, "aliases are not supported") {
			lines = append(lines, p.Line)
		}
	}
	want := []int{lineOf(t, src, "&n"), lineOf(t, src, "*n")}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("alias problem lines mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRejectsHugeInput(t *testing.T) {
	got := problemsOf(t, strings.Repeat("#", 1<<20+1))
	if len(got) != 1 || !strings.Contains(got[0].Message, "limit") {
		t.Errorf("problems = %v, want one size problem", got)
	}
}

func TestProblemsError(t *testing.T) {
	err := &policy.Problems{List: []policy.Problem{
		{Line: 3, Column: 5, Path: "purposes[0].legal_basis", Message: "unknown value"},
		{Line: 1, Message: "YAML syntax: oops"},
		{Path: "rights", Message: "no line"},
	}}
	want := "line 3: purposes[0].legal_basis: unknown value\nline 1: YAML syntax: oops\nrights: no line"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
