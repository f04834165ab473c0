package pii_test

import (
	"fmt"
	"testing"

	"github.com/vernhq/vern/pii"
)

// luhnDigit returns the Luhn check digit that completes s (REFERENCE.md 3.2 and 3.5).
func luhnDigit(s string) byte {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		x := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 { // doubled: every second digit counting from the check digit
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return '0' + byte((10-sum%10)%10)
}

// hetuChar returns the Finnish check character for DDMMYY and ZZZ (REFERENCE.md 3.4).
func hetuChar(date, z string) byte {
	var n int
	fmt.Sscanf(date+z, "%d", &n)
	return "0123456789ABCDEFHJKLMNPRSTUVWXY"[n%31]
}

func TestSwedish(t *testing.T) {
	withLuhn := func(s string) string { return s + string(luhnDigit(s)) }
	tests := []struct {
		name   string
		value  string
		want   pii.Kind
		wantOK bool
	}{
		{"leap day 2000, 12 digits", "20000229-" + withLuhn("000229123")[6:], pii.SwedishPersonnummer, true},
		{"leap day 1900 does not exist", "19000229-" + withLuhn("000229123")[6:], "", false},
		{"leap day, 10 digits", withLuhn("840229123"), pii.SwedishPersonnummer, true},
		{"29 February in a common year", withLuhn("850229123"), "", false},
		{"samordningsnummer day 91", withLuhn("851291123"), pii.SwedishSamordningsnummer, true},
		{"samordningsnummer day 92", withLuhn("851292123"), "", false},
		{"month 13", withLuhn("851301123"), "", false},
		{"12 digits before 1800", "1799" + withLuhn("991231123")[2:], "", false},
		{"centenarian plus, 12 digits", "19210101+" + withLuhn("210101123")[6:], pii.SwedishPersonnummer, true},
		{"space is not a Swedish separator", withLuhn("850101123")[:6] + " " + withLuhn("850101123")[6:], "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := pii.Find("Personnr " + tt.value + ".")
			if ok != tt.wantOK || f.Kind != tt.want {
				t.Errorf("Find(%q) = %v, %v; want %q, %v", tt.value, f, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDanishCentury(t *testing.T) {
	// The seventh digit and YY give the century; 29 February exists in 2000 but not in 1900 or 1800.
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"seventh digit 4, YY 00 is 2000", "290200-4123", true},
		{"seventh digit 9, YY 00 is 2000", "290200-9123", true},
		{"seventh digit 5, YY 00 is 2000", "290200-5123", true},
		{"seventh digit 1, YY 00 is 1900", "290200-1123", false},
		{"seventh digit 3, YY 00 is 1900", "290200-3123", false},
		{"seventh digit 5, YY 60 is 1860", "290260-5123", true},
		{"seventh digit 5, YY 61 is 1861", "290261-5123", false},
		{"impossible date", "310479-1234", false},
		{"month 00", "150079-1234", false},
		{"space is not a Danish separator", "010135 4008", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := pii.Find("CPR " + tt.value)
			if ok != tt.want || (ok && f.Kind != pii.DanishCPR) {
				t.Errorf("Find(%q) = %v, %v; want CPR %v", tt.value, f, ok, tt.want)
			}
		})
	}
}

func TestFinnish(t *testing.T) {
	hetu := func(date string, sign byte, z string) string {
		return date + string(sign) + z + string(hetuChar(date, z))
	}
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"2000s sign B", hetu("010203", 'B', "456"), true},
		{"2000s sign F", hetu("010203", 'F', "456"), true},
		{"1900s sign U", hetu("010203", 'U', "456"), true},
		{"1800s sign +", hetu("010203", '+', "456"), true},
		{"leap day 2000", hetu("290200", 'A', "123"), true},
		{"no leap day 1900", hetu("290200", '-', "123"), false},
		{"no leap day 2001", hetu("290201", 'A', "123"), false},
		{"individual number 001 is never issued", hetu("010203", 'A', "001"), false},
		{"individual number 002", hetu("010203", 'A', "002"), true},
		{"sign G is not a century", hetu("010203", 'G', "456"), false},
		{"followed by a digit", hetu("010203", 'A', "456") + "7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := pii.Find("Henkilötunnus: " + tt.value + " ")
			if ok != tt.want || (ok && f.Kind != pii.FinnishHETU) {
				t.Errorf("Find(%q) = %v, %v; want HETU %v", tt.value, f, ok, tt.want)
			}
		})
	}
}
