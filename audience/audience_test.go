package audience_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

type fixture struct {
	svc     *audience.Service
	people  *person.Service
	consent *consent.Service
	store   vern.Store
	clock   *mock.Clock
}

func newFixture(t testing.TB, s vern.Store) *fixture {
	t.Helper()
	clock := mock.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	keys, err := keyring.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	led := consent.New(s, people, pol, keys, clock)
	return &fixture{svc: audience.New(s, people, led, pol, clock), people: people, consent: led, store: s, clock: clock}
}

var form = consent.Evidence{Source: vern.ChannelWebForm, PageURL: "https://example.test/form"}

// person creates someone with an organisation in country and, unless
// grant is false, consent to remarketing.
func (f *fixture) person(t testing.TB, email, phone, country string, grant bool) *vern.Person {
	t.Helper()
	ctx := context.Background()
	in := vern.PersonInput{FirstName: "Ola", LastName: "Nordmann", Email: email, Phone: phone, Language: "nb", Source: vern.Source{Channel: vern.ChannelWebForm}}
	if country != "" {
		in.Organization = &vern.OrganizationInput{Name: "Firma " + country + " AS", Country: country}
	}
	p, _, err := f.people.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if grant {
		if _, err := f.consent.Record(ctx, "token:t1", consent.RecordInput{PersonID: p.ID, Purpose: "remarketing", Action: consent.ActionGrant, Evidence: form}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestDefineValidates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		_, _, err := f.svc.Define(ctx, &vern.Audience{Name: "Bad Name", Purpose: "telepathy",
			Include: []vern.AudienceRule{{Field: "person.shoe_size", Values: []string{"42"}}, {Field: vern.FieldOrgCountry, Values: []string{"Norway"}}},
			Exclude: []vern.AudienceRule{{Field: vern.FieldHasContract, Values: []string{"yes"}}}})
		var got []string
		for _, fe := range vern.ErrorFields(err) {
			got = append(got, fe.Field+":"+fe.Code)
		}
		want := []string{"name:invalid", "include[0].field:unknown_field", "include[1].values[0]:invalid", "exclude[0].values[0]:invalid", "purpose:unknown_purpose"}
		if vern.ErrorCode(err) != vern.EINVALID || !cmp.Equal(want, got) {
			t.Fatalf("Define(bad) = %v; fields %v, want %v", err, got, want)
		}
		a := &vern.Audience{Name: "prospects", Purpose: "remarketing", Include: []vern.AudienceRule{{Field: vern.FieldOrgCountry, Values: []string{"no"}}}}
		if _, created, err := f.svc.Define(ctx, a); err != nil || !created {
			t.Fatalf("Define = %v, created %v", err, created)
		}
		stored, err := f.svc.Find(ctx, "prospects")
		if err != nil || stored.Use != vern.AudienceInclude || stored.Include[0].Values[0] != "NO" {
			t.Fatalf("stored = %+v, %v; want use include and NO", stored, err)
		}
		a2 := &vern.Audience{Name: "prospects", Purpose: "remarketing", Use: vern.AudienceExclude}
		if _, created, err := f.svc.Define(ctx, a2); err != nil || created {
			t.Fatalf("redefine = %v, created %v", err, created)
		}
	})
}

