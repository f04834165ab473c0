package newsletter_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/smtptest"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/loadgen"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/request"
)

// TestDeliveryRetriesWithoutDuplicates sends a newsletter through an SMTP
// server that refuses one message for now (451) and drops the connection
// mid-batch: every subscriber gets the mail exactly once, after retries,
// each with its own List-Unsubscribe link.
func TestDeliveryRetriesWithoutDuplicates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		const n = 12
		for i := range n {
			f.person(t, fmt.Sprintf("p%02d@example.test", i), "en", "newsletter")
		}
		in := content
		in.List = vern.ListNewsletter
		if _, err := f.svc.Send(ctx, "cli", in); err != nil {
			t.Fatal(err)
		}
		srv := smtptest.Start(t, smtptest.RejectNth(3, 451), smtptest.DropAfter(6))
		sender, err := mail.NewSMTP(srv.URL(), "Nyheter <nyheter@example.test>")
		if err != nil {
			t.Fatal(err)
		}
		m := request.NewMailer(s, f.keys, sender, f.clock, slog.New(slog.DiscardHandler))
		m.SetBatch(5)
		for round := 0; round < 20; round++ {
			if _, _, err := m.RunOnce(ctx); err != nil {
				t.Logf("round %d: %v", round, err) // failures are retried
			}
			if pending, _ := s.CountPendingMail(ctx); pending == 0 {
				break
			}
			f.clock.Advance(time.Hour) // past any backoff
		}
		if pending, _ := s.CountPendingMail(ctx); pending != 0 {
			t.Fatalf("%d mails still pending", pending)
		}
		got := map[string]int{}
		links := map[string]bool{}
		for _, msg := range srv.Messages() {
			got[msg.To[0]]++
			links[msg.Header("List-Unsubscribe")] = true
			if msg.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("no one-click header on a delivered mail")
			}
		}
		if len(got) != n || len(links) != n {
			t.Fatalf("%d recipients, %d distinct links; want %d", len(got), len(links), n)
		}
		for to, c := range got {
			if c != 1 {
				t.Errorf("%s got %d copies", to, c)
			}
		}
	})
}

// BenchmarkPolicyNotice queues the notice of a significant policy change
// to VERN_BENCH_PEOPLE people (default 2,000; the figure is
// 100,000 within 30 s) and delivers it to a local SMTP server (the
// issue's floor is 1,000 messages a second), reporting both rates.
func BenchmarkPolicyNotice(b *testing.B) {
	n := 2000
	if v := os.Getenv("VERN_BENCH_PEOPLE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := testdb.SQLite(b)
		f := newFixture(b, s)
		var csv bytes.Buffer
		if err := loadgen.WritePeopleCSV(&csv, n, 1); err != nil {
			b.Fatal(err)
		}
		if _, err := f.people.Import(ctx, bytes.NewReader(csv.Bytes()), person.ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		p, _ := f.policy.Current()
		v := &vern.PolicyVersion{Version: "2026-05-01"}
		pc := *p
		pc.Change = noticeChange
		sd, err := f.svc.Notify(ctx, &pc, v)
		if err != nil || sd.Queued != n {
			b.Fatalf("notice: %+v %v", sd, err)
		}
		queued := time.Since(start)
		srv := smtptest.Start(b)
		sender, err := mail.NewSMTP(srv.URL(), "Personvern <personvern@example.test>")
		if err != nil {
			b.Fatal(err)
		}
		m := request.NewMailer(s, f.keys, sender, f.clock, slog.New(slog.DiscardHandler))
		m.SetBatch(500)
		start = time.Now()
		for {
			sent, _, err := m.RunOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if sent == 0 {
				break
			}
		}
		delivered := time.Since(start)
		if got := len(srv.Messages()); got != n {
			b.Fatalf("%d delivered, want %d", got, n)
		}
		b.ReportMetric(float64(n)/queued.Seconds(), "queued/s")
		b.ReportMetric(float64(n)/delivered.Seconds(), "delivered/s")
	}
}

// A subscriber who is suppressed after the newsletter was queued (an
// unsubscribe from an earlier mail, an objection, an erasure) does not get
// it: the mailer checks the suppression list again just before sending.
func TestSuppressedAfterQueueingIsNotSent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		f.person(t, "stays@example.test", "en", "newsletter")
		f.person(t, "leaves@example.test", "en", "newsletter")
		in := content
		in.List = vern.ListNewsletter
		if _, err := f.svc.Send(ctx, "cli", in); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSuppression(ctx, &vern.Suppression{Hash: f.people.EmailIndex("leaves@example.test"),
			Reason: vern.SuppressUnsubscribe, At: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		srv := smtptest.Start(t)
		sender, err := mail.NewSMTP(srv.URL(), "Nyheter <nyheter@example.test>")
		if err != nil {
			t.Fatal(err)
		}
		m := request.NewMailer(s, f.keys, sender, f.clock, slog.New(slog.DiscardHandler))
		m.SetSuppressionIndex(f.people.EmailIndex)
		sent, failed, _ := m.RunOnce(ctx)
		if sent != 1 || failed != 1 {
			t.Fatalf("sent %d, failed %d; want 1 and 1", sent, failed)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "stays@example.test" {
			t.Fatalf("delivered to %v", msgs)
		}
		if sent, failed, _ := m.RunOnce(ctx); sent+failed != 0 {
			t.Fatalf("the suppressed mail was tried again: sent %d, failed %d", sent, failed)
		}
	})
}
