package request_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/request"
)

// epoch is a Monday morning in Oslo, well clear of holidays.
var epoch = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

type fixture struct {
	svc    *request.Service
	people *person.Service
	ledger *consent.Service
	store  vern.Store
	keys   *keyring.Keyring
	clock  *mock.Clock
	trail  *trailLog
}

type fixtureOption func(*request.Config)

func newFixture(t testing.TB, s vern.Store, opts ...fixtureOption) *fixture {
	t.Helper()
	keys, err := keyring.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clock := mock.NewClock(epoch)
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}

	people := person.New(s, keys, clock)
	ledger := consent.New(s, people, pol, keys, clock)
	tl := &trailLog{}
	cfg := request.Config{Store: s, Keys: keys, People: people, Ledger: ledger, Policy: pol, Clock: clock,
		Trail: tl, BaseURL: "https://privacy.example.test"}
	for _, o := range opts {
		o(&cfg)
	}
	return &fixture{svc: request.New(cfg), people: people, ledger: ledger, store: s, keys: keys, clock: clock, trail: tl}
}

// trailLog collects audit-trail records.
type trailLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *trailLog) Record(personID, actor, action, operation string, fields []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, personID+" "+action+" "+operation)
}

func (l *trailLog) has(op string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.ops, op)
}

func (f *fixture) person(t testing.TB, email string) *vern.Person {
	t.Helper()
	p, _, err := f.people.Create(context.Background(), vern.PersonInput{FirstName: "Kari", LastName: "Nordmann", Email: email,
		Phone: "+4791234567", Source: vern.Source{Channel: vern.ChannelWebForm},
		Organization: &vern.OrganizationInput{Name: "Eksempel AS"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mails returns the mails queued about a request, opened.
func (f *fixture) mails(t testing.TB, requestID string) []*vern.Mail {
	t.Helper()
	sms, err := f.store.FindMailOfRequest(context.Background(), requestID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*vern.Mail
	for _, sm := range sms {
		m, err := mail.Open(f.keys, sm)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// code returns the verification code mailed for a request.
func (f *fixture) code(t testing.TB, requestID string) string {
	t.Helper()
	for _, m := range f.mails(t, requestID) {
		if m.Template == vern.MailVerification {
			return strings.ReplaceAll(m.Vars["code"], " ", "")
		}
	}
	t.Fatalf("no verification mail for %s", requestID)
	return ""
}

// submitVerified opens a public request and verifies it.
func (f *fixture) submitVerified(t testing.TB, in request.Input) *vern.Request {
	t.Helper()
	rc, err := f.svc.Submit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Verify(context.Background(), rc.ID, f.code(t, rc.ID))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// process runs a request to its end and returns it.
func (f *fixture) process(t testing.TB, id string) *vern.Request {
	t.Helper()
	if err := f.svc.Process(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func templates(ms []*vern.Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Template)
	}
	return out
}
