package pii_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vernhq/vern/pii"
)

func FuzzScan(f *testing.F) {
	for _, tt := range positives {
		f.Add(tt.value)
		f.Add("Notat: " + tt.value + ", ring 22 33 44 55.")
	}
	for _, tt := range negatives {
		f.Add(tt.value)
	}
	f.Add("150685Y9824.22073555020")
	f.Add("+47 22073555020 4111 1111 1111 1111 2025")
	f.Add("NO93 8601 1117 947NO93 8601 1117 947")
	f.Fuzz(func(t *testing.T, text string) {
		findings := pii.Scan(text)
		prev := 0
		for _, fd := range findings {
			if fd.Start < prev || fd.End <= fd.Start || fd.End > len(text) {
				t.Fatalf("Scan(%q): finding %v out of range or order (previous end %d)", text, fd, prev)
			}
			if fd.Kind == "" {
				t.Fatalf("Scan(%q): finding %v has no kind", text, fd)
			}
			if fd.Start > 0 && isDigit(text[fd.Start-1]) || fd.End < len(text) && isDigit(text[fd.End]) {
				t.Fatalf("Scan(%q): finding %v is part of a longer digit run", text, fd)
			}
			prev = fd.End
		}
		first, ok := pii.Find(text)
		if ok != (len(findings) > 0) || ok && first != findings[0] {
			t.Fatalf("Find(%q) = %v, %v; Scan found %v", text, first, ok, findings)
		}
		redacted := pii.Redact(text)
		if rest := pii.Scan(redacted); len(rest) != 0 {
			t.Fatalf("Redact(%q) = %q still contains %v", text, redacted, rest)
		}
		if len(findings) == 0 && redacted != text {
			t.Fatalf("Redact(%q) = %q changed clean text", text, redacted)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"  Ola.Nordmann@Example.COM ", "Ola@BLÅBÆR.no", "hans@straße.de", "ola@xn--blbr-roah.no",
		"ola@ｅｘａｍｐｌｅ.com", "Åse@example.no", "İstanbul@example.com.tr", `"ola"@example.com`,
		"ola@[192.168.0.1]", "ola@xn--zz.no", "a@b.c", "ola..n@example.com", "@", "ola@-x.no",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := pii.NormalizeEmail(s)
		if err != nil {
			if !errors.Is(err, pii.ErrInvalidEmail) {
				t.Fatalf("NormalizeEmail(%q) error %v is not ErrInvalidEmail", s, err)
			}
			if in := strings.TrimSpace(s); len(in) >= 8 && strings.Contains(err.Error(), in) {
				t.Fatalf("NormalizeEmail(%q) error %q echoes the input", s, err)
			}
			return
		}
		if !utf8.ValidString(out) || len(out) > 254 || strings.Count(out, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q is malformed", s, out)
		}
		domain := out[strings.IndexByte(out, '@')+1:]
		for i := 0; i < len(domain); i++ {
			if domain[i] >= utf8.RuneSelf || domain[i] >= 'A' && domain[i] <= 'Z' {
				t.Fatalf("NormalizeEmail(%q) = %q: domain is not lower-case ASCII", s, out)
			}
		}
		again, err := pii.NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeEmail(%q) = %q, but normalising that gives %q, %v", s, out, again, err)
		}
	})
}
