package request_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/request"
)

func TestAccessRequestEndToEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "kari@example.test")
		if _, err := f.people.AddInteraction(ctx, p.ID, vern.InteractionInput{Channel: vern.ChannelEmail, Kind: vern.KindQuestion, Text: "Hvor lagres dataene mine?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ledger.Record(ctx, "token:t", consent.RecordInput{PersonID: p.ID, Purpose: "newsletter", Action: consent.ActionGrant,
			Evidence: consent.Evidence{Source: vern.ChannelWebForm}}); err != nil {
			t.Fatal(err)
		}

		rc, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: " Kari@Example.test ", Language: "nb"})
		if err != nil {
			t.Fatal(err)
		}
		if rc.Status != vern.StatusReceived || rc.FirstDueOn != calendar.RequestDue(epoch).String() {
			t.Fatalf("receipt = %+v", rc)
		}
		// Nothing is linked to the person before verification.
		r, _ := f.svc.Get(ctx, rc.ID)
		if r.PersonID != "" || r.Email != "kari@example.test" || r.Channel != "public" {
			t.Fatalf("unverified request = %+v", r)
		}
		if _, err := f.svc.Verify(ctx, rc.ID, "00000000"); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("wrong code: %v", err)
		}
		r, err = f.svc.Verify(ctx, rc.ID, f.code(t, rc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != vern.StatusVerified || r.PersonID != p.ID || r.Verification != "email" {
			t.Fatalf("verified request = %+v", r)
		}
		// A used code does not work twice.
		if _, err := f.svc.Verify(ctx, rc.ID, f.code(t, rc.ID)); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("reused code: %v", err)
		}
		r = f.process(t, rc.ID)
		if r.Status != vern.StatusCompleted || r.Result == nil || r.Result.PackageExpiresAt == nil || r.ClosedAt == nil {
			t.Fatalf("completed request = %+v", r)
		}
		ms := f.mails(t, rc.ID)
		if diff := cmp.Diff([]string{vern.MailVerification, vern.MailAcknowledgment, vern.MailCompletion}, templates(ms)); diff != "" {
			t.Fatalf("mails (-want +got):\n%s", diff)
		}
		link := ms[2].Vars["package_link"]
		tok, ok := strings.CutPrefix(link, "https://privacy.example.test/privacy/packages/")
		if !ok || ms[2].To != "kari@example.test" || ms[2].Language != "nb" {
			t.Fatalf("completion mail = %+v", ms[2])
		}
		pkg, err := f.svc.Download(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if pkg.Subject == nil || pkg.Subject.Email != "kari@example.test" || len(pkg.Interactions) != 1 || len(pkg.Consents) != 1 ||
			len(pkg.Requests) != 1 || pkg.Information.Authority.Name == "" || len(pkg.Information.Purposes) == 0 || pkg.Language != "nb" {
			t.Fatalf("package = %+v", pkg)
		}
		// Forged, altered and expired links all fail alike.
		for _, bad := range []string{tok[:len(tok)-2] + "AA", "x", f.svc.PackageToken("req_other", epoch.Add(time.Hour))} {
			if _, err := f.svc.Download(ctx, bad); vern.ErrorCode(err) != vern.ENOTFOUND {
				t.Errorf("download with a bad link: %v", err)
			}
		}
		f.clock.Advance(request.PackageTTL + time.Minute)
		if _, err := f.svc.Download(ctx, tok); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Errorf("download after expiry: %v", err)
		}
		h, err := f.svc.History(ctx, rc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, e := range h {
			if e.From != e.To {
				moves = append(moves, e.To)
			}
		}
		if diff := cmp.Diff([]string{vern.StatusReceived, vern.StatusVerified, vern.StatusInProgress, vern.StatusCompleted}, moves); diff != "" {
			t.Fatalf("history (-want +got):\n%s", diff)
		}
		if !f.trail.has(p.ID + " export download package") {
			t.Errorf("the download is not in the audit trail: %v", f.trail.ops)
		}
	})
}

// An unknown address gets the same answer, a code, and in the end a
// package saying Vern holds nothing.
func TestUnknownEmailRevealsNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		f.person(t, "known@example.test")
		known, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "known@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		unknown, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "nobody@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		if known.Status != unknown.Status || known.FirstDueOn != unknown.FirstDueOn || len(f.mails(t, known.ID)) != len(f.mails(t, unknown.ID)) {
			t.Fatalf("answers differ: %+v vs %+v", known, unknown)
		}
		if _, err := f.svc.Verify(ctx, unknown.ID, f.code(t, unknown.ID)); err != nil {
			t.Fatal(err)
		}
		r := f.process(t, unknown.ID)
		if r.Status != vern.StatusCompleted || !r.Result.NoData || r.PersonID != "" {
			t.Fatalf("request = %+v", r)
		}
	})
}

