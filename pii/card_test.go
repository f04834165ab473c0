package pii_test

import (
	"strings"
	"testing"

	"github.com/vernhq/vern/pii"
)

// pan completes a prefix to a Luhn-valid number of the given length.
func pan(prefix string, length int) string {
	body := prefix + strings.Repeat("3", length-1-len(prefix))
	return body + string(luhnDigit(body))
}

// group writes digits in groups of the given sizes, separated by sep.
func group(digits, sep string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, digits[:n])
		digits = digits[n:]
	}
	return strings.Join(parts, sep)
}

func TestPaymentCards(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"visa 13 digits", pan("4", 13), true},
		{"visa 13 digits in fours", group(pan("4", 13), " ", 4, 4, 4, 1), true},
		{"visa 19 digits in fours", group(pan("4", 19), " ", 4, 4, 4, 4, 3), true},
		{"mastercard 2-series", pan("2221", 16), true},
		{"mastercard 2-series too long", pan("2221", 17), false},
		{"mir 19 digits", pan("2200", 19), true},
		{"maestro 12 digits", pan("5018", 12), true},
		{"maestro 12 digits in fours", group(pan("5018", 12), "-", 4, 4, 4), true},
		{"dankort", pan("5019", 16), true},
		{"discover in fours", group(pan("6011", 16), " ", 4, 4, 4, 4), true},
		{"diners 14 digits 4-6-4", group(pan("3056", 14), " ", 4, 6, 4), true},
		{"amex 15 digits 4-6-5", group(pan("34", 15), " ", 4, 6, 5), true},
		{"jcb", pan("3530", 16), true},
		{"amex wrong length", pan("37", 16), false},
		{"visa 12 digits", pan("4", 12), false},
		{"no issuer 1", pan("1", 16), false},
		{"no issuer 7", pan("7", 16), false},
		{"no issuer 8", pan("8", 16), false},
		{"no issuer 9", pan("9", 16), false},
		{"20 digits", pan("4", 20), false},
		{"visa in pairs", group(pan("4", 16), " ", 2, 2, 2, 2, 2, 2, 2, 2), false},
		{"visa 8-8", group(pan("4", 16), " ", 8, 8), false},
		{"mixed separators", "4111 1111-1111 1111", false},
		{"decimal", "4111111111111111.50", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := pii.Find("Kort: " + tt.value + ", takk")
			if ok != tt.want || (ok && (f.Kind != pii.PaymentCard || f.End-f.Start != len(tt.value))) {
				t.Errorf("Find(%q) = %v, %v; want card %v", tt.value, f, ok, tt.want)
			}
		})
	}
}

// TestPaymentCardsFollowedByGroup: a fifth group after a card in fours is not part of the number, and the
// card must still be found.
func TestPaymentCardsFollowedByGroup(t *testing.T) {
	text := "4111 1111 1111 1111 2025"
	want := pii.Finding{Kind: pii.PaymentCard, Start: 0, End: 19}
	if f, ok := pii.Find(text); !ok || f != want {
		t.Errorf("Find(%q) = %v, %v; want %v", text, f, ok, want)
	}
}
