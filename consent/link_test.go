package consent_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

// linkFixture is a ledger with one person who has consented to the
// newsletter, and a withdrawal token for that consent.
type linkFixture struct {
	svc   *consent.Service
	store vern.Store
	clock *mock.Clock
	pol   *publish.Service
	// people, personID and grant are the person and their newsletter grant.
	people   *person.Service
	personID string
	grant    *vern.ConsentEvent
}

const linkTTL = 30 * 24 * time.Hour

func newLinkFixture(t *testing.T, s vern.Store) *linkFixture {
	t.Helper()
	ctx := context.Background()
	clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	keys, err := keyring.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(s, clock)
	if _, err := pol.Load(ctx, policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	p, _, err := people.Create(ctx, vern.PersonInput{Email: "linn@example.test", Source: vern.Source{Channel: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	svc := consent.New(s, people, pol, keys, clock)
	g, err := svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: p.ID, Purpose: "newsletter", Action: consent.ActionGrant, Evidence: webForm})
	if err != nil {
		t.Fatal(err)
	}
	return &linkFixture{svc: svc, store: s, clock: clock, pol: pol, people: people, personID: p.ID, grant: g}
}

func (f *linkFixture) token(t *testing.T) string {
	t.Helper()
	tok, err := f.svc.WithdrawalToken(f.grant, linkTTL)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *linkFixture) ledgerLen(t *testing.T) int {
	t.Helper()
	events, err := f.store.FindConsentEvents(context.Background(), f.personID)
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

var linkEvidence = consent.Evidence{Source: vern.ChannelWebForm, UserAgent: "TestBrowser/1.0", IP: "198.51.100.7"}

func TestWithdrawByToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newLinkFixture(t, s)
		ctx := context.Background()
		tok := f.token(t)
		if strings.ContainsAny(tok, "+/=.") {
			t.Errorf("token %q is not unpadded base64url", tok)
		}
		if pu, err := f.svc.DescribeToken(tok); err != nil || pu != "newsletter" {
			t.Fatalf("DescribeToken = %q, %v", pu, err)
		}
		if n := f.ledgerLen(t); n != 1 {
			t.Fatalf("DescribeToken changed the ledger: %d events", n)
		}

		w, err := f.svc.WithdrawByToken(ctx, tok, linkEvidence)
		if err != nil {
			t.Fatal(err)
		}
		if w == nil || w.Kind != vern.EventConsentWithdrawn || w.Purpose != "newsletter" || w.PersonID != f.personID ||
			w.Actor != consent.ActorWithdrawalLink || w.Channel != vern.ChannelWebForm || w.IPPrefix != "198.51.100.0/24" {
			t.Fatalf("withdrawal event = %+v", w)
		}
		d, err := f.svc.DecideEmail(ctx, "linn@example.test", "newsletter")
		if err != nil || d.Allowed || d.Reason != consent.ReasonConsentWithdrawn || d.EvidenceID != w.ID {
			t.Fatalf("decision after withdrawal = %+v, %v", d, err)
		}

		// A second click is harmless: nothing to withdraw, no new event.
		again, err := f.svc.WithdrawByToken(ctx, tok, linkEvidence)
		if err != nil || again != nil {
			t.Fatalf("second use = %+v, %v; want nil, nil", again, err)
		}
		if n := f.ledgerLen(t); n != 2 {
			t.Fatalf("ledger has %d events after two uses; want 2", n)
		}
		if rep, err := f.svc.Verify(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

// flip changes the character at i to another base64url character.
func flip(tok string, i int) string {
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

func TestWithdrawByTokenRefusals(t *testing.T) {
	f := newLinkFixture(t, testdb.SQLite(t))
	tok := f.token(t)

	// The same service on another key.
	otherKeys, err := keyring.New(bytes.Repeat([]byte{4}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other := consent.New(f.store, f.people, f.pol, otherKeys, f.clock)
	foreign, err := other.WithdrawalToken(f.grant, linkTTL)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"flipped first character", flip(tok, 0)},
		{"flipped in the expiry", flip(tok, 3)},
		{"flipped in the person id", flip(tok, 16)},
		{"flipped in the middle", flip(tok, len(tok)/2)},
		{"flipped in the MAC", flip(tok, len(tok)-20)},
		{"flipped last character", flip(tok, len(tok)-1)},
		{"signed with another key", foreign},
		{"truncated by one", tok[:len(tok)-1]},
		{"truncated by four", tok[:len(tok)-4]},
		{"truncated to the payload", tok[:len(tok)-43]},
		{"with padding", tok + "="},
		{"with a suffix", tok + "AAAA"},
		{"empty", ""},
		{"garbage", "!!not a token!!"},
		{"base64 garbage", strings.Repeat("QUJD", 30)},
		{"other format", "v1.per_x.newsletter.1999999999.abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == tok {
				t.Fatal("the case does not change the token")
			}
			if _, err := f.svc.DescribeToken(tt.token); vern.ErrorCode(err) != vern.EINVALID {
				t.Errorf("DescribeToken error = %v; want EINVALID", err)
			}
			e, err := f.svc.WithdrawByToken(context.Background(), tt.token, linkEvidence)
			if vern.ErrorCode(err) != vern.EINVALID || e != nil {
				t.Fatalf("WithdrawByToken = %+v, %v; want EINVALID", e, err)
			}
			if strings.Contains(err.Error(), "expired") {
				t.Errorf("error %q says expired for a bad token", err)
			}
			if n := f.ledgerLen(t); n != 1 {
				t.Fatalf("ledger has %d events; want 1 (unchanged)", n)
			}
		})
	}

	// The untouched token still works after all that.
	if _, err := f.svc.DescribeToken(tok); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
}

func TestWithdrawByTokenExpired(t *testing.T) {
	f := newLinkFixture(t, testdb.SQLite(t))
	tok := f.token(t)
	f.clock.Advance(linkTTL - time.Second)
	if _, err := f.svc.DescribeToken(tok); err != nil {
		t.Fatalf("token refused a second before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	for name, call := range map[string]func() error{
		"DescribeToken": func() error { _, err := f.svc.DescribeToken(tok); return err },
		"WithdrawByToken": func() error {
			_, err := f.svc.WithdrawByToken(context.Background(), tok, linkEvidence)
			return err
		},
	} {
		err := call()
		var ve *vern.Error
		if vern.ErrorCode(err) != vern.EINVALID || !errors.As(err, &ve) || !strings.Contains(ve.Message, "expired") {
			t.Errorf("%s after expiry: %v; want EINVALID saying expired", name, err)
		}
	}
	if n := f.ledgerLen(t); n != 1 {
		t.Fatalf("ledger has %d events; want 1 (unchanged)", n)
	}
	d, _ := f.svc.DecideEmail(context.Background(), "linn@example.test", "newsletter")
	if !d.Allowed {
		t.Fatalf("consent withdrawn by an expired link: %+v", d)
	}
}

func TestWithdrawalTokenOnlyForGrants(t *testing.T) {
	f := newLinkFixture(t, testdb.SQLite(t))
	ctx := context.Background()
	w, err := f.svc.Record(ctx, "token:t1", consent.RecordInput{PersonID: f.personID, Purpose: "newsletter", Action: consent.ActionWithdraw, Evidence: webForm})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := f.svc.Object(ctx, "token:t1", consent.ObjectionInput{PersonID: f.personID, Scope: vern.ScopeDirectMarketing, Evidence: webForm})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    *vern.ConsentEvent
		ttl  time.Duration
	}{
		{"withdrawal event", w, linkTTL},
		{"objection event", obj, linkTTL},
		{"no event", nil, linkTTL},
		{"zero lifetime", f.grant, 0},
		{"negative lifetime", f.grant, -time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := f.svc.WithdrawalToken(tt.e, tt.ttl)
			if vern.ErrorCode(err) != vern.EINVALID || tok != "" {
				t.Fatalf("WithdrawalToken = %q, %v; want EINVALID", tok, err)
			}
		})
	}
}
