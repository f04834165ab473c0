package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// dkimHeaders are the header fields a DKIM signature covers when the
// message has them, in the order h= lists them. List-Unsubscribe and
// List-Unsubscribe-Post must be signed for one-click unsubscribe (RFC 8058
// section 4).
var dkimHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "Auto-Submitted"}

// oversigned are the fields whose extra instances a signature forbids.
var oversigned = map[string]bool{"From": true, "To": true, "Subject": true, "Reply-To": true,
	"List-Unsubscribe": true, "List-Unsubscribe-Post": true}

// DKIM signs messages with DomainKeys Identified Mail (RFC 6376) for one
// domain and selector, with relaxed/relaxed canonicalization: rsa-sha256
// for an RSA key, ed25519-sha256 (RFC 8463) for an Ed25519 key. The public
// key belongs in DNS as a TXT record at SELECTOR._domainkey.DOMAIN. It is
// safe for concurrent use.
type DKIM struct {
	domain, selector string
	key              crypto.Signer
	algorithm        string      // a= tag
	hash             crypto.Hash // what key.Sign is told the digest is; 0 for Ed25519
}

// NewDKIM returns a signer for domain (the d= tag) and selector (s=) with
// key, an *rsa.PrivateKey of 2048 to 4096 bits or an ed25519.PrivateKey.
// Keys under 2048 bits are refused (RFC 8301 makes 1024 the minimum;
// mailbox providers ask for 2048), as are ones above 4096, which verifiers
// need not accept.
func NewDKIM(domain, selector string, key crypto.Signer) (*DKIM, error) {
	if !isDomain(domain, false) {
		return nil, errors.New("dkim: domain must be a domain name such as example.com")
	}
	if !isDomain(selector, true) {
		return nil, errors.New("dkim: selector must be letters, digits, hyphens and dots, such as vern2025")
	}
	d := &DKIM{domain: strings.ToLower(domain), selector: selector, key: key}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < 2048 || bits > 4096 {
			return nil, fmt.Errorf("dkim: RSA key has %d bits; want 2048 to 4096", bits)
		}
		d.algorithm, d.hash = "rsa-sha256", crypto.SHA256
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errors.New("dkim: malformed Ed25519 key")
		}
		d.algorithm = "ed25519-sha256"
	default:
		return nil, fmt.Errorf("dkim: unsupported key type %T; want RSA or Ed25519", key)
	}
	return d, nil
}

// LoadDKIM reads the private key from keyFile, in PEM as PKCS#1 ("RSA
// PRIVATE KEY") or PKCS#8 ("PRIVATE KEY", RSA or Ed25519), and returns a
// signer for domain and selector as NewDKIM does. Errors name the file but
// never quote it.
func LoadDKIM(domain, selector, keyFile string) (*DKIM, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim: read key: %w", err)
	}
	key, err := parseDKIMKey(b)
	if err != nil {
		return nil, fmt.Errorf("dkim: key file %s: %w", keyFile, err)
	}
	return NewDKIM(domain, selector, key)
}

// parseDKIMKey decodes a PEM private key. Its errors are its own: the
// x509 ones may describe the key's structure.
func parseDKIMKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block; want a PEM private key")
	}
	if _, ok := block.Headers["Proc-Type"]; ok {
		return nil, errors.New("the key is encrypted; Vern needs it unencrypted")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("malformed PKCS#1 RSA private key")
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("malformed PKCS#8 private key")
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return k, nil
		}
		return nil, fmt.Errorf("unsupported key type %T; want RSA or Ed25519", k)
	default:
		return nil, fmt.Errorf("PEM block is %q; want \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"", block.Type)
	}
}

// isDomain reports whether s is dot-separated labels of letters, digits
// and inner hyphens; with selector, also underscores, which some DNS hosts
// allow in selectors.
func isDomain(s string, selector bool) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || selector && r == '_') {
				return false
			}
		}
	}
	return true
}

// Domain returns the signing domain, the d= tag.
func (d *DKIM) Domain() string { return d.domain }

// Sign returns raw with a DKIM-Signature header field prepended. raw is a
// whole RFC 5322 message; bare LF line ends become CRLF first, as SMTP
// sends them, so the result is the message to send as it is. The
// signature covers the header fields of dkimHeaders that raw has (From
// must be there exactly once) and the whole body: there is no l= tag.
// Errors never quote the message.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	msg := toCRLF(raw)
	fields, body, err := splitMessage(msg)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	var names []string
	for _, name := range dkimHeaders {
		n := 0
		for _, f := range fields {
			if strings.EqualFold(f.name, name) {
				n++
			}
		}
		if name == "From" && n != 1 {
			return nil, fmt.Errorf("dkim: message has %d From fields; want 1", n)
		}
		// Listing a name once per instance signs every instance (section 5.4.2).
		for range n {
			names = append(names, strings.ToLower(name))
		}
		// Listing it once more signs its absence, so no one in transit can
		// add a second From, Subject or unsubscribe target above it.
		if n > 0 && oversigned[name] {
			names = append(names, strings.ToLower(name))
		}
	}

	bh := sha256.Sum256(relaxedBody(body))
	sig := d.header(names, time.Now().Unix(), base64.StdEncoding.EncodeToString(bh[:]))

	h := sha256.New()
	for _, f := range selectFields(fields, names) {
		h.Write(relaxedHeader(f))
	}
	// The signature's own field comes last, with b= empty and no CRLF
	// (section 3.7).
	h.Write(bytes.TrimSuffix(relaxedHeader([]byte(sig)), []byte("\r\n")))
	digest := h.Sum(nil)
	b, err := d.key.Sign(rand.Reader, digest, d.hash)
	if err != nil {
		return nil, fmt.Errorf("dkim: sign: %w", err)
	}

	out := make([]byte, 0, len(sig)+len(b)*2+len(msg))
	out = append(out, sig...)
	out = append(out, foldBase64(base64.StdEncoding.EncodeToString(b))...)
	out = append(out, "\r\n"...)
	return append(out, msg...), nil
}

