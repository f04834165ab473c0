package consent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

// receiptFixture is a ledger on the seed policy with one person, Kari.
type receiptFixture struct {
	svc      *consent.Service
	clock    *mock.Clock
	personID string
}

const receiptEmail = "kari.receipt@example.test"

func newReceiptFixture(t *testing.T, s vern.Store) *receiptFixture {
	t.Helper()
	ctx := context.Background()
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	keys, err := keyring.New(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(s, clock)
	if _, err := pol.Load(ctx, policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	p, _, err := people.Create(ctx, vern.PersonInput{Email: receiptEmail, Source: vern.Source{Channel: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	return &receiptFixture{svc: consent.New(s, people, pol, keys, clock), clock: clock, personID: p.ID}
}

func TestReceipt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newReceiptFixture(t, s)
		ctx := context.Background()
		evidence := consent.Evidence{Source: vern.ChannelWebForm, PageURL: "https://example.test/newsletter", IP: "192.0.2.41"}
		g, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{Email: receiptEmail, Purpose: "newsletter", Action: consent.ActionGrant, Evidence: evidence})
		if err != nil {
			t.Fatal(err)
		}

		got, err := f.svc.Receipt(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &consent.Receipt{
			Version:          "KI-CR-v1.1.0",
			Jurisdiction:     "NO",
			ConsentTimestamp: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC).Unix(),
			CollectionMethod: "Web form",
			ConsentReceiptID: g.ID,
			Language:         "en",
			PIIPrincipalID:   f.personID,
			PIIControllers: []consent.ReceiptController{{
				PIIController: "Mementor AS",
				Contact:       "hjelp@mementor.no",
				Address:       consent.ReceiptAddress{StreetAddress: "Grenseveien 30E", PostalCode: "0571", AddressLocality: "Oslo", AddressCountry: "NO"},
				Email:         "hjelp@mementor.no",
			}},
			PolicyURL: "/privacy",
			Services: []consent.ReceiptService{{
				Service: "Mementor AS",
				Purposes: []consent.ReceiptPurpose{{
					Purpose:         "Newsletter",
					PurposeCategory: []string{"newsletter"},
					ConsentType:     "EXPLICIT",
					PIICategory:     []string{"Contact details", "Consents and objections"},
					PrimaryPurpose:  true,
					Termination: "Until withdrawn." +
						" Subscribers who have unsubscribed from the newsletter: deleted 30 days after the consent is withdrawn." +
						" Records of consent: deleted 3 years after the consent is withdrawn.",
					ThirdPartyDisclosure: true,
					ThirdPartyName:       "Providers of third-party services acting on our behalf, Providers of third-party products we work with, Public authorities, where required by law",
				}},
			}},
			SPICat: []string{},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Receipt(grant) mismatch (-want +got):\n%s", diff)
		}
		if got.ConsentTimestamp != g.At.Unix() {
			t.Errorf("consentTimestamp = %d, want the event's Unix seconds %d", got.ConsentTimestamp, g.At.Unix())
		}

		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), receiptEmail) || strings.Contains(string(b), "192.0.2") {
			t.Errorf("receipt carries the person's email or address: %s", b)
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID", "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat"} {
			if v, ok := fields[k]; !ok || v == "" || v == nil {
				t.Errorf("required field %q is missing or empty in %s", k, b)
			}
		}
		if _, ok := fields["publicKey"]; ok {
			t.Errorf("publicKey present without a key: %s", b)
		}
		ctrl := fields["piiControllers"].([]any)[0].(map[string]any)
		if _, ok := ctrl["phone"]; !ok {
			t.Errorf("piiControllers[0].phone missing; the specification requires it: %s", b)
		}

		f.clock.Advance(90 * time.Minute)
		w, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: f.personID, Purpose: "newsletter", Action: consent.ActionWithdraw, Evidence: consent.Evidence{Source: vern.ChannelEmail}})
		if err != nil {
			t.Fatal(err)
		}
		wr, err := f.svc.Receipt(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		pu := wr.Services[0].Purposes[0]
		if wr.ConsentReceiptID != w.ID || wr.ConsentTimestamp != w.At.Unix() || wr.CollectionMethod != "Email" ||
			pu.Termination != "Withdrawn at 2026-11-02T09:30:00Z." || wr.Version != consent.ReceiptVersion {
			t.Errorf("Receipt(withdrawal) = %+v, purpose %+v", wr, pu)
		}
	})
}

func TestReceiptNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newReceiptFixture(t, s)
		ctx := context.Background()
		o, err := f.svc.Object(ctx, "token:t1", consent.ObjectionInput{PersonID: f.personID, Scope: vern.ScopeDirectMarketing, Evidence: consent.Evidence{Source: vern.ChannelEmail}})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			id   string
		}{
			{name: "objection", id: o.ID},
			{name: "unknown id", id: "evt_unknown"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := f.svc.Receipt(ctx, tt.id)
				if vern.ErrorCode(err) != vern.ENOTFOUND {
					t.Fatalf("Receipt(%s) = %+v, %v; want ENOTFOUND", tt.id, r, err)
				}
			})
		}
	})
}
