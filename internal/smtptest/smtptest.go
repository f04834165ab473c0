// Package smtptest runs an in-process SMTP server that keeps what it
// receives, for tests in any package. It listens on 127.0.0.1, without
// TLS unless asked, and accepts authentication in the clear, so it must
// never face a network.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Option changes how a Server behaves, mostly to inject faults.
type Option func(*config)

type config struct {
	rejects     map[int]int // DATA number → reply code
	dropAfter   int
	user        string
	pass        string
	startTLS    bool
	implicitTLS bool
}

// RejectNth makes the nth DATA command (counting from 1, over all
// connections) fail with the SMTP reply code, such as 451 (temporary) or
// 550 (permanent). The message is then not kept. Use it more than once to
// reject several messages.
func RejectNth(n, code int) Option {
	return func(c *config) { c.rejects[n] = code }
}

// DropAfter makes the server close the connection abruptly, without a
// reply, once it has accepted and acknowledged n messages in all. It does
// so once; later connections work.
func DropAfter(n int) Option {
	return func(c *config) { c.dropAfter = n }
}

// RequireAuth makes the server refuse mail until the client has
// authenticated with PLAIN as user and pass. Without it, any credentials
// are accepted and authentication is optional.
func RequireAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// StartTLS makes the server offer STARTTLS with a certificate for
// 127.0.0.1 that only RootCAs trusts.
func StartTLS() Option {
	return func(c *config) { c.startTLS = true }
}

// ImplicitTLS makes the server speak TLS from the start, as for smtps://
// URLs, with a certificate that only RootCAs trusts.
func ImplicitTLS() Option {
	return func(c *config) { c.implicitTLS = true }
}

// Received is a message as the server received it.
type Received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // the message as sent, with CRLF line ends
	// User is the name the client authenticated as, or "".
	User string
	// Conn numbers the SMTP session the message came in, from 1, so a
	// test can tell whether messages shared a connection. STARTTLS starts
	// a new session on the same connection.
	Conn int
	// TLS reports whether the message came encrypted.
	TLS bool
}

// Server is a running test SMTP server.
type Server struct {
	tb    testing.TB
	cfg   config
	addr  string
	roots *x509.CertPool

	mu      sync.Mutex
	msgs    []Received
	datas   int           // DATA commands seen
	conns   int           // connections seen
	dropped bool          // DropAfter has fired
	changed chan struct{} // closed and replaced on every new message
}

// Start runs a server on 127.0.0.1 on a free port. It is closed when the
// test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{tb: tb, cfg: config{rejects: map[int]int{}}, changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().String()

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	if s.cfg.startTLS || s.cfg.implicitTLS {
		cfg, roots, err := selfSigned()
		if err != nil {
			tb.Fatalf("smtptest: certificate: %v", err)
		}
		s.roots = roots
		srv.TLSConfig = cfg
		if s.cfg.implicitTLS {
			l = tls.NewListener(l, cfg)
		}
	}
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	// Dropped connections are expected here; the default logger would
	// write to stderr after the test has ended.
	srv.ErrorLog = log.New(io.Discard, "", 0)

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns nil once closed
	}()
	tb.Cleanup(func() {
		_ = srv.Close()
		// Close misses the listener when Serve has not registered it yet.
		_ = l.Close()
		<-done
	})
	return s
}

// URL returns the address to send to, as smtp://127.0.0.1:PORT, or
// smtps:// with ImplicitTLS.
func (s *Server) URL() string {
	if s.cfg.implicitTLS {
		return "smtps://" + s.addr
	}
	return "smtp://" + s.addr
}

// RootCAs returns the pool that trusts the server's certificate, or nil
// without StartTLS or ImplicitTLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor waits until at least n messages have arrived and returns all of
// them. It fails the test when they have not arrived within timeout, so
// call it from the test's goroutine.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	s.tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		if got >= n {
			msgs := slices.Clone(s.msgs)
			s.mu.Unlock()
			return msgs
		}
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			s.tb.Fatalf("smtptest: got %d messages within %s, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns++
	return &session{s: s, conn: c, connNo: s.conns}, nil
}

// accept records one DATA command and says whether to reject it with a
// code, and whether to drop the connection after replying.
func (s *Server) accept(r Received) (code int, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.datas++
	if code, ok := s.cfg.rejects[s.datas]; ok {
		return code, false
	}
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
	if s.cfg.dropAfter > 0 && !s.dropped && len(s.msgs) >= s.cfg.dropAfter {
		s.dropped = true
		drop = true
	}
	return 0, drop
}

// session is one SMTP connection.
type session struct {
	s      *Server
	conn   *smtp.Conn
	connNo int
	user   string
	from   string
	to     []string
	drop   bool
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if ss.s.cfg.user != "" && (user != ss.s.cfg.user || pass != ss.s.cfg.pass) {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.cfg.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	code, drop := ss.s.accept(Received{From: ss.from, To: slices.Clone(ss.to), Data: data,
		User: ss.user, Conn: ss.connNo, TLS: isTLS})
	if code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "Rejected by smtptest"}
	}
	ss.drop = drop
	return nil
}

// Reset is called after every DATA reply has been written, which makes it
// the place to drop a connection right after acknowledging a message.
func (ss *session) Reset() {
	ss.from, ss.to = "", nil
	if ss.drop {
		ss.drop = false
		_ = ss.conn.Conn().Close()
	}
}

func (ss *session) Logout() error { return nil }

// selfSigned makes a short-lived certificate for 127.0.0.1 and localhost
// and a pool that trusts it.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return cfg, roots, nil
}

// Header returns the first value of the named header, with RFC 2047
// encoded words decoded, or "" if there is none.
func (r Received) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	dec := new(mime.WordDecoder)
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Text returns the first text/plain part, decoded from its transfer
// encoding, with CRLF line ends turned into LF; "" if there is none.
func (r Received) Text() string { return r.part("text/plain") }

// HTML returns the first text/html part like Text.
func (r Received) HTML() string { return r.part("text/html") }

func (r Received) part(mediaType string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return ""
	}
	body, ok := findPart(textproto.MIMEHeader(msg.Header), msg.Body, mediaType)
	if !ok {
		return ""
	}
	return strings.ReplaceAll(body, "\r\n", "\n")
}

// findPart walks a MIME tree depth first for the first part of mediaType.
func findPart(h textproto.MIMEHeader, body io.Reader, mediaType string) (string, bool) {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", false
			}
			if s, ok := findPart(p.Header, p, mediaType); ok {
				return s, true
			}
		}
	}
	if mt != mediaType {
		return "", false
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", false
	}
	return string(b), true
}