func TestVerificationBruteForceAndExpiry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		rc, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestErasure, Email: "kari@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		right := f.code(t, rc.ID)
		wrong := fmt.Sprintf("%08d", (mustAtoi(t, right)+1)%1e8)
		for i := 1; i < request.MaxCodeAttempts; i++ {
			if _, err := f.svc.Verify(ctx, rc.ID, wrong); vern.ErrorCode(err) != vern.EINVALID {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
		if _, err := f.svc.Verify(ctx, rc.ID, wrong); vern.ErrorCode(err) != vern.ERATELIMIT {
			t.Fatalf("last wrong code: %v, want ERATELIMIT", err)
		}
		// The right code no longer helps, and the request is closed.
		if _, err := f.svc.Verify(ctx, rc.ID, right); err == nil {
			t.Fatal("the right code worked after too many wrong ones")
		}
		r, _ := f.svc.Get(ctx, rc.ID)
		if r.Status != vern.StatusRejected {
			t.Fatalf("status = %s, want rejected", r.Status)
		}

		rc, err = f.svc.Submit(ctx, request.Input{Kind: vern.RequestErasure, Email: "kari@example.test"})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(request.CodeTTL + time.Second)
		if _, err := f.svc.Verify(ctx, rc.ID, f.code(t, rc.ID)); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("expired code: %v", err)
		}
		if _, err := f.svc.Verify(ctx, "req_nosuch", right); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("unknown request: %v", err)
		}
	})
}

func mustAtoi(t testing.TB, s string) int {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIntakeRefusesBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		fnr := "15838512086" // synthetic fødselsnummer (REFERENCE.md 11.12)
		for _, c := range []struct {
			in    request.Input
			field string
		}{
			{request.Input{Kind: "delete_everything", Email: "a@example.test"}, "kind"},
			{request.Input{Kind: vern.RequestAccess, Email: "not an email"}, "email"},
			{request.Input{Kind: vern.RequestAccess}, "email"},
			{request.Input{Kind: vern.RequestAccess, Email: "a@example.test", Language: "de"}, "language"},
			{request.Input{Kind: vern.RequestComplaint, Email: "a@example.test"}, "details.message"},
			{request.Input{Kind: vern.RequestComplaint, Email: "a@example.test", Details: vern.RequestDetails{Message: "Mitt fødselsnummer er " + fnr}}, "details.message"},
			{request.Input{Kind: vern.RequestObjection, Email: "a@example.test", Details: vern.RequestDetails{Scope: "everything"}}, "details.scope"},
			{request.Input{Kind: vern.RequestRectification, Email: "a@example.test"}, "details.changes"},
			{request.Input{Kind: vern.RequestPortability, Email: "a@example.test", Details: vern.RequestDetails{TransferURL: "http://other.example.test/in"}}, "details.transfer_url"},
			{request.Input{Kind: vern.RequestWithdrawal, Email: "a@example.test", Details: vern.RequestDetails{Purpose: "sales_contact"}}, "details.purpose"},
		} {
			_, err := f.svc.Submit(ctx, c.in)
			var ve *vern.Error
			if vern.ErrorCode(err) != vern.EINVALID || !asError(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != c.field {
				t.Errorf("%+v: %v, want EINVALID on %s", c.in, err, c.field)
				continue
			}
			if strings.Contains(err.Error(), fnr) || strings.Contains(ve.Fields[0].Message, fnr) {
				t.Errorf("the refused value is echoed: %v", err)
			}
		}
		n, err := s.ListRequests(ctx, vern.RequestFilter{})
		if err != nil || len(n) != 0 {
			t.Fatalf("refused requests were stored: %d %v", len(n), err)
		}
	})
}

func asError(err error, target **vern.Error) bool {
	e, ok := err.(*vern.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestRateLimitPerAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		for i := range request.MaxPerAddress {
			if _, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "flood@example.test"}); err != nil {
				t.Fatalf("request %d: %v", i+1, err)
			}
		}
		if _, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "FLOOD@example.test"}); vern.ErrorCode(err) != vern.ERATELIMIT {
			t.Fatalf("request over the limit: %v", err)
		}
		if _, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "other@example.test"}); err != nil {
			t.Fatalf("another address is limited too: %v", err)
		}
		f.clock.Advance(request.AddressWindow + time.Second)
		if _, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "flood@example.test"}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// A request sent with the banner's visitor id links that visitor's cookie
// choices to the person once the email is verified, not before.
func TestVerifiedRequestLinksVisitor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		p := f.person(t, "besok@example.test")
		const visitor = "Zm9vYmFyYmF6cXV4MTIzNA"
		if _, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "besok@example.test",
			Details: vern.RequestDetails{VisitorID: "short"}}); vern.ErrorCode(err) != vern.EINVALID {
			t.Fatalf("a malformed visitor id: %v", err)
		}
		rc, err := f.svc.Submit(ctx, request.Input{Kind: vern.RequestAccess, Email: "besok@example.test",
			Details: vern.RequestDetails{VisitorID: visitor}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindVisitorLink(ctx, visitor); vern.ErrorCode(err) != vern.ENOTFOUND {
			t.Fatalf("linked before verification: %v", err)
		}
		if _, err := f.svc.Verify(ctx, rc.ID, f.code(t, rc.ID)); err != nil {
			t.Fatal(err)
		}
		l, err := s.FindVisitorLink(ctx, visitor)
		if err != nil || l.PersonID != p.ID {
			t.Fatalf("link after verification = %+v, %v", l, err)
		}
	})
}
