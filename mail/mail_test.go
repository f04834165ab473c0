package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/smtptest"
	vmail "github.com/vernhq/vern/mail"
)

const from = "Vern Personvern <privacy@example.com>"

// MustNewSMTP returns a mailer for rawURL or fails the test.
func MustNewSMTP(tb testing.TB, rawURL string) *vmail.SMTP {
	tb.Helper()
	s, err := vmail.NewSMTP(rawURL, from)
	if err != nil {
		tb.Fatalf("NewSMTP: %v", err)
	}
	return s
}

// MustRender renders a template with fullVars or fails the test.
func MustRender(tb testing.TB, to, template, lang string) *vmail.Message {
	tb.Helper()
	m, err := vmail.Render(vern.Mail{To: to, Template: template, Language: lang, Vars: fullVars[template]})
	if err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return m
}

// plain returns a small message to to.
func plain(to string) *vmail.Message {
	return &vmail.Message{To: to, Subject: "Hei", Text: "Hei på deg.\n"}
}

func wantNoErrors(t *testing.T, errs []error, n int) {
	t.Helper()
	if len(errs) != n {
		t.Fatalf("Send returned %d errors, want %d", len(errs), n)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
}

func TestSendOverOneConnection(t *testing.T) {
	sink := smtptest.Start(t)
	s := MustNewSMTP(t, sink.URL())

	rejection := MustRender(t, "kari@example.org", vern.MailRejection, "nb")
	rejection.Headers = map[string]string{
		"List-Unsubscribe": "<https://privacy.example.com/unsubscribe/tok>",
		"x-vern-request":   "R-7K2M",
	}
	reminder := MustRender(t, "Ola Nordmann <ola@example.org>", vern.MailReminder, "nb")
	textOnly := &vmail.Message{To: "per@example.org", Subject: "Blåbærsyltetøy på smørbrød", Text: "Linje én\nLinje to med æøå ÆØÅ\n"}

	errs := s.Send(context.Background(), rejection, reminder, textOnly)
	wantNoErrors(t, errs, 3)

	got := sink.WaitFor(3, 5*time.Second)
	var to [][]string
	for _, r := range got {
		to = append(to, r.To)
		if r.Conn != 1 {
			t.Errorf("message to %v came on connection %d, want all on 1", r.To, r.Conn)
		}
		if r.From != "privacy@example.com" {
			t.Errorf("envelope sender = %q, want privacy@example.com", r.From)
		}
		if a, err := mail.ParseAddress(r.Header("From")); err != nil || a.Name != "Vern Personvern" || a.Address != "privacy@example.com" {
			t.Errorf("From = %q, want %q", r.Header("From"), from)
		}
		if _, err := mail.ParseDate(r.Header("Date")); err != nil {
			t.Errorf("Date %q: %v", r.Header("Date"), err)
		}
		if id := r.Header("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
			t.Errorf("Message-ID = %q, want <…@example.com>", id)
		}
		if r.Header("Auto-Submitted") != "auto-generated" {
			t.Errorf("Auto-Submitted = %q, want auto-generated", r.Header("Auto-Submitted"))
		}
		if strings.Contains(string(r.Data), "go-mail") {
			t.Error("message names the mail library")
		}
	}
	if diff := cmp.Diff([][]string{{"kari@example.org"}, {"ola@example.org"}, {"per@example.org"}}, to); diff != "" {
		t.Errorf("recipients mismatch (-want +got):\n%s", diff)
	}

	first := got[0]
	if first.Header("Subject") != rejection.Subject || !strings.Contains(first.Header("Subject"), "imøtekomme") {
		t.Errorf("Subject = %q, want %q", first.Header("Subject"), rejection.Subject)
	}
	if strings.Contains(string(first.Data), "imøtekomme") {
		t.Error("message carries raw 8-bit text; want it encoded")
	}
	if !strings.HasPrefix(first.Header("Content-Type"), "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", first.Header("Content-Type"))
	}
	if first.Text() != rejection.Text {
		t.Errorf("Text mismatch (-want +got):\n%s", cmp.Diff(rejection.Text, first.Text()))
	}
	if first.HTML() != rejection.HTML {
		t.Errorf("HTML mismatch (-want +got):\n%s", cmp.Diff(rejection.HTML, first.HTML()))
	}
	if got := first.Header("List-Unsubscribe"); got != "<https://privacy.example.com/unsubscribe/tok>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := first.Header("X-Vern-Request"); got != "R-7K2M" {
		t.Errorf("X-Vern-Request = %q, want R-7K2M", got)
	}
	if a, err := mail.ParseAddress(got[1].Header("To")); err != nil || a.Name != "Ola Nordmann" {
		t.Errorf("To = %q, want the name kept", got[1].Header("To"))
	}

	last := got[2]
	if last.Header("Subject") != "Blåbærsyltetøy på smørbrød" {
		t.Errorf("Subject = %q, want Blåbærsyltetøy på smørbrød", last.Header("Subject"))
	}
	if ct := last.Header("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "UTF-8") {
		t.Errorf("Content-Type = %q, want text/plain in UTF-8", ct)
	}
	if last.Text() != textOnly.Text || last.HTML() != "" {
		t.Errorf("Text, HTML = %q, %q; want %q, \"\"", last.Text(), last.HTML(), textOnly.Text)
	}
}

