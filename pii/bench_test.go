package pii_test

import (
	"strings"
	"testing"

	"github.com/vernhq/vern/pii"
)

// cleanKB is about 1 KB of the free text Vern sees in CRM notes: dates, phone numbers, prices, postcodes and
// an organisation number, but no identifier.
var cleanKB = func() string {
	para := "Møte med Kari Nordmann 15.03.2025 kl 10:30 om fornyelse av avtalen. Hun ringer tilbake på " +
		"+47 412 34 567 eller 22 33 44 55 før fredag. Tilbudet var kr 12 499,- per måned (ordre 2024-000123), " +
		"levering til Storgata 1, 0150 Oslo. Faktura til org.nr. 923 609 016 MVA, forfall 30 dager. "
	var b strings.Builder
	for b.Len() < 1024 {
		b.WriteString(para)
	}
	return b.String()[:1024]
}()

func BenchmarkFind(b *testing.B) {
	withID := cleanKB[:1000] + " 22073555020"
	cases := []struct {
		name  string
		text  string
		found bool
	}{
		{"short name", "Kari Nordmann", false},
		{"1KB clean", cleanKB, false},
		{"1KB one identifier at the end", withID, true},
	}
	for _, bc := range cases {
		if _, ok := pii.Find(bc.text); ok != bc.found {
			b.Fatalf("Find(%s) = %v, want %v", bc.name, ok, bc.found)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				pii.Find(bc.text)
			}
		})
	}
}

func BenchmarkRedact(b *testing.B) {
	text := cleanKB[:500] + " fnr 22073555020, kort 4111 1111 1111 1111 " + cleanKB[:500]
	b.ReportAllocs()
	for b.Loop() {
		pii.Redact(text)
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	for _, in := range []string{"  Ola.Nordmann@Example.COM ", "Ola@BLÅBÆR.no"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pii.NormalizeEmail(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	for _, in := range []string{"22 33 44 55", "+46 70 123 45 67"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pii.NormalizePhone(in, "NO"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
