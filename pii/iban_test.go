package pii_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vernhq/vern/pii"
)

// makeIBAN computes the check digits for a country and BBAN as REFERENCE.md 3.6 describes: "00" in place of
// the check digits, the first four characters moved to the end, letters as 10-35, then 98 - (n mod 97).
func makeIBAN(country, bban string) string {
	var digits strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&digits, "%d", c-'A'+10)
		} else {
			digits.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}

func TestIBANGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(13616, 97))
	formats := []struct {
		country string
		bban    string // template: 9 digit, A letter
	}{
		{"NO", "99999999999"},
		{"DE", "999999999999999999"},
		{"GB", "AAAA99999999999999"},
		{"SE", "99999999999999999999"},
		{"FR", "9999999999AAAAAAAAAAA99"},
	}
	for _, fm := range formats {
		t.Run(fm.country, func(t *testing.T) {
			for i := 0; i < 200; i++ {
				var bban strings.Builder
				for _, c := range fm.bban {
					if c == '9' {
						bban.WriteByte('0' + byte(r.IntN(10)))
					} else {
						bban.WriteByte('A' + byte(r.IntN(26)))
					}
				}
				iban := makeIBAN(fm.country, bban.String())
				grouped := strings.TrimSpace(regroup(iban))
				for _, v := range []string{iban, grouped, strings.ToLower(grouped)} {
					text := "Konto " + v + "."
					want := pii.Finding{Kind: pii.IBAN, Start: 6, End: 6 + len(v)}
					if f, ok := pii.Find(text); !ok || f != want {
						t.Fatalf("Find(%q) = %v, %v; want %v", text, f, ok, want)
					}
				}
				// Any single-character substitution changes the remainder mod 97.
				b := []byte(iban)
				pos := 2 + r.IntN(len(b)-2)
				if b[pos] >= '0' && b[pos] <= '9' {
					b[pos] = '0' + (b[pos]-'0'+1)%10
				} else {
					b[pos] = 'A' + (b[pos]-'A'+1)%26
				}
				for _, f := range pii.Scan(string(b)) {
					if f.Kind == pii.IBAN {
						t.Errorf("Scan(%s) (from %s) found an IBAN", b, iban)
					}
				}
			}
		})
	}
}

// regroup writes an IBAN in the print format: groups of four separated by spaces.
func regroup(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		b.WriteString(s[i:min(i+4, len(s))])
		b.WriteByte(' ')
	}
	return b.String()
}

func TestIBANShapes(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"reference vector", "NO9386011117947", true},
		{"unknown country", "XX9386011117947", false},
		{"wrong length for the country", "DK9386011117947", false},
		{"spaces off the four-character grid", "NO93 860 11117947", false},
		{"double space", "NO93  8601 1117 947", false},
		{"check digits 00 alias 97", aliasCheckDigits(t), false},
		{"preceded by a letter", "XNO9386011117947", false},
		{"followed by a letter", "NO9386011117947X", false},
		{"followed by a space and more text", "NO93 8601 1117 947 kr", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			for _, f := range pii.Scan(tt.value) {
				found = found || f.Kind == pii.IBAN
			}
			if found != tt.want {
				t.Errorf("Scan(%q) found IBAN = %v, want %v", tt.value, found, tt.want)
			}
		})
	}
}

// aliasCheckDigits returns a Norwegian IBAN whose correct check digits are 97, written with 00 instead: it
// passes mod 97 but is never issued.
func aliasCheckDigits(t *testing.T) string {
	for n := 0; n < 100000; n++ {
		bban := fmt.Sprintf("%011d", n)
		if iban := makeIBAN("NO", bban); iban[2:4] == "97" {
			return "NO00" + bban
		}
	}
	t.Fatal("no BBAN with check digits 97")
	return ""
}