func TestSendEachCallOwnConnection(t *testing.T) {
	sink := smtptest.Start(t)
	s := MustNewSMTP(t, sink.URL())
	wantNoErrors(t, s.Send(context.Background(), plain("a@example.org")), 1)
	wantNoErrors(t, s.Send(context.Background(), plain("b@example.org")), 1)
	got := sink.WaitFor(2, 5*time.Second)
	if got[0].Conn != 1 || got[1].Conn != 2 {
		t.Errorf("connections = %d, %d; want 1, 2", got[0].Conn, got[1].Conn)
	}
}

// sendError checks that err is a *SendError and returns it.
func sendError(t *testing.T, i int, err error) *vmail.SendError {
	t.Helper()
	var se *vmail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("message %d: error %v (%T), want *mail.SendError", i, err, err)
	}
	return se
}

// noAddress fails when an error repeats an address.
func noAddress(t *testing.T, err error, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		if err != nil && strings.Contains(err.Error(), a) {
			t.Errorf("error %q repeats an address", err)
		}
	}
}

func TestSendRejected(t *testing.T) {
	tests := []struct {
		name          string
		code          int
		wantTemporary bool
	}{
		{"permanent", 550, false},
		{"temporary", 451, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := smtptest.Start(t, smtptest.RejectNth(2, tt.code))
			s := MustNewSMTP(t, sink.URL())
			addrs := []string{"a@example.org", "b@example.org", "c@example.org"}
			errs := s.Send(context.Background(), plain(addrs[0]), plain(addrs[1]), plain(addrs[2]))
			if errs[0] != nil || errs[2] != nil {
				t.Errorf("errors of the others = %v, %v; want nil", errs[0], errs[2])
			}
			se := sendError(t, 1, errs[1])
			if se.Code != tt.code || se.Temporary != tt.wantTemporary || se.Stage != "data" {
				t.Errorf("SendError = %+v, want code %d, temporary %v, stage data", se, tt.code, tt.wantTemporary)
			}
			noAddress(t, se, addrs...)

			got := sink.WaitFor(2, 5*time.Second)
			if len(got) != 2 || got[0].To[0] != addrs[0] || got[1].To[0] != addrs[2] {
				t.Errorf("sink got %v, want messages to a and c", got)
			}
		})
	}
}

func TestSendConnectionDropped(t *testing.T) {
	sink := smtptest.Start(t, smtptest.DropAfter(1))
	s := MustNewSMTP(t, sink.URL())
	errs := s.Send(context.Background(), plain("a@example.org"), plain("b@example.org"), plain("c@example.org"))
	if errs[0] != nil {
		t.Errorf("message 0: %v, want it delivered", errs[0])
	}
	for i := 1; i < 3; i++ {
		se := sendError(t, i, errs[i])
		if !se.Temporary || se.Stage != "connection" {
			t.Errorf("message %d: SendError %+v, want a temporary connection error", i, se)
		}
		noAddress(t, se, "b@example.org", "c@example.org")
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("sink got %d messages, want 1", n)
	}
}

