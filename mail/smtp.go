// Package mail renders Vern's email templates and delivers messages over
// SMTP.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// DefaultTimeout bounds each SMTP command when SMTP.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Message is one email ready to send. HTML is optional; with it, the
// message is multipart/alternative. Headers adds headers such as
// List-Unsubscribe; it cannot replace the ones the mailer writes.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Headers map[string]string
}

// SMTP sends messages to an SMTP server. It is safe for concurrent use;
// each Send uses its own connection.
type SMTP struct {
	// Timeout bounds each SMTP command; zero means DefaultTimeout. The
	// context given to Send bounds the whole batch.
	Timeout time.Duration
	// TLSConfig, if set, is used for STARTTLS and smtps instead of the
	// system's roots, such as to trust a private CA. ServerName defaults
	// to the URL's host.
	TLSConfig *tls.Config
	// DKIM, if set, signs every message. A message that cannot be signed
	// fails at stage "message" and is not sent unsigned.
	DKIM *DKIM

	host        string
	port        int
	implicitTLS bool
	tlsPolicy   gomail.TLSPolicy
	user, pass  string
	from        string // parsed and re-formatted sender
	idDomain    string // right-hand side of Message-IDs
}

// NewSMTP returns a mailer for rawURL, sending as from ("Vern
// <privacy@example.com>" or a bare address). rawURL is one of
//
//	smtp://host:port                  STARTTLS when the server offers it
//	smtp://host:port?tls=required     STARTTLS or fail
//	smtp://host:port?tls=none         never STARTTLS (local relays)
//	smtps://host:port                 implicit TLS
//
// with optional user:password@ before the host for PLAIN or LOGIN
// authentication. Errors never repeat the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote pieces of the URL, which may be pieces of
		// the password; repeat them only when there can be none.
		if strings.Contains(rawURL, "@") {
			return nil, errors.New("parse SMTP URL: malformed URL (check that the password is percent-encoded)")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("parse SMTP URL: %w", err)
	}
	s := &SMTP{tlsPolicy: gomail.TLSOpportunistic}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicitTLS = true
	default:
		return nil, errors.New("parse SMTP URL: scheme must be smtp or smtps")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("parse SMTP URL: no host; want smtp://host:port")
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, errors.New("parse SMTP URL: unexpected path or fragment; want smtp://host:port")
	}
	s.host = u.Hostname()
	if u.Port() == "" {
		return nil, errors.New("parse SMTP URL: no port; want smtp://host:port, such as port 587 or 465 for smtps")
	}
	s.port, err = strconv.Atoi(u.Port())
	if err != nil || s.port < 1 || s.port > 65535 {
		return nil, errors.New("parse SMTP URL: port must be a number from 1 to 65535")
	}
	if u.User != nil {
		pass, ok := u.User.Password()
		if u.User.Username() == "" || !ok || pass == "" {
			return nil, errors.New("parse SMTP URL: credentials need both a user and a password")
		}
		s.user, s.pass = u.User.Username(), pass
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("parse SMTP URL: malformed query")
	}
	if err := s.parseQuery(q); err != nil {
		return nil, err
	}

	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("parse sender address: %w", err)
	}
	s.from = addr.String()
	s.idDomain = addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	return s, nil
}