// header returns the DKIM-Signature field up to and including "b=",
// folded to short lines at places where RFC 6376 allows whitespace.
func (d *DKIM) header(names []string, t int64, bh string) string {
	var b strings.Builder
	b.WriteString("DKIM-Signature: v=1; a=" + d.algorithm + "; c=relaxed/relaxed;\r\n")
	b.WriteString("\td=" + d.domain + "; s=" + d.selector + "; t=" + strconv.FormatInt(t, 10) + ";\r\n")
	line := "\th="
	for i, n := range names {
		if i > 0 {
			if len(line)+1+len(n) > 76 {
				b.WriteString(line + "\r\n")
				line = "\t"
			}
			line += ":"
		}
		line += n
	}
	b.WriteString(line + ";\r\n")
	b.WriteString("\tbh=" + bh + ";\r\n")
	b.WriteString("\tb=")
	return b.String()
}

// foldBase64 breaks a b= value into lines of 72 characters; verifiers
// drop the whitespace (section 3.5).
func foldBase64(s string) string {
	var b strings.Builder
	for len(s) > 72 {
		b.WriteString(s[:72] + "\r\n\t")
		s = s[72:]
	}
	b.WriteString(s)
	return b.String()
}

// field is one header field as it appears in the message, folding and
// final CRLF included.
type field struct {
	name string
	raw  []byte
}

// splitMessage splits a CRLF message into its header fields and body.
func splitMessage(msg []byte) ([]field, []byte, error) {
	var fields []field
	rest := msg
	for len(rest) > 0 {
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			return fields, rest[2:], nil
		}
		end := bytes.Index(rest, []byte("\r\n"))
		if end < 0 {
			end = len(rest)
		} else {
			end += 2
		}
		line := rest[:end]
		rest = rest[end:]
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return nil, nil, errors.New("message starts with a continuation line")
			}
			fields[len(fields)-1].raw = append(fields[len(fields)-1].raw, line...)
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return nil, nil, errors.New("malformed header line")
		}
		name := string(bytes.TrimRight(line[:colon], " \t"))
		fields = append(fields, field{name: name, raw: bytes.Clone(line)})
	}
	return fields, nil, nil // no body
}

// selectFields picks the field for each name of h=: repeated names take
// instances from the bottom up (section 5.4.2).
func selectFields(fields []field, names []string) [][]byte {
	used := map[string]int{}
	var out [][]byte
	for _, name := range names {
		skip := used[name]
		for i := len(fields) - 1; i >= 0; i-- {
			if !strings.EqualFold(fields[i].name, name) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, fields[i].raw)
			break
		}
		used[name]++
	}
	return out
}

// relaxedHeader canonicalizes one header field (section 3.4.2): the name
// in lower case, no whitespace around the colon, the value unfolded with
// runs of whitespace as one space and none at the end, then CRLF.
func relaxedHeader(f []byte) []byte {
	colon := bytes.IndexByte(f, ':')
	name := bytes.ToLower(bytes.TrimRight(f[:colon], " \t"))
	out := append(name, ':')
	space := false
	for _, c := range bytes.TrimLeft(f[colon+1:], " \t\r\n") {
		switch c {
		case '\r', '\n':
			// Unfolding removes CRLF; the whitespace after it stays.
		case ' ', '\t':
			space = true
		default:
			if space {
				out = append(out, ' ')
				space = false
			}
			out = append(out, c)
		}
	}
	return append(out, "\r\n"...)
}

// relaxedBody canonicalizes a CRLF body (section 3.4.4): runs of
// whitespace in a line become one space, whitespace at line ends goes,
// empty lines at the end go, and a body that is not empty ends in CRLF. An
// empty body stays empty, unlike with simple canonicalization, where it
// becomes one CRLF; OpenDKIM and go-msgauth agree.
func relaxedBody(body []byte) []byte {
	var out []byte
	blank := 0 // empty lines held back in case only empty lines follow
	for len(body) > 0 {
		var line []byte
		if i := bytes.Index(body, []byte("\r\n")); i >= 0 {
			line, body = body[:i], body[i+2:]
		} else {
			line, body = body, nil
		}
		var l []byte
		space := false
		for _, c := range line {
			if c == ' ' || c == '\t' {
				space = true
				continue
			}
			if space {
				l = append(l, ' ')
				space = false
			}
			l = append(l, c)
		}
		if len(l) == 0 {
			blank++
			continue
		}
		for ; blank > 0; blank-- {
			out = append(out, "\r\n"...)
		}
		out = append(out, l...)
		out = append(out, "\r\n"...)
	}
	return out
}

// toCRLF turns bare LFs into CRLF, as the SMTP DATA writer does.
func toCRLF(b []byte) []byte {
	n := bytes.Count(b, []byte("\n")) - bytes.Count(b, []byte("\r\n"))
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+n)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