// TestExport runs one audience over people in every state the decision
// engine and the suppression list know, and checks the exact file, the
// report, and the disclosure log.
func TestExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		in := f.person(t, "  Ola.Nordmann@Example.COM ", "68050000", "NO", true)
		phoneless := f.person(t, "kari.nordmann+news@example.com", "", "NO", true)
		noConsent := f.person(t, "none@example.test", "", "NO", false)
		restricted := f.person(t, "restricted@example.test", "", "NO", true)
		if _, err := f.consent.Restrict(ctx, "token:t1", consent.RestrictionInput{PersonID: restricted.ID, Action: consent.ActionPlace, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		objected := f.person(t, "objected@example.test", "", "NO", true)
		if _, err := f.consent.Object(ctx, "token:t1", consent.ObjectionInput{PersonID: objected.ID, Scope: vern.ScopeDirectMarketing, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		withdrawn := f.person(t, "withdrawn@example.test", "", "NO", true)
		if _, err := f.consent.Record(ctx, "token:t1", consent.RecordInput{PersonID: withdrawn.ID, Purpose: "remarketing", Action: consent.ActionWithdraw, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		suppressed := f.person(t, "suppressed@example.test", "", "NO", true)
		if err := s.AddSuppression(ctx, &vern.Suppression{Hash: f.people.EmailIndex("suppressed@example.test"), Reason: vern.SuppressUnsubscribe, At: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		customer := f.person(t, "customer@example.test", "", "NO", true)
		if _, err := f.consent.AddContract(ctx, consent.ContractInput{PersonID: customer.ID}); err != nil {
			t.Fatal(err)
		}
		swede := f.person(t, "swede@example.test", "", "SE", true)
		_ = swede

		a := &vern.Audience{Name: "prospects", Purpose: "remarketing",
			Include: []vern.AudienceRule{{Field: vern.FieldOrgCountry, Values: []string{"NO"}}},
			Exclude: []vern.AudienceRule{{Field: vern.FieldHasContract, Values: []string{"true"}}}}
		if _, _, err := f.svc.Define(ctx, a); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		var progress []int
		rep, err := f.svc.Export(ctx, "prospects", &buf, audience.ExportOptions{Format: "google", Actor: "cli",
			Progress: func(n, total int) { progress = append(progress, n, total) }})
		if err != nil {
			t.Fatal(err)
		}
		// People are written in id order; ids made in one millisecond
		// sort randomly, so the rows are compared as a set.
		want := []string{"Email,Phone,First Name,Last Name,Country,Zip",
			"6a85fbe01d68b3ef6cdeed64d664fc4ef779aca0c61b7c8070c528ab41b3054b,,,,,",
			"9e0ca479728b20a2200f97f74b5c22165874d158edddb8585524606ace4b4918,dc2ae0d526794ef517b7ded667a0366dd82ac8ed1d8addab8d357e9808f14941,,,,"}
		got := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
		slices.Sort(got[1:])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("export mismatch (-want +got):\n%s", diff)
		}
		wantExcl := map[string]int{"rules": 2, consent.ReasonNoConsent: 1, consent.ReasonRestricted: 1, consent.ReasonObjected: 1,
			consent.ReasonConsentWithdrawn: 1, audience.ExcludedSuppressed: 1}
		if diff := cmp.Diff(wantExcl, rep.Excluded); diff != "" {
			t.Errorf("Excluded mismatch (-want +got):\n%s", diff)
		}
		if rep.People != 2 || rep.Scanned != 9 || rep.Recipient != "google" || rep.Consent == nil || rep.Consent.AdUserData != "GRANTED" || rep.Consent.AdPersonalization != "GRANTED" {
			t.Errorf("report = %+v", rep)
		}
		if diff := cmp.Diff([]int{9, 9}, progress); diff != "" {
			t.Errorf("progress mismatch (-want +got):\n%s", diff)
		}
		for _, p := range []*vern.Person{in, phoneless} {
			ds, err := s.FindDisclosures(ctx, p.ID)
			if err != nil || len(ds) != 1 || ds[0].Recipient != "google" || ds[0].Purpose != "remarketing" || ds[0].ID != rep.ID || ds[0].Reason != "audience export prospects (google, hashed)" {
				t.Errorf("disclosures of a member = %+v, %v", ds, err)
			}
		}
		for _, p := range []*vern.Person{noConsent, restricted, objected, withdrawn, suppressed, customer, swede} {
			if ds, _ := s.FindDisclosures(ctx, p.ID); len(ds) != 0 {
				t.Errorf("a non-member has disclosures: %+v", ds)
			}
		}
		exports, err := f.svc.Exports(ctx, "prospects")
		if err != nil || len(exports) != 1 || exports[0].People != 2 || exports[0].Actor != "cli" || exports[0].Format != "google" {
			t.Errorf("exports = %+v, %v", exports, err)
		}

		// The plain CSV keeps the org country and the hashed names.
		buf.Reset()
		if _, err := f.svc.Export(ctx, "prospects", &buf, audience.ExportOptions{Format: "csv", Recipient: "linkedin"}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\r\n")
		if len(lines) != 3 || !strings.HasSuffix(lines[1], ",55a9f4f8994b1bbf2058ea38c8efb6c459000814d5f39c087002571639e6230e,d0d65449ccc638b410234e3bd390f5cce1b7469c4427a9fe338497609336e742,NO,") {
			t.Errorf("csv export = %q", buf.String())
		}
	})
}

func TestExportRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "ola@example.test", "", "NO", true)
		for _, a := range []*vern.Audience{{Name: "all", Purpose: "remarketing"}, {Name: "customers", Purpose: "customer_updates"}} {
			if _, _, err := f.svc.Define(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name, audience string
			opts           audience.ExportOptions
			code, field    string
		}{
			{"unknown audience", "nobody", audience.ExportOptions{Format: "google"}, vern.ENOTFOUND, ""},
			{"unknown format", "all", audience.ExportOptions{Format: "facebook"}, vern.EINVALID, "format"},
			{"csv needs a recipient", "all", audience.ExportOptions{Format: "csv"}, vern.EINVALID, "recipient"},
			{"recipient not in the policy", "all", audience.ExportOptions{Format: "csv", Recipient: "acme"}, vern.EINVALID, "recipient"},
			{"recipient not for the purpose", "all", audience.ExportOptions{Format: "csv", Recipient: "authorities"}, vern.EINVALID, "recipient"},
			{"google needs consent", "customers", audience.ExportOptions{Format: "google", Recipient: "service_providers"}, vern.EINVALID, "recipient"},
			{"linkedin needs 300 rows", "all", audience.ExportOptions{Format: "linkedin"}, vern.EINVALID, "format"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				_, err := f.svc.Export(ctx, tt.audience, &buf, tt.opts)
				if vern.ErrorCode(err) != tt.code {
					t.Fatalf("Export = %v, want %s", err, tt.code)
				}
				if fs := vern.ErrorFields(err); tt.field != "" && (len(fs) != 1 || fs[0].Field != tt.field) {
					t.Errorf("fields = %+v, want %s", fs, tt.field)
				}
				if buf.Len() != 0 {
					t.Errorf("a refused export wrote %d bytes", buf.Len())
				}
			})
		}
		if ds, _ := s.FindDisclosures(ctx, p.ID); len(ds) != 0 {
			t.Errorf("refused exports recorded disclosures: %+v", ds)
		}
	})
}

// TestLinkedInExport exports 300 people: the smallest list LinkedIn takes.
func TestLinkedInExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		for i := range hashExportMin {
			f.person(t, "p"+strings.Repeat("x", i%7)+itoa(i)+"@example.test", "", "NO", true)
		}
		if _, _, err := f.svc.Define(ctx, &vern.Audience{Name: "all", Purpose: "remarketing"}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		rep, err := f.svc.Export(ctx, "all", &buf, audience.ExportOptions{Format: "linkedin"})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\r\n")
		if rep.People != hashExportMin || len(lines) != hashExportMin+1 || lines[0] != "email,firstname,lastname,jobtitle,employeecompany,country,googleaid" {
			t.Fatalf("linkedin export: %d people, %d lines, header %q", rep.People, len(lines), lines[0])
		}
		if fields := strings.Split(lines[1], ","); len(fields[0]) != 64 || fields[5] != "NO" || fields[1] != "" {
			t.Errorf("row = %q", lines[1])
		}
	})
}

const hashExportMin = 300

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}