func (s *SMTP) parseQuery(q url.Values) error {
	for k, v := range q {
		if k != "tls" {
			return errors.New("parse SMTP URL: unknown parameter; only tls is known")
		}
		if len(v) != 1 {
			return errors.New("parse SMTP URL: tls given more than once")
		}
		if s.implicitTLS {
			return errors.New("parse SMTP URL: tls is for smtp:// only; smtps:// always uses TLS")
		}
		switch v[0] {
		case "required":
			s.tlsPolicy = gomail.TLSMandatory
		case "opportunistic":
			s.tlsPolicy = gomail.TLSOpportunistic
		case "none":
			s.tlsPolicy = gomail.NoTLS
		default:
			return errors.New("parse SMTP URL: tls must be required, opportunistic or none")
		}
	}
	if s.tlsPolicy == gomail.NoTLS && s.pass != "" && !isLoopback(s.host) {
		return errors.New("parse SMTP URL: tls=none would send the password in the clear")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers msgs over one connection and returns one error per
// message, nil for each one the server accepted, so a caller can record
// every outcome. A message the server refuses fails alone; when the
// connection cannot be made or is lost, that message and all after it
// fail. Failures are *SendError values, whose text holds no address. ctx
// bounds the whole batch; Timeout bounds each command.
func (s *SMTP) Send(ctx context.Context, msgs ...*Message) []error {
	errs := make([]error, len(msgs))
	built := make([]*gomail.Msg, len(msgs))
	signed := make([][]byte, len(msgs)) // the bytes to send, when DKIM signs them
	pending := false
	for i, m := range msgs {
		gm, err := s.build(m)
		if err == nil && s.DKIM != nil {
			signed[i], err = s.sign(gm)
		}
		if err != nil {
			errs[i] = &SendError{Stage: "message", err: err}
			continue
		}
		built[i], pending = gm, true
	}
	if !pending {
		return errs
	}

	var broken *SendError // set once the connection is unusable
	send, hangUp, err := s.dial(ctx)
	if err != nil {
		broken = connError(ctx, "connect", err)
	} else {
		defer hangUp()
	}
	for i, gm := range built {
		if gm == nil {
			continue
		}
		if broken == nil && ctx.Err() != nil {
			broken = connError(ctx, "connection", ctx.Err())
		}
		if broken != nil {
			errs[i] = broken
			continue
		}
		err := send(gm, signed[i])
		if err == nil || gm.IsDelivered() {
			// A delivered message may still report a failed RSET after
			// it; the next message's NOOP finds out about the connection.
			continue
		}
		se := messageError(err)
		if se.Stage == "connection" || ctx.Err() != nil {
			se = connError(ctx, "connection", errConnLost)
			broken = se
		}
		errs[i] = se
	}
	return errs
}

var errConnLost = errors.New("connection lost")

// dial connects, greets, negotiates TLS and authenticates. send delivers
// one message on the session, as raw when that is not nil; hangUp ends it.
func (s *SMTP) dial(ctx context.Context) (send func(gm *gomail.Msg, raw []byte) error, hangUp func(), err error) {
	var conn net.Conn
	stop := func() bool { return false }
	dialer := func(dctx context.Context, network, addr string) (net.Conn, error) {
		c, err := s.dialConn(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		// go-mail holds a lock while it waits for the server, so a
		// cancelled ctx must close the socket underneath it.
		stop = context.AfterFunc(ctx, func() { _ = c.Close() })
		conn = c
		return c, nil
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSPolicy(s.tlsPolicy),
		gomail.WithTLSConfig(s.tlsConfig()),
		gomail.WithDialContextFunc(dialer),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return nil, nil, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	hangUp = func() {
		if sc != nil {
			// Every message has its outcome by now; a failed QUIT
			// changes none of them.
			_ = client.CloseWithSMTPClient(sc)
		}
		stop()
		if conn != nil {
			_ = conn.Close()
		}
	}
	if err != nil {
		hangUp()
		return nil, nil, err
	}
	send = func(m *gomail.Msg, raw []byte) error {
		if raw != nil {
			return sendRaw(sc, timeout, m, raw)
		}
		return client.SendWithSMTPClient(sc, m)
	}
	return send, hangUp, nil
}

// dialConn opens the TCP connection, with TLS from the start for smtps.
func (s *SMTP) dialConn(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{}
	if !s.implicitTLS {
		return d.DialContext(ctx, network, addr)
	}
	td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
	return td.DialContext(ctx, network, addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// sign renders gm once and signs those bytes. go-mail draws new MIME
// boundaries on every render, so these bytes, not gm, are what is sent.
func (s *SMTP) sign(gm *gomail.Msg) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := gm.WriteTo(&buf); err != nil {
		return nil, errors.New("render message")
	}
	return s.DKIM.Sign(buf.Bytes())
}

// sendRaw delivers raw, the rendered and signed gm, on sc as go-mail's
// own send does: NOOP to check the connection, MAIL FROM, RCPT TO, DATA,
// then RSET. Its errors are *SendError values, in the stages and with the
// codes messageError gives go-mail's.
func sendRaw(sc *smtp.Client, timeout time.Duration, gm *gomail.Msg, raw []byte) error {
	if err := sc.Noop(); err != nil {
		return &SendError{Stage: "connection", Temporary: true}
	}
	if err := sc.UpdateDeadline(timeout); err != nil {
		return &SendError{Stage: "connection", Temporary: true}
	}
	from, err := gm.GetSender(false)
	if err != nil {
		return &SendError{Stage: "message"}
	}
	rcpts, err := gm.GetRecipients()
	if err != nil {
		return &SendError{Stage: "message"}
	}
	if err := sc.Mail(from); err != nil {
		_ = sc.Reset() // the reply already decides; the next NOOP checks the connection
		return replyError("mail from", err)
	}
	for _, rcpt := range rcpts {
		if err := sc.Rcpt(rcpt); err != nil {
			_ = sc.Reset()
			return replyError("rcpt to", err)
		}
	}
	w, err := sc.Data()
	if err != nil {
		return replyError("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		return replyError("data", err)
	}
	if err := w.Close(); err != nil {
		return replyError("data", err)
	}
	// Delivered: a failed RSET changes nothing for this message.
	_ = sc.Reset()
	return nil
}

// replyError describes a refused or failed SMTP command without the
// server's text, which may quote an address.
func replyError(stage string, err error) *SendError {
	se := &SendError{Stage: stage}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
	}
	// No code means the connection failed mid-command.
	se.Temporary = se.Code == 0 || se.Code/100 == 4
	return se
}

// build turns m into a go-mail message. Its errors name no address.
func (s *SMTP) build(m *Message) (*gomail.Msg, error) {
	if m == nil {
		return nil, errors.New("nil message")
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, errors.New("invalid recipient address")
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, errors.New("no subject")
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, errors.New("no text body")
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := gm.From(s.from); err != nil {
		return nil, fmt.Errorf("set sender: %w", err)
	}
	if err := gm.To(m.To); err != nil {
		return nil, errors.New("invalid recipient address")
	}
	gm.Subject(m.Subject)
	gm.SetDateWithValue(time.Now())
	gm.SetMessageIDWithValue(rand.Text() + "@" + s.idDomain)
	// RFC 3834: tells autoresponders not to answer.
	gm.SetGenHeader("Auto-Submitted", "auto-generated")
	for k, v := range m.Headers {
		if err := checkHeader(k, v); err != nil {
			return nil, err
		}
		gm.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(k)), v)
	}
	gm.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return gm, nil
}

// reservedHeaders are written by the mailer from Message fields.
var reservedHeaders = []string{"Bcc", "Cc", "Content-Transfer-Encoding", "Content-Type", "Date",
	"From", "Message-Id", "Mime-Version", "Subject", "To"}

func checkHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("invalid header name %q", name)
		}
	}
	if slices.Contains(reservedHeaders, textproto.CanonicalMIMEHeaderKey(name)) {
		return fmt.Errorf("header %s is set by the mailer", name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("header %s has a line break", name)
	}
	return nil
}

// SendError says why one message was not sent. Its text holds no address
// and no server reply text, which may quote one, so it can be logged and
// stored: "smtp 550 at rcpt to", "smtp at connect: dial tcp …".
type SendError struct {
	// Stage is what failed: "message" (the message itself is unusable),
	// "connect", "connection" (lost during the batch), "mail from",
	// "rcpt to" or "data".
	Stage string
	// Code is the server's SMTP reply code, or 0 when there was none.
	Code int
	// Temporary reports whether a later try may succeed: always after a
	// connection failure, which is not the message's fault, and for 4xx
	// replies.
	Temporary bool
	err       error // a cause free of personal data, or nil
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("smtp")
	if e.Code != 0 {
		b.WriteString(" " + strconv.Itoa(e.Code))
	}
	b.WriteString(" at " + e.Stage)
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, such as context.Canceled.
func (e *SendError) Unwrap() error { return e.err }

// connError describes a connection that could not be made or was lost.
// The causes come from dialling, TLS and authentication, before any
// address is sent, or are errConnLost.
func connError(ctx context.Context, stage string, err error) *SendError {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	se := &SendError{Stage: stage, Temporary: true, err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
	}
	return se
}

// messageError translates go-mail's error for one message, dropping its
// text: that lists the recipients and quotes the server.
func messageError(err error) *SendError {
	var own *SendError
	if errors.As(err, &own) {
		return own
	}
	var ge *gomail.SendError
	if !errors.As(err, &ge) {
		return &SendError{Stage: "data", Temporary: true}
	}
	se := &SendError{Code: ge.ErrorCode()}
	switch ge.Reason {
	case gomail.ErrConnCheck:
		se.Stage = "connection"
	case gomail.ErrSMTPMailFrom:
		se.Stage = "mail from"
	case gomail.ErrSMTPRcptTo:
		se.Stage = "rcpt to"
	case gomail.ErrSMTPData, gomail.ErrWriteContent, gomail.ErrSMTPDataClose, gomail.ErrSMTPReset:
		se.Stage = "data"
	default: // the message could not be prepared, such as 8-bit content the server cannot take
		se.Stage = "message"
		return se
	}
	// No code means the connection failed mid-command.
	se.Temporary = ge.IsTemp() || se.Code == 0
	return se
}
