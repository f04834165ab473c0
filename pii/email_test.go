package pii_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/pii"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"case and whitespace", "  Ola.Nordmann@Example.COM \n", "ola.nordmann@example.com"},
		// Punycode checked independently: Python's "blåbær".encode("punycode") is b"blbr-roah".
		{"idn domain", "Ola@BLÅBÆR.no", "ola@xn--blbr-roah.no"},
		{"idn domain lower case", "ola@blåbær.no", "ola@xn--blbr-roah.no"},
		{"idn label with only non-ascii", "kari@ÆØÅ.no", "kari@xn--5cab8c.no"}, // Python: "æøå" -> "5cab8c"
		{"sharp s is kept (non-transitional)", "hans@straße.de", "hans@xn--strae-oqa.de"},
		{"punycode input is kept", "ola@xn--blbr-roah.no", "ola@xn--blbr-roah.no"},
		{"punycode input upper case", "OLA@XN--BLBR-ROAH.NO", "ola@xn--blbr-roah.no"},
		{"full-width domain", "ola@ｅｘａｍｐｌｅ.com", "ola@example.com"},
		{"plus address kept", "Ola+Nyhetsbrev@Example.com", "ola+nyhetsbrev@example.com"},
		{"atext symbols", "o'neil_{x}~y@example.com", "o'neil_{x}~y@example.com"},
		{"dots in local part", "kari.n.nordmann@example.co.uk", "kari.n.nordmann@example.co.uk"},
		{"non-ascii local part", "Åse@example.no", "åse@example.no"},
		{"hyphenated domain", "post@my-company.no", "post@my-company.no"},
		{"local part of 64 octets", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pii.NormalizeEmail(tt.in)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NormalizeEmail(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			again, err := pii.NormalizeEmail(got)
			if err != nil || again != got {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	longLabel := strings.Repeat("d", 64)
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"no at", "ola.nordmann.example.com"},
		{"no local part", "@example.com"},
		{"no domain", "ola@"},
		{"two ats", "ola@nordmann@example.com"},
		{"domain without dot", "ola@localhost"},
		{"space in local part", "ola nordmann@example.com"},
		{"space in domain", "ola@exa mple.com"},
		{"leading dot", ".ola@example.com"},
		{"trailing dot in local part", "ola.@example.com"},
		{"double dot in local part", "ola..nordmann@example.com"},
		{"double dot in domain", "ola@example..com"},
		{"trailing dot in domain", "ola@example.com."},
		{"leading hyphen in label", "ola@-example.com"},
		{"underscore in domain", "ola@exa_mple.com"},
		{"ip literal", "ola@[192.168.0.1]"},
		{"bare ip", "ola@192.168.0.1"},
		{"quoted local part", `"ola"@example.com`},
		{"comment", "ola(kommentar)@example.com"},
		{"local part of 65 octets", strings.Repeat("a", 65) + "@example.com"},
		{"address of 255 octets", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 59) + ".no"},
		{"label of 64 octets", "ola@" + longLabel + ".no"},
		{"invalid utf-8", "ola\xff@example.com"},
		{"control character", "ola\x00@example.com"},
		{"tab in domain", "ola@exam\tple.com"},
		{"broken punycode", "ola@xn--zz.no"},
		{"symbol in local part", "ola€@example.com"},
		{"national id as local part", "22073555020@"},
		{"huge input", strings.Repeat("a", 5000) + "@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pii.NormalizeEmail(tt.in)
			if err == nil {
				t.Fatalf("NormalizeEmail(%q) = %q, want an error", tt.in, got)
			}
			if !errors.Is(err, pii.ErrInvalidEmail) {
				t.Errorf("NormalizeEmail(%q) error %v is not ErrInvalidEmail", tt.in, err)
			}
			assertNoEcho(t, err, tt.in)
		})
	}
}

// assertNoEcho fails when an error message repeats the input or any of its parts: a refused value may be a
// national identity number, and error messages end up in logs and API responses.
func assertNoEcho(t *testing.T, err error, in string) {
	t.Helper()
	msg := err.Error()
	parts := strings.FieldsFunc(in, func(r rune) bool { return strings.ContainsRune("@ .+()\"\t[]", r) })
	for _, p := range append(parts, strings.TrimSpace(in)) {
		if len(p) >= 5 && strings.Contains(msg, p) {
			t.Errorf("error %q contains %q from the input", msg, p)
		}
	}
}
