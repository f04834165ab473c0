package smtptest_test

import (
	"crypto/tls"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/internal/smtptest"
)

// rawMessage is multipart/alternative with a quoted-printable text part,
// a base64 HTML part and an RFC 2047 subject folded over two lines.
const rawMessage = "From: Vern <privacy@example.com>\r\n" +
	"To: a@example.org\r\n" +
	"Subject: =?UTF-8?Q?Bl=C3=A5b=C3=A6rsyltet=C3=B8y?=\r\n" +
	" =?UTF-8?Q?_p=C3=A5_sm=C3=B8rbr=C3=B8d?=\r\n" +
	"X-Custom: plain value\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Hei p=C3=A5 deg,\r\n" +
	"en veldig lang linje som er brutt med myk linjeskift her =\r\n" +
	"og fortsetter.\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+SGVpIHDDpSBkZWc8L3A+\r\n" +
	"--b1--\r\n"

// send delivers raw messages over one connection to addr.
func send(t *testing.T, addr string, auth sasl.Client, to string, raws ...string) []error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return []error{err}
		}
	}
	var errs []error
	for _, raw := range raws {
		errs = append(errs, sendOne(c, to, raw))
	}
	return errs
}

func sendOne(c *smtp.Client, to, raw string) error {
	if err := c.Mail("privacy@example.com", nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	return w.Close()
}

func TestServerParsesMessage(t *testing.T) {
	srv := smtptest.Start(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Errorf("URL() = %q, want smtp://127.0.0.1:PORT", srv.URL())
	}
	if errs := send(t, srv.Addr(), nil, "a@example.org", rawMessage); errs[0] != nil {
		t.Fatalf("send: %v", errs[0])
	}
	msgs := srv.WaitFor(1, 5*time.Second)
	m := msgs[0]
	if diff := cmp.Diff([]string{"a@example.org"}, m.To); diff != "" {
		t.Errorf("To mismatch (-want +got):\n%s", diff)
	}
	if m.From != "privacy@example.com" || m.Conn != 1 || m.User != "" {
		t.Errorf("From, Conn, User = %q, %d, %q; want privacy@example.com, 1, \"\"", m.From, m.Conn, m.User)
	}
	checks := []struct{ name, got, want string }{
		{"Subject", m.Header("Subject"), "Blåbærsyltetøy på smørbrød"},
		{"X-Custom", m.Header("x-custom"), "plain value"},
		{"Missing", m.Header("X-Missing"), ""},
		{"Text", m.Text(), "Hei på deg,\nen veldig lang linje som er brutt med myk linjeskift her og fortsetter."},
		{"HTML", m.HTML(), "<p>Hei på deg</p>"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestServerPlainTextMessage(t *testing.T) {
	srv := smtptest.Start(t)
	raw := "Subject: hello\r\n\r\nJust text.\r\n"
	if errs := send(t, srv.Addr(), nil, "a@example.org", raw); errs[0] != nil {
		t.Fatalf("send: %v", errs[0])
	}
	m := srv.WaitFor(1, 5*time.Second)[0]
	if m.Text() != "Just text.\n" || m.HTML() != "" {
		t.Errorf("Text, HTML = %q, %q; want %q, \"\"", m.Text(), m.HTML(), "Just text.\n")
	}
}

func TestRejectNth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.RejectNth(2, 550), smtptest.RejectNth(3, 451))
	errs := send(t, srv.Addr(), nil, "a@example.org", rawMessage, rawMessage, rawMessage, rawMessage)
	wantCodes := []int{0, 550, 451, 0}
	for i, err := range errs {
		code := 0
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			code = se.Code
		} else if err != nil {
			t.Errorf("message %d: %v, want an SMTP error", i+1, err)
		}
		if code != wantCodes[i] {
			t.Errorf("message %d: code %d, want %d", i+1, code, wantCodes[i])
		}
	}
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("kept %d messages, want 2", got)
	}
}

func TestDropAfter(t *testing.T) {
	srv := smtptest.Start(t, smtptest.DropAfter(2))
	errs := send(t, srv.Addr(), nil, "a@example.org", rawMessage, rawMessage, rawMessage)
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Errorf("errors = %v, want nil, nil, a connection error", errs)
	}
	// Dropping happens once: a new connection works.
	errs = send(t, srv.Addr(), nil, "a@example.org", rawMessage, rawMessage)
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("errors after reconnecting = %v, want none", errs)
	}
	msgs := srv.WaitFor(4, 5*time.Second)
	var conns []int
	for _, m := range msgs {
		conns = append(conns, m.Conn)
	}
	if diff := cmp.Diff([]int{1, 1, 2, 2}, conns); diff != "" {
		t.Errorf("connections mismatch (-want +got):\n%s", diff)
	}
}

func TestRequireAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.RequireAuth("vern", "s3cret"))
	if errs := send(t, srv.Addr(), nil, "a@example.org", rawMessage); errs[0] == nil {
		t.Error("unauthenticated send succeeded, want an error")
	}
	if errs := send(t, srv.Addr(), sasl.NewPlainClient("", "vern", "wrong"), "a@example.org", rawMessage); errs[0] == nil {
		t.Error("send with a wrong password succeeded, want an error")
	}
	if errs := send(t, srv.Addr(), sasl.NewPlainClient("", "vern", "s3cret"), "a@example.org", rawMessage); errs[0] != nil {
		t.Fatalf("authenticated send: %v", errs[0])
	}
	if got := srv.WaitFor(1, 5*time.Second)[0].User; got != "vern" {
		t.Errorf("User = %q, want vern", got)
	}
}

// fatalTB records Fatalf and stops the goroutine like testing.T does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = format
	f.mu.Unlock()
	runtime.Goexit()
}

func TestWaitForTimeout(t *testing.T) {
	tb := &fatalTB{TB: t}
	srv := smtptest.Start(tb)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.WaitFor(1, 50*time.Millisecond)
		t.Error("WaitFor returned without messages")
	}()
	<-done
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.msg == "" {
		t.Error("WaitFor did not fail the test on timeout")
	}
}

func TestTLS(t *testing.T) {
	t.Run("starttls", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.StartTLS())
		c, err := smtp.DialStartTLS(srv.Addr(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("DialStartTLS: %v", err)
		}
		defer c.Close()
		if err := sendOne(c, "a@example.org", rawMessage); err != nil {
			t.Fatalf("send: %v", err)
		}
		if !srv.WaitFor(1, 5*time.Second)[0].TLS {
			t.Error("message did not come over TLS")
		}
	})
	t.Run("implicit", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.ImplicitTLS())
		if !strings.HasPrefix(srv.URL(), "smtps://127.0.0.1:") {
			t.Errorf("URL() = %q, want smtps://127.0.0.1:PORT", srv.URL())
		}
		c, err := smtp.DialTLS(srv.Addr(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("DialTLS: %v", err)
		}
		defer c.Close()
		if err := sendOne(c, "a@example.org", rawMessage); err != nil {
			t.Fatalf("send: %v", err)
		}
		if !srv.WaitFor(1, 5*time.Second)[0].TLS {
			t.Error("message did not come over TLS")
		}
	})
	t.Run("plain by default", func(t *testing.T) {
		srv := smtptest.Start(t)
		if srv.RootCAs() != nil {
			t.Error("RootCAs() is set without TLS")
		}
		if errs := send(t, srv.Addr(), nil, "a@example.org", rawMessage); errs[0] != nil {
			t.Fatalf("send: %v", errs[0])
		}
		if srv.WaitFor(1, 5*time.Second)[0].TLS {
			t.Error("message came over TLS, want plain")
		}
	})
}
