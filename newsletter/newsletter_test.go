package newsletter_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/mock"
	"github.com/vernhq/vern/newsletter"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/publish"
)

type fixture struct {
	svc     *newsletter.Service
	people  *person.Service
	consent *consent.Service
	policy  *publish.Service
	store   vern.Store
	keys    *keyring.Keyring
	clock   *mock.Clock
}

func newFixture(t testing.TB, s vern.Store) *fixture {
	t.Helper()
	clock := mock.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	keys, err := keyring.New(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pol := publish.New(s, clock)
	if _, err := pol.Load(context.Background(), policy.Seed()); err != nil {
		t.Fatal(err)
	}
	people := person.New(s, keys, clock)
	led := consent.New(s, people, pol, keys, clock)
	svc := newsletter.New(newsletter.Config{Store: s, Keys: keys, People: people, Ledger: led, Policy: pol, Clock: clock, BaseURL: "https://privacy.example.test/"})
	return &fixture{svc: svc, people: people, consent: led, policy: pol, store: s, keys: keys, clock: clock}
}

var form = consent.Evidence{Source: vern.ChannelWebForm, PageURL: "https://example.test/form"}

func (f *fixture) person(t testing.TB, email, lang string, grants ...string) *vern.Person {
	t.Helper()
	ctx := context.Background()
	p, _, err := f.people.Create(ctx, vern.PersonInput{Email: email, Language: lang, Source: vern.Source{Channel: vern.ChannelWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		if _, err := f.consent.Record(ctx, "token:t1", consent.RecordInput{PersonID: p.ID, Purpose: g, Action: consent.ActionGrant, Evidence: form}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// outbox opens every pending mail, keyed by recipient.
func (f *fixture) outbox(t testing.TB) map[string]*vern.Mail {
	t.Helper()
	claimed, err := f.store.ClaimMail(context.Background(), f.clock.Now(), 100000, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*vern.Mail{}
	for _, sm := range claimed {
		m, err := mail.Open(f.keys, sm)
		if err != nil {
			t.Fatal(err)
		}
		if out[m.To] != nil {
			t.Errorf("two mails to one recipient (%s)", sm.Template)
		}
		out[m.To] = m
	}
	return out
}

var content = newsletter.SendInput{
	Subject: map[string]string{"nb": "Nytt i mars", "en": "News in March"},
	Body:    map[string]string{"nb": "Hei!\nVi har nyheter.", "en": "Hello!\nWe have news."},
}

func TestNewsletterSend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		kari := f.person(t, "kari@example.test", "nb", "newsletter")
		f.person(t, "john@example.test", "en", "newsletter")
		f.person(t, "none@example.test", "nb")
		objected := f.person(t, "objected@example.test", "nb", "newsletter")
		if _, err := f.consent.Object(ctx, "token:t1", consent.ObjectionInput{PersonID: objected.ID, Scope: vern.ScopeDirectMarketing, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		restricted := f.person(t, "restricted@example.test", "nb", "newsletter")
		if _, err := f.consent.Restrict(ctx, "token:t1", consent.RestrictionInput{PersonID: restricted.ID, Action: consent.ActionPlace, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		f.person(t, "suppressed@example.test", "nb", "newsletter")
		if err := s.AddSuppression(ctx, &vern.Suppression{Hash: f.people.EmailIndex("suppressed@example.test"), Reason: vern.SuppressErasure, At: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		customer := f.person(t, "customer@example.test", "nb")
		if _, err := f.consent.AddContract(ctx, consent.ContractInput{PersonID: customer.ID}); err != nil {
			t.Fatal(err)
		}

		in := content
		in.List = vern.ListNewsletter
		sd, err := f.svc.Send(ctx, "token:t1", in)
		if err != nil {
			t.Fatal(err)
		}
		if sd.Status != vern.SendQueued || sd.Queued != 2 || sd.Skipped != 5 || sd.QueuedAt == nil {
			t.Fatalf("send = %+v", sd)
		}
		mails := f.outbox(t)
		if len(mails) != 2 || mails["kari@example.test"] == nil || mails["john@example.test"] == nil {
			t.Fatalf("mails to %v", keys(mails))
		}
		m := mails["kari@example.test"]
		url, _ := f.svc.UnsubscribeURL(vern.ListNewsletter, kari.ID)
		if !strings.HasPrefix(url, "https://privacy.example.test/u/") || m.Headers["List-Unsubscribe"] != "<"+url+">" ||
			m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || m.Vars["unsubscribe_url"] != url {
			t.Errorf("mail headers %v vars %v", m.Headers, m.Vars)
		}
		if m.Language != "nb" || m.Vars["subject"] != "Nytt i mars" || mails["john@example.test"].Vars["subject"] != "News in March" {
			t.Errorf("languages: %+v", m)
		}
		msg, err := mail.Render(*m)
		if err != nil || msg.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || !strings.Contains(msg.Text, url) || !strings.Contains(msg.HTML, url) {
			t.Errorf("rendered: %v %+v", err, msg)
		}

		// Resuming a send (as after a crash) mails no one twice.
		sd.Status = vern.SendQueueing
		if err := s.UpdateSendProgress(ctx, sd); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountPendingMail(ctx); n != 2 {
			t.Fatalf("after resume %d mails pending, want 2", n)
		}

		// Customer updates go to the existing customer only (§ 15).
		in.List = vern.ListCustomerUpdates
		sd, err = f.svc.Send(ctx, "token:t1", in)
		if err != nil || sd.Queued != 1 {
			t.Fatalf("customer updates: %+v %v", sd, err)
		}
	})
}

func keys(m map[string]*vern.Mail) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSendRefusals(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	for _, tt := range []struct {
		name  string
		in    newsletter.SendInput
		field string
	}{
		{"unknown list", newsletter.SendInput{List: "everyone", Subject: content.Subject, Body: content.Body}, "list"},
		{"missing language", newsletter.SendInput{List: vern.ListNewsletter, Subject: map[string]string{"nb": "Hei"}, Body: content.Body}, "subject.en"},
		{"two-line subject", newsletter.SendInput{List: vern.ListNewsletter, Subject: map[string]string{"nb": "a\nb", "en": "x"}, Body: content.Body}, "subject.nb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Send(context.Background(), "cli", tt.in)
			fs := vern.ErrorFields(err)
			if vern.ErrorCode(err) != vern.EINVALID || len(fs) == 0 || fs[0].Field != tt.field {
				t.Fatalf("Send = %v %+v, want EINVALID on %s", err, fs, tt.field)
			}
		})
	}
}

func TestUnsubscribe(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		kari := f.person(t, "kari@example.test", "nb", "newsletter")
		cust := f.person(t, "customer@example.test", "nb")
		if _, err := f.consent.AddContract(ctx, consent.ContractInput{PersonID: cust.ID}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.svc.Token(vern.ListNewsletter, kari.ID)
		if err != nil {
			t.Fatal(err)
		}
		custTok, _ := f.svc.Token(vern.ListCustomerUpdates, cust.ID)

		// Forged, altered and foreign tokens change nothing.
		otherKeys, _ := keyring.New(bytes.Repeat([]byte{6}, 32))
		other := newsletter.New(newsletter.Config{Store: s, Keys: otherKeys, Policy: f.policy, Clock: f.clock})
		forged, _ := other.Token(vern.ListNewsletter, kari.ID)
		flipped := []byte(tok)
		flipped[5] ^= 1
		for name, bad := range map[string]string{
			"forged": forged, "flipped": string(flipped), "empty": "", "garbage": "not-a-token",
			"other list": swapList(t, custTok), "truncated": tok[:len(tok)-2],
		} {
			if _, err := f.svc.Unsubscribe(ctx, bad, form); vern.ErrorCode(err) != vern.EINVALID {
				t.Errorf("%s token: %v, want EINVALID", name, err)
			}
			if _, err := f.svc.Describe(bad); vern.ErrorCode(err) != vern.EINVALID {
				t.Errorf("%s token described: %v", name, err)
			}
		}
		if n, _ := s.CountSuppressions(ctx); n != 0 {
			t.Fatal("a bad token suppressed someone")
		}
		if d, _ := f.consent.DecidePerson(ctx, kari.ID, "newsletter"); !d.Allowed {
			t.Fatal("a bad token withdrew the consent")
		}

		if list, err := f.svc.Describe(tok); err != nil || list != vern.ListNewsletter {
			t.Fatalf("Describe = %q, %v", list, err)
		}
		if id, err := f.svc.Unsubscribe(ctx, tok, form); err != nil || id != kari.ID {
			t.Fatalf("Unsubscribe = %q, %v", id, err)
		}
		if d, _ := f.consent.DecidePerson(ctx, kari.ID, "newsletter"); d.Allowed || d.Reason != consent.ReasonConsentWithdrawn {
			t.Fatalf("after unsubscribing: %+v", d)
		}
		sup, _ := s.FindSuppressed(ctx, [][]byte{f.people.EmailIndex("kari@example.test")})
		if len(sup) != 1 {
			t.Fatal("the unsubscribed email is not suppressed")
		}
		// Twice is harmless.
		if _, err := f.svc.Unsubscribe(ctx, tok, form); err != nil {
			t.Fatalf("second unsubscribe: %v", err)
		}
		// Customer updates: an objection.
		if _, err := f.svc.Unsubscribe(ctx, custTok, form); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.consent.DecidePerson(ctx, cust.ID, "customer_updates"); d.Allowed || d.Reason != consent.ReasonObjected {
			t.Fatalf("customer after unsubscribing: %+v", d)
		}
	})
}

// swapList rewrites a token's list to newsletter, keeping its MAC.
func swapList(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	n := int(b[1])
	out := append([]byte{b[0], byte(len("newsletter"))}, "newsletter"...)
	out = append(out, b[2+n:]...)
	return base64Encode(out)
}

func TestPolicyNotice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		f.person(t, "kari@example.test", "nb", "newsletter")
		f.person(t, "john@example.test", "en")
		restricted := f.person(t, "restricted@example.test", "nb")
		if _, err := f.consent.Restrict(ctx, "token:t1", consent.RestrictionInput{PersonID: restricted.ID, Action: consent.ActionPlace, Evidence: form}); err != nil {
			t.Fatal(err)
		}
		var sent []*vern.Send
		f.policy.SetOnPublish(func(ctx context.Context, p *policy.Policy, v *vern.PolicyVersion) {
			sd, err := f.svc.Notify(ctx, p, v)
			if err != nil {
				t.Error(err)
			}
			sent = append(sent, sd)
		})
		// Not significant: no notice.
		src := bytes.Replace(policy.Seed(), []byte(`version: "2023-06-27"`), []byte(`version: "2026-01-01"`), 1)
		if _, _, err := f.policy.Publish(ctx, src); err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 || sent[0] != nil {
			t.Fatalf("insignificant change sent %+v", sent)
		}
		src = bytes.Replace(policy.Seed(), []byte(`version: "2023-06-27"`), []byte(`version: "2026-04-01"`), 1)
		src = bytes.Replace(src, []byte("en: Sending you newsletters and relevant information by email"), []byte("en: Sending you newsletters and partner offers by email"), 1)
		src = bytes.Replace(src, []byte("languages: [nb, en]\n"), []byte("languages: [nb, en]\nchange:\n  significant: true\n  summary:\n    nb: Nyhetsbrevet har fått nytt innhold.\n    en: The newsletter now carries partner offers.\n"), 1)
		if _, _, err := f.policy.Publish(ctx, src); err != nil {
			t.Fatal(err)
		}
		if len(sent) != 2 || sent[1] == nil || sent[1].Queued != 2 || sent[1].ID != "notice:2026-04-01" {
			t.Fatalf("notice = %+v", sent)
		}
		mails := f.outbox(t)
		en, nb := mails["john@example.test"], mails["kari@example.test"]
		if en == nil || nb == nil || mails["restricted@example.test"] != nil {
			t.Fatalf("notice went to %v", keys(mails))
		}
		if en.Template != vern.MailPolicyNotice || en.Vars["summary"] != "The newsletter now carries partner offers." ||
			en.Vars["notice_url"] != "https://privacy.example.test/privacy?lang=en" || en.Vars["reconsent"] != "Newsletter" || en.Vars["version"] != "2026-04-01" {
			t.Errorf("english notice = %+v", en.Vars)
		}
		if nb.Vars["summary"] != "Nyhetsbrevet har fått nytt innhold." || nb.Vars["reconsent"] != "Nyhetsbrev" {
			t.Errorf("norwegian notice = %+v", nb.Vars)
		}
		// Notifying again for the version sends nothing more.
		p, v := f.policy.Current()
		if _, err := f.svc.Notify(ctx, p, v); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountPendingMail(ctx); n != 2 {
			t.Fatalf("%d mails pending after a second notify, want 2", n)
		}
	})
}
