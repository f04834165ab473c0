package person_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/storetest"
)

var start = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// MustKeyring returns a keyring with a fixed synthetic master key.
func MustKeyring(tb testing.TB) *keyring.Keyring {
	tb.Helper()
	k, err := keyring.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newService(tb testing.TB, s vern.Store) *person.Service {
	return person.New(s, MustKeyring(tb), mock.NewClock(start))
}

// A valid synthetic fødselsnummer (both check digits computed by the
// classic rule): 01010012356 is not one; this one is generated for the test.
const syntheticFNR = "15076500565"

func TestCreateMatchesByNormalisedEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		ctx := context.Background()
		p, created, err := svc.Create(ctx, vern.PersonInput{
			FirstName: " Kari ", LastName: "Nordmann", Email: "  Kari.Nordmann@Example.NO ", Phone: "412 34 567",
			Organization: &vern.OrganizationInput{Name: "Mementor AS", OrgNumber: "915 213 049 MVA"},
			Source:       vern.Source{Channel: vern.ChannelWebForm, Reference: "contact form"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !created {
			t.Fatal("first create: created = false")
		}
		want := &vern.Person{
			ID: p.ID, FirstName: "Kari", LastName: "Nordmann", Email: "kari.nordmann@example.no", Phone: "+4741234567",
			Organization: &vern.Organization{ID: p.Organization.ID, Name: "Mementor AS", OrgNumber: "915213049", Country: "NO", MatchKey: "no:915213049", CreatedAt: start},
			Source:       vern.Source{Channel: vern.ChannelWebForm, Reference: "contact form"},
			CreatedAt:    start, UpdatedAt: start,
		}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Fatalf("Create mismatch (-want +got):\n%s", diff)
		}
		again, created, err := svc.Create(ctx, vern.PersonInput{FirstName: "K", Email: "KARI.NORDMANN@example.no", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		if created || again.ID != p.ID {
			t.Fatalf("second create: created=%v id=%s, want the existing %s", created, again.ID, p.ID)
		}
		if diff := cmp.Diff(want, again); diff != "" {
			t.Fatalf("matched person mismatch (-want +got):\n%s", diff)
		}
		byEmail, err := svc.FindByEmail(ctx, "kari.nordmann@EXAMPLE.no")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, byEmail); diff != "" {
			t.Fatalf("FindByEmail mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestConcurrentCreatesOfOneEmailMakeOnePerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		var wg sync.WaitGroup
		ids := make([]string, 16)
		errs := make([]error, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, _, err := svc.Create(context.Background(), vern.PersonInput{Email: "same@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
				errs[i] = err
				if err == nil {
					ids[i] = p.ID
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("create %d returned %s, create 0 returned %s", i, ids[i], ids[0])
			}
		}
		if n, _ := s.CountPeople(context.Background()); n != 1 {
			t.Fatalf("CountPeople = %d, want 1", n)
		}
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	svc := newService(t, testdb.SQLite(t))
	tests := []struct {
		name  string
		in    vern.PersonInput
		field string
		code  string
	}{
		{"fødselsnummer in a name", vern.PersonInput{FirstName: "Kari " + syntheticFNR, Email: "a@example.test", Source: vern.Source{Channel: "api"}}, "first_name", "norwegian_national_id"},
		{"fødselsnummer as a phone", vern.PersonInput{Phone: syntheticFNR, Source: vern.Source{Channel: "api"}}, "phone", "norwegian_national_id"},
		{"card number in the reference", vern.PersonInput{Email: "a@example.test", Source: vern.Source{Channel: "api", Reference: "paid with 4111 1111 1111 1111"}}, "source.reference", "payment_card"},
		{"IBAN in the organisation address", vern.PersonInput{Email: "a@example.test", Organization: &vern.OrganizationInput{Name: "X", Address: "NO93 8601 1117 947"}, Source: vern.Source{Channel: "api"}}, "organization.address", "iban"},
		{"bad email", vern.PersonInput{Email: "not-an-email", Source: vern.Source{Channel: "api"}}, "email", "invalid_email"},
		{"bad phone", vern.PersonInput{Phone: "12", Source: vern.Source{Channel: "api"}}, "phone", "invalid_phone"},
		{"no contact", vern.PersonInput{FirstName: "Ola", Source: vern.Source{Channel: "api"}}, "email", "required"},
		{"unknown channel", vern.PersonInput{Email: "a@example.test", Source: vern.Source{Channel: "pigeon"}}, "source.channel", "unknown"},
		{"missing channel", vern.PersonInput{Email: "a@example.test"}, "source.channel", "required"},
		{"bad org number", vern.PersonInput{Email: "a@example.test", Organization: &vern.OrganizationInput{Name: "X", OrgNumber: "915213048"}, Source: vern.Source{Channel: "api"}}, "organization.org_number", "invalid_org_number"},
		{"organisation without a name", vern.PersonInput{Email: "a@example.test", Organization: &vern.OrganizationInput{OrgNumber: "915213049"}, Source: vern.Source{Channel: "api"}}, "organization.name", "required"},
		{"line break in a name", vern.PersonInput{FirstName: "Ola\nNordmann", Email: "a@example.test", Source: vern.Source{Channel: "api"}}, "first_name", "control_character"},
		{"overlong name", vern.PersonInput{LastName: strings.Repeat("å", 201), Email: "a@example.test", Source: vern.Source{Channel: "api"}}, "last_name", "too_long"},
		{"bad language", vern.PersonInput{Language: "norsk", Email: "a@example.test", Source: vern.Source{Channel: "api"}}, "language", "invalid_language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := svc.Create(context.Background(), tt.in)
			if vern.ErrorCode(err) != vern.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			var found bool
			for _, f := range vern.ErrorFields(err) {
				if f.Field == tt.field && f.Code == tt.code {
					found = true
				}
				if strings.Contains(f.Message, syntheticFNR) || strings.Contains(f.Message, "4111") || strings.Contains(f.Message, "8601") {
					t.Errorf("message repeats the refused value: %q", f.Message)
				}
			}
			if !found {
				t.Fatalf("fields = %+v, want %s/%s", vern.ErrorFields(err), tt.field, tt.code)
			}
		})
	}
	if p, _, _ := svc.Create(context.Background(), vern.PersonInput{}); p != nil {
		t.Fatal("empty input created a person")
	}
}

func TestNegativeControlsAreAccepted(t *testing.T) {
	svc := newService(t, testdb.SQLite(t))
	_, _, err := svc.Create(context.Background(), vern.PersonInput{
		FirstName: "Ola", Email: "ola@example.test", Phone: "+47 22 33 44 55",
		Organization: &vern.OrganizationInput{Name: "Mementor AS", OrgNumber: "915 213 049 MVA", Address: "Grenseveien 30E, 0663 Oslo", Phone: "0047 22 33 44 55"},
		Source:       vern.Source{Channel: vern.ChannelMeeting, Reference: "order 2024-000123, invoice 10023"},
	})
	if err != nil {
		t.Fatalf("organisation and phone numbers were refused: %v", err)
	}
}

func TestUpdateRectifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		ctx := context.Background()
		p, _, err := svc.Create(ctx, vern.PersonInput{FirstName: "Kari", LastName: "Nordman", Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := svc.Create(ctx, vern.PersonInput{Email: "other@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		last, email, phone := "Nordmann", "Kari.N@Example.test", ""
		got, err := svc.Update(ctx, p.ID, vern.PersonUpdate{LastName: &last, Email: &email, Phone: &phone})
		if err != nil {
			t.Fatal(err)
		}
		if got.LastName != "Nordmann" || got.Email != "kari.n@example.test" || got.FirstName != "Kari" {
			t.Fatalf("Update = %+v", got)
		}
		if _, err := svc.FindByEmail(ctx, "kari@example.test"); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("old email still finds the person: %v", err)
		}
		reread, err := svc.FindByEmail(ctx, "kari.n@example.test")
		if err != nil || reread.ID != p.ID || reread.LastName != "Nordmann" {
			t.Fatalf("FindByEmail after update = %+v, %v", reread, err)
		}
		taken := other.Email
		if _, err := svc.Update(ctx, p.ID, vern.PersonUpdate{Email: &taken}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("update to a taken email: %v, want EINVALID", err)
		}
		bad := "Kari " + syntheticFNR
		if _, err := svc.Update(ctx, p.ID, vern.PersonUpdate{FirstName: &bad}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("update with a national ID: %v, want EINVALID", err)
		}
		after, _ := svc.FindByID(ctx, p.ID)
		if after.FirstName != "Kari" {
			t.Fatalf("a refused update changed the person: %+v", after)
		}
		if _, err := svc.Update(ctx, "per_missing", vern.PersonUpdate{LastName: &last}); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("update of unknown person: %v, want ENOTFOUND", err)
		}
	})
}

func TestInteractions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		ctx := context.Background()
		p, _, err := svc.Create(ctx, vern.PersonInput{Email: "kari@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil {
			t.Fatal(err)
		}
		in, err := svc.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelPhone, Kind: vern.KindQuestion, Text: "Asked about the invoice."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelPhone, Kind: vern.KindNote, Text: "Her number is " + syntheticFNR}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("interaction with a national ID: %v, want EINVALID", err)
		}
		if _, err := svc.AddInteraction(ctx, "per_missing", vern.InteractionInput{Channel: vern.ChannelPhone, Kind: vern.KindNote, Text: "x"}); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("interaction for unknown person: %v, want ENOTFOUND", err)
		}
		if _, err := svc.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: "fax", Kind: "gossip", Text: ""}); len(vern.ErrorFields(err)) != 3 {
			t.Fatalf("three bad fields reported as %v", vern.ErrorFields(err))
		}
		list, err := svc.Interactions(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*vern.Interaction{in}, list); diff != "" {
			t.Fatalf("Interactions mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestPersonalDataIsEncryptedAtRest reads the SQLite file's bytes and finds
// no personal field in the clear.
func TestPersonalDataIsEncryptedAtRest(t *testing.T) {
	db := testdb.SQLite(t)
	svc := newService(t, db)
	ctx := context.Background()
	p, _, err := svc.Create(ctx, vern.PersonInput{FirstName: "Synnøve", LastName: "Testesen", Email: "synnove.testesen@example.test", Phone: "+47 41234567", Source: vern.Source{Channel: vern.ChannelAPI}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindFeedback, Text: "Unmistakable feedback sentence"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, db.Path())
	for _, s := range []string{"Synnøve", "Testesen", "synnove.testesen", "41234567", "Unmistakable"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("database file contains %q in the clear", s)
		}
	}
}

// TestServiceSurvivesRetriedTransactions runs creation, matching,
// rectification and import on a store that runs every transaction twice.
func TestServiceSurvivesRetriedTransactions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, storetest.Retrying(s))
		ctx := context.Background()
		p, created, err := svc.Create(ctx, vern.PersonInput{Email: "retry@example.test", Organization: &vern.OrganizationInput{Name: "Retry AS"}, Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil || !created {
			t.Fatalf("create: %v created=%v", err, created)
		}
		stored, err := svc.FindByID(ctx, p.ID)
		if err != nil || stored.Organization == nil || stored.Organization.ID != p.Organization.ID {
			t.Fatalf("the returned person is not the stored one: %+v, %v", stored, err)
		}
		again, created, err := svc.Create(ctx, vern.PersonInput{Email: "RETRY@example.test", Source: vern.Source{Channel: vern.ChannelAPI}})
		if err != nil || created || again.ID != p.ID {
			t.Fatalf("match: %+v created=%v err=%v", again, created, err)
		}
		last := "Retried"
		if _, err := svc.Update(ctx, p.ID, vern.PersonUpdate{LastName: &last}); err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Import(ctx, strings.NewReader("email,organization_name\nr1@example.test,Imp AS\nr2@example.test,Imp AS\n"), person.ImportOptions{})
		if err != nil || rep.Created != 2 {
			t.Fatalf("import: %+v %v", rep, err)
		}
	})
}

// TestConcurrentRectificationsAllApply sends rectifications of different
// fields of one person at once; none may be lost.
func TestConcurrentRectificationsAllApply(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		svc := newService(t, s)
		ctx := context.Background()
		for round := range 10 {
			p, _, err := svc.Create(ctx, vern.PersonInput{Email: fmt.Sprintf("race%d@example.test", round), Source: vern.Source{Channel: vern.ChannelAPI}})
			if err != nil {
				t.Fatal(err)
			}
			first, last := "Kari", "Nordmann"
			var wg sync.WaitGroup
			for _, upd := range []vern.PersonUpdate{{FirstName: &first}, {LastName: &last}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.Update(ctx, p.ID, upd); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, err := svc.FindByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.FirstName != first || got.LastName != last {
				t.Fatalf("round %d: a concurrent rectification was lost: %q %q", round, got.FirstName, got.LastName)
			}
		}
	})
}
