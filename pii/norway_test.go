package pii_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vernhq/vern/pii"
)

// The helpers below are an independent reference implementation of REFERENCE.md 3.1, written from the
// formulas there rather than from the package, so that the tests compute expectations instead of assuming them.

var (
	fnrW1 = [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	fnrW2 = [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

func digitsOf(s string) []int {
	d := make([]int, len(s))
	for i := range s {
		d[i] = int(s[i] - '0')
	}
	return d
}

// fnrRemainders returns (S1 + K1) mod 11 and (S2 + K2) mod 11.
func fnrRemainders(d []int) (int, int) {
	s1, s2 := d[9], d[10]
	for i, w := range fnrW1 {
		s1 += w * d[i]
	}
	for i, w := range fnrW2 {
		s2 += w * d[i]
	}
	return s1 % 11, s2 % 11
}

func oldRuleValid(d []int) bool {
	r1, r2 := fnrRemainders(d)
	return len(d) == 11 && r1 == 0 && r2 == 0
}

func newRuleValid(d []int) bool {
	r1, r2 := fnrRemainders(d)
	return len(d) == 11 && r1 <= 3 && r2 == 0
}

// refNorwegian is the reference classification of an 11-digit string: the kind and whether it is valid.
func refNorwegian(s string) (pii.Kind, bool) {
	d := digitsOf(s)
	if s == "00000000000" || !newRuleValid(d) {
		return "", false
	}
	day, month, yy := d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	kind := pii.NorwegianNationalID
	if day > 40 {
		day, kind = day-40, pii.NorwegianDNumber
	}
	switch {
	case month > 80:
		month -= 80
	case month > 40:
		month -= 40
		if kind == pii.NorwegianNationalID {
			kind = pii.NorwegianHNumber
		}
	}
	// 2000+yy is a leap year exactly when some century makes the date possible.
	if month < 1 || month > 12 || day < 1 || day > daysInMonth(2000+yy, month) {
		return "", false
	}
	return kind, true
}

func daysInMonth(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// makeFNR builds an 11-digit number from its parts. With newOnly it picks a K1 that only the 2032 rule
// accepts. It reports false when no such number exists for the prefix (K1 or K2 would be 10).
func makeFNR(day, month, yy, individual int, newOnly bool, r *rand.Rand) (string, bool) {
	prefix := fmt.Sprintf("%02d%02d%02d%03d", day, month, yy, individual)
	d := digitsOf(prefix + "00")
	s1 := 0
	for i, w := range fnrW1 {
		s1 += w * d[i]
	}
	k1 := (11 - s1%11) % 11
	if newOnly {
		// K1 ∈ {12,13,14} − (S1 mod 11), reduced mod 11: remainders 1, 2 and 3.
		k1 = (11 + 1 + r.IntN(3) - s1%11) % 11
	}
	if k1 == 10 {
		return "", false
	}
	d[9] = k1
	s2 := 0
	for i, w := range fnrW2 {
		s2 += w * d[i]
	}
	k2 := (11 - s2%11) % 11
	if k2 == 10 {
		return "", false
	}
	return fmt.Sprintf("%s%d%d", prefix, k1, k2), true
}

func TestNorwegianReferenceTable(t *testing.T) {
	// REFERENCE.md 3.1, "old rule" and "2032 rule" columns, recomputed here.
	tests := []struct {
		value    string
		old, new bool
	}{
		{"15838512086", true, true}, {"03889130066", true, true}, {"29807045650", true, true},
		{"15438512184", true, true}, {"01529030092", true, true}, {"55839676017", true, true},
		{"71887010182", true, true}, {"22073555020", true, true}, {"01123190048", true, true},
		{"02013299997", true, true}, {"30108299920", true, true}, {"30108299939", false, true},
		{"15063550008", false, true}, {"15063550016", false, true}, {"15063550024", false, true},
		{"15838512087", false, false}, {"22073555021", false, false}, {"02013299998", false, false},
		{"12345678901", false, false}, {"00000000000", true, true}, {"31023551252", true, true},
		{"15838512345", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			d := digitsOf(tt.value)
			if got := oldRuleValid(d); got != tt.old {
				t.Errorf("old rule = %v, want %v", got, tt.old)
			}
			if got := newRuleValid(d); got != tt.new {
				t.Errorf("2032 rule = %v, want %v", got, tt.new)
			}
			wantKind, wantOK := refNorwegian(tt.value)
			f, ok := pii.Find(tt.value)
			if ok != wantOK || f.Kind != wantKind {
				t.Errorf("Find = %v, %v; want kind %q, %v", f, ok, wantKind, wantOK)
			}
		})
	}
}

// TestNorwegianGenerated builds numbers with valid checksums for random dates under both rules and in every
// variant, embeds them in text, and then changes one digit at a time. A changed number must match exactly
// when the reference implementation says it is still valid, which happens now and then under the 2032 rule.
func TestNorwegianGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(2032, 11))
	variants := []struct {
		name             string
		dayAdd, monthAdd int
		want             pii.Kind
	}{
		{"fødselsnummer", 0, 0, pii.NorwegianNationalID},
		{"d-number", 40, 0, pii.NorwegianDNumber},
		{"h-number", 0, 40, pii.NorwegianHNumber},
		{"tenor synthetic", 0, 80, pii.NorwegianNationalID},
		{"tenor synthetic d-number", 40, 80, pii.NorwegianDNumber},
		{"nav synthetic d-number", 40, 40, pii.NorwegianDNumber},
	}
	var made, mutated, stillValid int
	for _, v := range variants {
		for _, newOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/2032-only=%v", v.name, newOnly), func(t *testing.T) {
				for n := 0; n < 300; n++ {
					year := 1900 + r.IntN(140)
					month := 1 + r.IntN(12)
					day := 1 + r.IntN(daysInMonth(year, month))
					num, ok := makeFNR(day+v.dayAdd, month+v.monthAdd, year%100, r.IntN(1000), newOnly, r)
					if !ok {
						continue
					}
					made++
					if d := digitsOf(num); oldRuleValid(d) == newOnly || !newRuleValid(d) {
						t.Fatalf("generator produced %s with old=%v new=%v", num, oldRuleValid(d), newRuleValid(d))
					}
					text := "Pasienten " + num + " ble innlagt."
					f, ok := pii.Find(text)
					if want := (pii.Finding{Kind: v.want, Start: 10, End: 21}); !ok || f != want {
						t.Fatalf("Find(%q) = %v, %v; want %v", text, f, ok, want)
					}
					// Change one digit.
					pos := r.IntN(11)
					b := []byte(num)
					b[pos] = '0' + byte((int(b[pos]-'0')+1+r.IntN(9))%10)
					changed := string(b)
					mutated++
					wantKind, wantOK := refNorwegian(changed)
					if wantOK {
						stillValid++
					}
					f, ok = pii.Find(changed)
					if ok != wantOK || f.Kind != wantKind {
						t.Errorf("Find(%s) (from %s) = %v, %v; reference says %q, %v", changed, num, f, ok, wantKind, wantOK)
					}
				}
			})
		}
	}
	t.Logf("generated %d numbers; %d of %d one-digit changes were still valid", made, stillValid, mutated)
}