func TestSendInvalidMessage(t *testing.T) {
	sink := smtptest.Start(t)
	s := MustNewSMTP(t, sink.URL())
	tests := []struct {
		name string
		msg  *vmail.Message
		want string
	}{
		{"bad address", plain("not an address"), "invalid recipient address"},
		{"no subject", &vmail.Message{To: "a@example.org", Text: "x"}, "no subject"},
		{"no text", &vmail.Message{To: "a@example.org", Subject: "x", HTML: "<p>x</p>"}, "no text body"},
		{"reserved header", &vmail.Message{To: "a@example.org", Subject: "x", Text: "x", Headers: map[string]string{"to": "b@example.org"}}, "header to is set by the mailer"},
		{"header line break", &vmail.Message{To: "a@example.org", Subject: "x", Text: "x", Headers: map[string]string{"X-A": "1\r\nBcc: b@example.org"}}, "header X-A has a line break"},
		{"bad header name", &vmail.Message{To: "a@example.org", Subject: "x", Text: "x", Headers: map[string]string{"X A": "1"}}, "invalid header name"},
		{"nil", nil, "nil message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := s.Send(context.Background(), tt.msg, plain("ok@example.org"))
			se := sendError(t, 0, errs[0])
			if se.Temporary || se.Stage != "message" || !strings.Contains(se.Error(), tt.want) {
				t.Errorf("error = %q (%+v), want a permanent message error containing %q", se, se, tt.want)
			}
			noAddress(t, se, "not an address", "b@example.org")
			if errs[1] != nil {
				t.Errorf("valid message: %v", errs[1])
			}
		})
	}
}

func TestSendConnectFails(t *testing.T) {
	// A port nothing listens on: take a free one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	s := MustNewSMTP(t, "smtp://"+addr)
	errs := s.Send(context.Background(), plain("a@example.org"), plain("b@example.org"))
	for i, err := range errs {
		se := sendError(t, i, err)
		if se.Stage != "connect" || !se.Temporary || se.Code != 0 {
			t.Errorf("message %d: %+v, want a temporary connect error", i, se)
		}
		noAddress(t, se, "a@example.org", "b@example.org")
	}
}

func TestSendTLSRequired(t *testing.T) {
	sink := smtptest.Start(t) // offers no STARTTLS
	s := MustNewSMTP(t, sink.URL()+"?tls=required")
	errs := s.Send(context.Background(), plain("a@example.org"), plain("b@example.org"))
	for i, err := range errs {
		if se := sendError(t, i, err); se.Stage != "connect" || !strings.Contains(se.Error(), "STARTTLS") {
			t.Errorf("message %d: %v, want a connect error about STARTTLS", i, se)
		}
	}
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("sink got %d messages over plain text, want 0", n)
	}
}

func TestSendTLS(t *testing.T) {
	tests := []struct {
		name   string
		opt    smtptest.Option
		suffix string
	}{
		{"starttls required", smtptest.StartTLS(), "?tls=required"},
		{"starttls opportunistic", smtptest.StartTLS(), ""},
		{"smtps", smtptest.ImplicitTLS(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := smtptest.Start(t, tt.opt, smtptest.RequireAuth("vern", "s3cret"))
			u := strings.Replace(sink.URL(), "://", "://vern:s3cret@", 1) + tt.suffix

			untrusted := MustNewSMTP(t, u)
			if se := sendError(t, 0, untrusted.Send(context.Background(), plain("a@example.org"))[0]); se.Stage != "connect" {
				t.Errorf("untrusted certificate: %+v, want a connect error", se)
			}

			s := MustNewSMTP(t, u)
			s.TLSConfig = &tls.Config{RootCAs: sink.RootCAs()}
			wantNoErrors(t, s.Send(context.Background(), plain("a@example.org"), plain("b@example.org")), 2)
			got := sink.WaitFor(2, 5*time.Second)
			for _, r := range got {
				if !r.TLS || r.User != "vern" {
					t.Errorf("TLS, User = %v, %q; want true, vern", r.TLS, r.User)
				}
			}
			if got[0].Conn != got[1].Conn {
				t.Errorf("messages came on connections %d and %d, want one", got[0].Conn, got[1].Conn)
			}
		})
	}
}

func TestSendAuth(t *testing.T) {
	sink := smtptest.Start(t, smtptest.RequireAuth("vern", "hemmelig/passord"))
	host := strings.TrimPrefix(sink.URL(), "smtp://")

	s := MustNewSMTP(t, "smtp://vern:hemmelig%2Fpassord@"+host)
	wantNoErrors(t, s.Send(context.Background(), plain("a@example.org")), 1)
	if got := sink.WaitFor(1, 5*time.Second)[0].User; got != "vern" {
		t.Errorf("authenticated as %q, want vern", got)
	}

	wrong := MustNewSMTP(t, "smtp://vern:feil-passord@"+host)
	errs := wrong.Send(context.Background(), plain("b@example.org"))
	se := sendError(t, 0, errs[0])
	if se.Stage != "connect" || se.Code != 535 {
		t.Errorf("SendError = %+v, want code 535 at connect", se)
	}
	if strings.Contains(se.Error(), "feil-passord") {
		t.Errorf("error %q repeats the password", se)
	}
}

