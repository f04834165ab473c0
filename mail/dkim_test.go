package mail_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/smtptest"
	vmail "github.com/vernhq/vern/mail"
)

// rsaKey is one RSA 2048 key for the whole run: generating one is slow.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newEd25519(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// writeKey writes key to a PEM file, as PKCS#1 when pkcs1 is set (RSA
// only), else PKCS#8, and returns its path.
func writeKey(tb testing.TB, key crypto.Signer, pkcs1 bool) string {
	tb.Helper()
	block := &pem.Block{Type: "PRIVATE KEY"}
	if pkcs1 {
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))}
	} else {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			tb.Fatal(err)
		}
		block.Bytes = der
	}
	path := filepath.Join(tb.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// MustLoadDKIM writes key to a PEM file and loads it for example.com.
func MustLoadDKIM(tb testing.TB, key crypto.Signer, pkcs1 bool) *vmail.DKIM {
	tb.Helper()
	d, err := vmail.LoadDKIM("example.com", "vern2025", writeKey(tb, key, pkcs1))
	if err != nil {
		tb.Fatalf("LoadDKIM: %v", err)
	}
	return d
}

// crlf turns a test message written with \n into one with CRLF.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const newsletterMail = `From: Vern <privacy@example.com>
To: kari@example.org
Subject: Nyheter fra Mementor
Date: Mon, 02 Jun 2025 10:00:00 +0200
Message-ID: <abc123@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
List-Unsubscribe: <https://privacy.example.com/u/Q2hY0k1>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Auto-Submitted: auto-generated
X-Vern-Request: R-7K2M

Hei Kari,

her er nyhetene.
`

// dkimSig is a parsed DKIM-Signature field.
type dkimSig struct {
	tags map[string]string
	h    []string // the h= names in order, lower case
}

var (
	wspRun   = regexp.MustCompile(`[ \t]+`)
	bTagTail = regexp.MustCompile(`(^|;)(\s*b\s*=)[^;]*`)
)

// verifyDKIM checks the first DKIM-Signature of msg against pub the way a
// receiving server does (RFC 6376 section 6.1). It is written apart from
// the signer, from the RFC, so that the two cannot share a mistake.
func verifyDKIM(msg []byte, pub crypto.PublicKey) (*dkimSig, error) {
	s := string(msg)
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		head, body = strings.TrimSuffix(s, "\r\n"), ""
	}
	// Header fields: a line starting with whitespace continues the one before.
	var fields []string
	for _, line := range strings.Split(head, "\r\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] += "\r\n" + line
			continue
		}
		fields = append(fields, line)
	}
	fieldName := func(f string) string {
		name, _, _ := strings.Cut(f, ":")
		return strings.ToLower(strings.TrimSpace(name))
	}
	canonHeader := func(f string) string {
		name, value, _ := strings.Cut(f, ":")
		value = strings.ReplaceAll(value, "\r\n", "")
		value = strings.TrimSpace(wspRun.ReplaceAllString(value, " "))
		return strings.ToLower(strings.TrimSpace(name)) + ":" + value + "\r\n"
	}

	i := slices.IndexFunc(fields, func(f string) bool { return fieldName(f) == "dkim-signature" })
	if i < 0 {
		return nil, errors.New("no DKIM-Signature")
	}
	sigField := fields[i]
	_, sigValue, _ := strings.Cut(sigField, ":")
	sig := &dkimSig{tags: map[string]string{}}
	for t := range strings.SplitSeq(sigValue, ";") {
		k, v, ok := strings.Cut(t, "=")
		k = strings.TrimSpace(k)
		if !ok && k == "" {
			continue // after the final ;
		}
		if _, dup := sig.tags[k]; dup {
			return nil, fmt.Errorf("tag %s twice", k)
		}
		// Whitespace inside h=, bh= and b= is folding (section 3.5).
		sig.tags[k] = strings.Join(strings.Fields(v), "")
		if k != "h" && k != "b" && k != "bh" {
			sig.tags[k] = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", ""))
		}
	}
	for name := range strings.SplitSeq(sig.tags["h"], ":") {
		sig.h = append(sig.h, strings.ToLower(name))
	}
	if sig.tags["v"] != "1" || sig.tags["c"] != "relaxed/relaxed" {
		return sig, fmt.Errorf("v=%s c=%s, want 1 and relaxed/relaxed", sig.tags["v"], sig.tags["c"])
	}
	if _, ok := sig.tags["l"]; ok {
		return sig, errors.New("l= tag present")
	}
	if !slices.Contains(sig.h, "from") {
		return sig, errors.New("h= does not sign From")
	}

	// Body hash (section 3.4.4).
	lines := strings.Split(body, "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(wspRun.ReplaceAllString(l, " "), " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	canonBody := ""
	if len(lines) > 0 {
		canonBody = strings.Join(lines, "\r\n") + "\r\n"
	}
	bh := sha256.Sum256([]byte(canonBody))
	if got := base64.StdEncoding.EncodeToString(bh[:]); got != sig.tags["bh"] {
		return sig, fmt.Errorf("body hash %s, signature says %s", got, sig.tags["bh"])
	}

	// Header hash (sections 3.7 and 5.4.2): instances bottom up; a name
	// with no instance left adds nothing.
	var data strings.Builder
	used := map[string]int{}
	for _, name := range sig.h {
		seen := 0
		for j := len(fields) - 1; j >= 0; j-- {
			if fieldName(fields[j]) != name {
				continue
			}
			if seen == used[name] {
				data.WriteString(canonHeader(fields[j]))
				break
			}
			seen++
		}
		used[name]++
	}
	data.WriteString(strings.TrimSuffix(canonHeader(bTagTail.ReplaceAllString(sigField, "$1$2")), "\r\n"))
	digest := sha256.Sum256([]byte(data.String()))
	b, err := base64.StdEncoding.DecodeString(sig.tags["b"])
	if err != nil {
		return sig, fmt.Errorf("b=: %w", err)
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if sig.tags["a"] != "rsa-sha256" {
			return sig, fmt.Errorf("a=%s for an RSA key", sig.tags["a"])
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], b); err != nil {
			return sig, err
		}
	case ed25519.PublicKey:
		if sig.tags["a"] != "ed25519-sha256" {
			return sig, fmt.Errorf("a=%s for an Ed25519 key", sig.tags["a"])
		}
		// RFC 8463: PureEdDSA over the SHA-256 hash.
		if !ed25519.Verify(pub, digest[:], b) {
			return sig, errors.New("ed25519 signature does not verify")
		}
	default:
		return sig, fmt.Errorf("key type %T", pub)
	}
	return sig, nil
}

// The signed message of RFC 8463 appendix A.3, which exercises the
// verifier on a signature made elsewhere: folded tags with spaces around
// the colons of h=, over-signed headers, two spaces in a body line and
// no CRLF at the end of the body.
const rfc8463Signed = `DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :
 subject : date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :
 date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=
From: Joe SixPack <joe@football.example.com>
To: Suzie Q <suzie@shopping.example.net>
Subject: Is dinner ready?
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
Message-ID: <20030712040037.46341.5F8J@football.example.com>

Hi.

We lost the game.  Are you hungry yet?

Joe.`

// rfc8463Key is the Ed25519 key of RFC 8463 appendix A.2.
func rfc8463Key(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	seed, err := base64.StdEncoding.DecodeString("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
	if err != nil {
		tb.Fatal(err)
	}
	k := ed25519.NewKeyFromSeed(seed)
	pub, _ := base64.StdEncoding.DecodeString("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	if !bytes.Equal(k.Public().(ed25519.PublicKey), pub) {
		tb.Fatal("RFC 8463 key does not match its published public key")
	}
	return k
}

func TestDKIMVerifierRFC8463(t *testing.T) {
	k := rfc8463Key(t)
	msg := crlf(rfc8463Signed)
	if _, err := verifyDKIM(msg, k.Public()); err != nil {
		t.Fatalf("the verifier rejects RFC 8463's example: %v", err)
	}
	if _, err := verifyDKIM(bytes.Replace(msg, []byte("Are you hungry"), []byte("Are you angry"), 1), k.Public()); err == nil {
		t.Fatal("the verifier accepts RFC 8463's example with its body changed")
	}

	// The signer, given the same key and unsigned message, hashes the body
	// the same and signs in a way the verifier accepts.
	_, unsigned, _ := bytes.Cut(msg, []byte("dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"))
	d, err := vmail.NewDKIM("football.example.com", "brisbane", k)
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.Sign(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := verifyDKIM(out, k.Public())
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if sig.tags["bh"] != "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=" {
		t.Errorf("bh = %s, want RFC 8463's 2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", sig.tags["bh"])
	}
	if diff := cmp.Diff([]string{"from", "from", "to", "to", "subject", "subject", "date", "message-id"}, sig.h); diff != "" {
		t.Errorf("h= mismatch (-want +got):\n%s", diff)
	}
}

func TestDKIMSign(t *testing.T) {
	tests := []struct {
		name  string
		key   crypto.Signer
		pkcs1 bool
		alg   string
	}{
		{"rsa pkcs1", rsaKey(), true, "rsa-sha256"},
		{"rsa pkcs8", rsaKey(), false, "rsa-sha256"},
		{"ed25519 pkcs8", newEd25519(t), false, "ed25519-sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := MustLoadDKIM(t, tt.key, tt.pkcs1)
			before := time.Now().Unix()
			signed, err := d.Sign(crlf(newsletterMail))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature: ")) || !bytes.HasSuffix(signed, crlf(newsletterMail)) {
				t.Fatalf("Sign did not prepend one field to the message:\n%s", signed)
			}
			for _, line := range strings.Split(string(signed), "\r\n") {
				if len(line) > 78 {
					t.Errorf("line of %d characters: %q", len(line), line)
				}
			}
			sig, err := verifyDKIM(signed, tt.key.Public())
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, signed)
			}
			if sig.tags["a"] != tt.alg || sig.tags["d"] != "example.com" || sig.tags["s"] != "vern2025" {
				t.Errorf("a=%s d=%s s=%s; want %s, example.com, vern2025", sig.tags["a"], sig.tags["d"], sig.tags["s"], tt.alg)
			}
			// From, To, Subject and the unsubscribe fields are oversigned:
			// listed once more than present, so a second one breaks it.
			want := []string{"from", "from", "to", "to", "subject", "subject", "date", "message-id", "mime-version", "content-type",
				"list-unsubscribe", "list-unsubscribe", "list-unsubscribe-post", "list-unsubscribe-post", "auto-submitted"}
			if diff := cmp.Diff(want, sig.h); diff != "" {
				t.Errorf("h= mismatch (-want +got):\n%s", diff)
			}
			if ts, err := strconv.ParseInt(sig.tags["t"], 10, 64); err != nil || ts < before || ts > time.Now().Unix() {
				t.Errorf("t=%s, want the signing time", sig.tags["t"])
			}

			// Changes the signature must catch.
			for _, c := range []struct{ old, new string }{
				{"Subject: Nyheter fra Mementor", "Subject: Nyheter fra Mementør"},
				{"<https://privacy.example.com/u/Q2hY0k1>", "<https://evil.example.net/u/Q2hY0k1>"},
				{"List-Unsubscribe-Post: List-Unsubscribe=One-Click", "List-Unsubscribe-Post: List-Unsubscribe=Two-Click"},
				{"From: Vern <privacy@example.com>", "From: Vern <privacy@example.net>"},
				{"her er nyhetene.", "her er nyhetene!"},
				{"her er nyhetene.\r\n", "her er nyhetene.\r\nP.S.\r\n"},
			} {
				changed := bytes.Replace(signed, []byte(c.old), []byte(c.new), 1)
				if bytes.Equal(changed, signed) {
					t.Fatalf("test change %q did not apply", c.old)
				}
				if _, err := verifyDKIM(changed, tt.key.Public()); err == nil {
					t.Errorf("verifies after %q became %q", c.old, c.new)
				}
			}
			// Changes relaxed canonicalization forgives, and one to an
			// unsigned header.
			for _, c := range []struct{ old, new string }{
				{"Subject: Nyheter fra Mementor", "SUBJECT:Nyheter   fra\r\n\tMementor \t"},
				{"her er nyhetene.\r\n", "her  er nyhetene.\t\r\n\r\n\r\n"},
				{"X-Vern-Request: R-7K2M", "X-Vern-Request: R-0000"},
			} {
				changed := bytes.Replace(signed, []byte(c.old), []byte(c.new), 1)
				if _, err := verifyDKIM(changed, tt.key.Public()); err != nil {
					t.Errorf("fails after %q became %q: %v", c.old, c.new, err)
				}
			}
			if _, err := verifyDKIM(signed, newEd25519(t).Public()); err == nil && tt.alg == "ed25519-sha256" {
				t.Error("verifies with another key")
			}
		})
	}
}

func TestDKIMSignOnlyPresentHeaders(t *testing.T) {
	key := newEd25519(t)
	d := MustLoadDKIM(t, key, false)
	msg := "from: a@example.com\nReply-To: b@example.com\nX-Other: 1\nTo: c@example.org\nTo: d@example.org\n\nHi\n"
	signed, err := d.Sign([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(signed, crlf(msg)) {
		t.Errorf("bare LFs were not turned into CRLF:\n%q", signed)
	}
	sig, err := verifyDKIM(signed, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	// Each instance of a repeated field is signed, and one more.
	if diff := cmp.Diff([]string{"from", "from", "to", "to", "to", "reply-to", "reply-to"}, sig.h); diff != "" {
		t.Errorf("h= mismatch (-want +got):\n%s", diff)
	}
	swapped := bytes.Replace(bytes.Replace(signed, []byte("c@example.org"), []byte("x"), 1), []byte("d@example.org"), []byte("c@example.org"), 1)
	if _, err := verifyDKIM(bytes.Replace(swapped, []byte("To: x"), []byte("To: d@example.org"), 1), key.Public()); err == nil {
		t.Error("verifies with the To fields swapped")
	}
}

// TestDKIMRelaxedCanonicalization checks the signer's canonical forms
// (RFC 6376 section 3.4) against ones written out by hand: the body
// through bh=, the header through changes relaxed canonicalization must
// not notice.
func TestDKIMRelaxedCanonicalization(t *testing.T) {
	key := newEd25519(t)
	d := MustLoadDKIM(t, key, false)
	bodies := []struct {
		name, body, want string
	}{
		{"empty body", "", ""},
		{"no body at all", "\x00", ""},
		{"only empty lines", "\r\n\r\n\r\n", ""},
		{"only whitespace lines", " \r\n\t\r\n", ""},
		{"trailing whitespace", "a \t\r\nb\t\r\n", "a\r\nb\r\n"},
		{"inner whitespace runs", "a  \t b\r\n", "a b\r\n"},
		{"leading whitespace kept as one space", "\t  a\r\n", " a\r\n"},
		{"trailing empty lines", "a\r\n\r\n\r\n\r\n", "a\r\n"},
		{"inner empty lines kept", "a\r\n\r\n \r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
		{"no final CRLF", "a\r\nb", "a\r\nb\r\n"},
		{"bare LF", "a \n\nb\n\n", "a\r\n\r\nb\r\n"},
	}
	for _, tt := range bodies {
		t.Run(tt.name, func(t *testing.T) {
			msg := "From: a@example.com\r\nSubject: x\r\n\r\n" + tt.body
			if tt.body == "\x00" {
				msg = "From: a@example.com\r\nSubject: x\r\n"
			}
			signed, err := d.Sign([]byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			sig, err := verifyDKIM(signed, key.Public())
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			sum := sha256.Sum256([]byte(tt.want))
			if want := base64.StdEncoding.EncodeToString(sum[:]); sig.tags["bh"] != want {
				t.Errorf("bh=%s, want the hash of %q", sig.tags["bh"], tt.want)
			}
		})
	}

	// Each header is signed in one form and checked after being rewritten
	// into an equivalent one: canonicalization must give both the same.
	headers := []struct {
		name, signed, sent string
	}{
		{"folded", "Subject: one\r\n two\r\n\tthree", "Subject: one two three"},
		{"whitespace runs and trailing", "Subject:  one \t two \t ", "Subject:one two"},
		{"space before colon", "Subject : one", "subject:one"},
		{"folded before the value", "Subject:\r\n one", "Subject: one"},
		{"name case", "SUBJECT: One", "subject: One"},
	}
	for _, tt := range headers {
		t.Run(tt.name, func(t *testing.T) {
			signed, err := d.Sign([]byte("From: a@example.com\r\n" + tt.signed + "\r\n\r\nHi\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			rewritten := bytes.Replace(signed, []byte(tt.signed), []byte(tt.sent), 1)
			if _, err := verifyDKIM(rewritten, key.Public()); err != nil {
				t.Errorf("fails once %q is sent as %q: %v", tt.signed, tt.sent, err)
			}
			changed := bytes.Replace(signed, []byte(tt.signed), []byte(strings.ToLower(tt.sent)+"x"), 1)
			if _, err := verifyDKIM(changed, key.Public()); err == nil {
				t.Errorf("verifies with the subject changed")
			}
		})
	}
}

func TestDKIMSignErrors(t *testing.T) {
	d := MustLoadDKIM(t, newEd25519(t), false)
	const secret = "kari.nordmann@example.org"
	tests := []struct {
		name, msg, want string
	}{
		{"no From", "To: " + secret + "\r\n\r\nHi\r\n", "0 From fields"},
		{"two From", "From: a@example.com\r\nFrom: " + secret + "\r\n\r\nHi\r\n", "2 From fields"},
		{"continuation first", " From: " + secret + "\r\n\r\nHi\r\n", "continuation"},
		{"no colon", "From: a@example.com\r\n" + secret + "\r\n\r\nHi\r\n", "malformed header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Sign([]byte(tt.msg))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign() error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q quotes the message", err)
			}
		})
	}
}

func TestLoadDKIM(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ed := writeKey(t, newEd25519(t), false)
	edPEM, _ := os.ReadFile(ed)
	block, _ := pem.Decode(edPEM)
	body := base64.StdEncoding.EncodeToString(block.Bytes)
	garbled := bytes.Replace(edPEM, []byte(body[:20]), []byte("AAAAAAAAAAAAAAAAAAAA"), 1)

	tests := []struct {
		name, domain, selector, file, want string
	}{
		{"missing file", "example.com", "s", filepath.Join(dir, "missing.pem"), "read key"},
		{"not PEM", "example.com", "s", write("plain.txt", []byte("hello")), "no PEM block"},
		{"public key", "example.com", "s", write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})), `PEM block is "PUBLIC KEY"`},
		{"encrypted", "example.com", "s", write("enc.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})), "encrypted"},
		{"garbled", "example.com", "s", write("garbled.pem", garbled), "malformed PKCS#8"},
		{"rsa 1024", "example.com", "s", write("small.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})), "1024 bits; want 2048"},
		{"ecdsa", "example.com", "s", write("ec.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), "unsupported key type"},
		{"bad domain", "example.com;", "s", ed, "domain must be"},
		{"empty domain", "", "s", ed, "domain must be"},
		{"bad selector", "example.com", "s=1; x", ed, "selector must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vmail.LoadDKIM(tt.domain, tt.selector, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadDKIM() error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), body[20:40]) {
				t.Errorf("error %q quotes the key", err)
			}
		})
	}
	if d, err := vmail.LoadDKIM("Example.COM", "sel_2025.a", ed); err != nil || d.Domain() != "example.com" {
		t.Errorf("LoadDKIM(Example.COM) = %v, %v; want the domain in lower case", d, err)
	}
}

func TestSendDKIM(t *testing.T) {
	tests := []struct {
		name string
		key  crypto.Signer
	}{
		{"rsa", rsaKey()},
		{"ed25519", newEd25519(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := smtptest.Start(t)
			s := MustNewSMTP(t, sink.URL())
			s.DKIM = MustLoadDKIM(t, tt.key, false)

			news := MustRender(t, "kari@example.org", vern.MailRejection, "nb")
			news.Headers = map[string]string{
				"List-Unsubscribe":      "<https://privacy.example.com/u/Q2hY0k1T0tFTi1sb25nLXRva2VuLXdpdGgtbW9yZS1ieXRlcw>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			}
			wantNoErrors(t, s.Send(context.Background(), news, plain("ola@example.org")), 2)

			got := sink.WaitFor(2, 5*time.Second)
			for i, r := range got {
				if r.Conn != 1 {
					t.Errorf("message %d came on connection %d, want 1", i, r.Conn)
				}
				if n := bytes.Count(r.Data, []byte("DKIM-Signature:")); n != 1 {
					t.Errorf("message %d has %d DKIM-Signature fields, want 1", i, n)
				}
				sig, err := verifyDKIM(r.Data, tt.key.Public())
				if err != nil {
					t.Fatalf("message %d does not verify: %v\n%s", i, err, r.Data)
				}
				for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type", "auto-submitted"} {
					if !slices.Contains(sig.h, h) {
						t.Errorf("message %d: h= lacks %s: %v", i, h, sig.h)
					}
				}
				if i == 0 && (!slices.Contains(sig.h, "list-unsubscribe") || !slices.Contains(sig.h, "list-unsubscribe-post")) {
					t.Errorf("h= lacks the List-Unsubscribe fields: %v", sig.h)
				}
			}
			if got[0].Text() != news.Text || got[0].HTML() != news.HTML {
				t.Error("the signed message lost its text or HTML")
			}
			if got[0].Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post = %q", got[0].Header("List-Unsubscribe-Post"))
			}
		})
	}
}

// TestSendDKIMFailures checks that signed messages, which go-mail does not
// send itself, fail one by one exactly as unsigned ones do.
func TestSendDKIMFailures(t *testing.T) {
	key := newEd25519(t)
	dkim := MustLoadDKIM(t, key, false)
	tests := []struct {
		name string
		opt  smtptest.Option
	}{
		{"permanent rejection", smtptest.RejectNth(2, 550)},
		{"temporary rejection", smtptest.RejectNth(2, 451)},
		{"connection dropped", smtptest.DropAfter(1)},
	}
	type outcome struct {
		OK        bool
		Stage     string
		Code      int
		Temporary bool
	}
	run := func(t *testing.T, opt smtptest.Option, d *vmail.DKIM) ([]outcome, []smtptest.Received) {
		sink := smtptest.Start(t, opt)
		s := MustNewSMTP(t, sink.URL())
		s.DKIM = d
		errs := s.Send(context.Background(), plain("a@example.org"), plain("b@example.org"), plain("c@example.org"))
		var out []outcome
		for i, err := range errs {
			if err == nil {
				out = append(out, outcome{OK: true})
				continue
			}
			se := sendError(t, i, err)
			noAddress(t, se, "a@example.org", "b@example.org", "c@example.org")
			out = append(out, outcome{Stage: se.Stage, Code: se.Code, Temporary: se.Temporary})
		}
		// The sink records a message before it answers DATA, so it has all.
		return out, sink.Messages()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := run(t, tt.opt, nil)
			got, received := run(t, tt.opt, dkim)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signed outcomes differ from unsigned (-unsigned +signed):\n%s", diff)
			}
			for _, r := range received {
				if _, err := verifyDKIM(r.Data, key.Public()); err != nil {
					t.Errorf("message to %v does not verify: %v", r.To, err)
				}
			}
		})
	}
}

// A List-Unsubscribe added above the signed one in transit breaks the
// signature, because the field is oversigned.
func TestDKIMOversigningCatchesAddedFields(t *testing.T) {
	key := newEd25519(t)
	d := MustLoadDKIM(t, key, false)
	signed, err := d.Sign(crlf(newsletterMail))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyDKIM(signed, key.Public()); err != nil {
		t.Fatal(err)
	}
	sigEnd := bytes.Index(signed, []byte("\r\nFrom:"))
	if sigEnd < 0 {
		t.Fatalf("no From field after the signature:\n%s", signed)
	}
	forged := append(append(bytes.Clone(signed[:sigEnd+2]), "List-Unsubscribe: <https://evil.example/u>\r\n"...), signed[sigEnd+2:]...)
	if _, err := verifyDKIM(forged, key.Public()); err == nil {
		t.Fatal("a List-Unsubscribe added after signing still verifies")
	}
}