func TestNorwegianDates(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 2))
	tests := []struct {
		name           string
		day, month, yy int
		want           bool
	}{
		{"29 February in a leap year", 29, 2, 84, true},
		{"29 February 2000", 29, 2, 0, true},
		{"29 February in a common year", 29, 2, 85, false},
		{"30 February", 30, 2, 84, false},
		{"31 April", 31, 4, 90, false},
		{"31 December", 31, 12, 99, true},
		{"day 0", 0, 5, 90, false},
		{"month 13", 1, 13, 90, false},
		{"D-number 29 February in a common year", 69, 2, 85, false},
		{"H-number month 53", 1, 53, 90, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 1000; i++ {
				num, ok := makeFNR(tt.day, tt.month, tt.yy, r.IntN(1000), i%2 == 1, r)
				if !ok {
					continue
				}
				if _, got := pii.Find(num); got != tt.want {
					t.Errorf("Find(%s) = %v, want %v", num, got, tt.want)
				}
				return
			}
			t.Fatal("no checksum-valid number for this date")
		})
	}
}

// TestNorwegianCenturyNotEnforced: individual numbers 750-899 were only used for 2000-2039 before 2032, so
// 85 with 800 was impossible then. From 2032 the individual number no longer gives the century and such
// numbers are issued, so the detector must still flag them.
func TestNorwegianCenturyNotEnforced(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for ind := 750; ind < 900; ind++ {
		num, ok := makeFNR(15, 6, 85, ind, false, r)
		if !ok {
			continue
		}
		if f, ok := pii.Find(num); !ok || f.Kind != pii.NorwegianNationalID {
			t.Errorf("Find(%s) = %v, %v; want a national ID", num, f, ok)
		}
	}
}