func TestSendContext(t *testing.T) {
	sink := smtptest.Start(t)
	s := MustNewSMTP(t, sink.URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs := s.Send(ctx, plain("a@example.org"), plain("b@example.org"))
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("message %d: %v, want context.Canceled", i, err)
		}
		if se := sendError(t, i, err); !se.Temporary {
			t.Errorf("message %d: %+v, want temporary", i, se)
		}
	}
}

func TestSendTimeout(t *testing.T) {
	// A server that accepts and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			conns <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		select {
		case c := <-conns:
			c.Close()
		default:
		}
	})
	s := MustNewSMTP(t, "smtp://"+l.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	errs := s.Send(ctx, plain("a@example.org"))
	if !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", errs[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %s, want it bounded by the context", d)
	}
}

func TestSendNothing(t *testing.T) {
	s := MustNewSMTP(t, "smtp://127.0.0.1:1")
	if errs := s.Send(context.Background()); len(errs) != 0 {
		t.Errorf("Send() = %v, want no errors", errs)
	}
}

func TestNewSMTP(t *testing.T) {
	const secret = "S3cr3t-pw"
	valid := []string{
		"smtp://127.0.0.1:2525",
		"smtp://mail.example.com:587",
		"smtp://user:" + secret + "@mail.example.com:587",
		"smtp://mail.example.com:587?tls=required",
		"smtp://mail.example.com:587?tls=opportunistic",
		"smtp://localhost:1025?tls=none",
		"smtp://user:" + secret + "@localhost:1025?tls=none",
		"smtps://user:" + secret + "@mail.example.com:465",
		"smtp://[::1]:25/",
	}
	for _, u := range valid {
		if _, err := vmail.NewSMTP(u, from); err != nil {
			t.Errorf("NewSMTP(%q): %v", u, err)
		}
	}

	tests := []struct {
		name, url, want string
	}{
		{"wrong scheme", "http://user:" + secret + "@mail.example.com:587", "scheme must be smtp or smtps"},
		{"no scheme", "user:" + secret + "@mail.example.com:587", "scheme must be smtp or smtps"},
		{"missing port", "smtp://user:" + secret + "@mail.example.com", "no port"},
		{"missing port no creds", "smtps://mail.example.com", "no port"},
		{"bad port", "smtp://mail.example.com:99999", "port must be a number"},
		{"no host", "smtp://:587", "no host"},
		{"path", "smtp://user:" + secret + "@mail.example.com:587/x", "unexpected path"},
		{"unknown param", "smtp://mail.example.com:587?auth=plain", "unknown parameter"},
		{"bad query", "smtp://mail.example.com:587?tls=%zz", "malformed query"},
		{"bad tls", "smtp://mail.example.com:587?tls=yes", "tls must be required, opportunistic or none"},
		{"tls on smtps", "smtps://mail.example.com:465?tls=none", "smtps:// always uses TLS"},
		{"user only", "smtp://user@mail.example.com:587", "both a user and a password"},
		{"password in clear", "smtp://user:" + secret + "@mail.example.com:25?tls=none", "password in the clear"},
		{"unescaped slash in password", "smtp://user:" + secret + "/x@mail.example.com:587", "malformed URL"},
		{"bad escape in password", "smtp://user:" + secret + "%zz@mail.example.com:587", "malformed URL"},
		{"malformed", "smtp://mail.example.com:5 87", "parse SMTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vmail.NewSMTP(tt.url, from)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSMTP() error = %v, want one containing %q", err, tt.want)
			}
			for _, leak := range []string{secret, "S3cr", "%zz", "/x"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q repeats (part of) the password", err)
				}
			}
		})
	}
}

func TestNewSMTPSender(t *testing.T) {
	for _, f := range []string{"", "Vern", "privacy@", "<>"} {
		if _, err := vmail.NewSMTP("smtp://127.0.0.1:25", f); err == nil {
			t.Errorf("NewSMTP(sender %q) succeeded, want an error", f)
		}
	}
	if _, err := vmail.NewSMTP("smtp://127.0.0.1:25", "privacy@example.com"); err != nil {
		t.Errorf("NewSMTP(bare sender): %v", err)
	}
}
