package pii_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/pii"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		region string
		want   string
	}{
		{"8 digits in pairs", "22 33 44 55", "NO", "+4722334455"},
		{"plus 47", "+47 22334455", "NO", "+4722334455"},
		{"0047 prefix", "0047 22 33 44 55", "NO", "+4722334455"},
		{"parenthesised country code", "(+47) 412 34 567", "NO", "+4741234567"},
		{"mobile 3-2-3", "412 34 567", "NO", "+4741234567"},
		{"mobile plain", "41234567", "NO", "+4741234567"},
		{"dashes", "412-34-567", "NO", "+4741234567"},
		{"default region when empty", "22 33 44 55", "", "+4722334455"},
		{"lower-case region", "22 33 44 55", "no", "+4722334455"},
		{"surrounding space", "  +47 412 34 567 ", "NO", "+4741234567"},
		{"nkom fiction range", "68050000", "NO", "+4768050000"},
		{"nkom fiction range e164", "+47 68 05 99 99", "", "+4768059999"},
		{"sweden mobile international", "+46 70 123 45 67", "NO", "+46701234567"},
		{"sweden mobile national", "070-123 45 67", "SE", "+46701234567"},
		{"denmark", "+45 32 12 34 56", "NO", "+4532123456"},
		{"finland", "+358 40 1234567", "NO", "+358401234567"},
		{"united states", "+1 (415) 555-2671", "NO", "+14155552671"},
		{"united kingdom", "+44 20 7946 0958", "NO", "+442079460958"},
		{"united kingdom national", "020 7946 0958", "GB", "+442079460958"},
		{"germany", "+49 30 901820", "NO", "+4930901820"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pii.NormalizePhone(tt.in, tt.region)
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q) error: %v", tt.in, tt.region, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NormalizePhone(%q, %q) mismatch (-want +got):\n%s", tt.in, tt.region, diff)
			}
			again, err := pii.NormalizePhone(got, "NO")
			if err != nil || again != got {
				t.Errorf("NormalizePhone(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestNormalizePhoneRejects(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		region string
	}{
		{"empty", "", "NO"},
		{"letters", "ring meg", "NO"},
		{"unassigned norwegian range", "12345678", "NO"},
		{"too short", "1234", "NO"},
		{"too long", "+47 22 33 44 55 66", "NO"},
		{"national id", "22073555020", "NO"},
		{"national id with plus", "+22073555020", "NO"},
		{"extension", "22 33 44 55 ext. 1234", "NO"},
		{"unknown region", "22 33 44 55", "XX"},
		{"just outside the fiction range", "+47 68 06 00 00", "NO"},
		{"huge input", strings.Repeat("1", 100), "NO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pii.NormalizePhone(tt.in, tt.region)
			if err == nil {
				t.Fatalf("NormalizePhone(%q, %q) = %q, want an error", tt.in, tt.region, got)
			}
			if !errors.Is(err, pii.ErrInvalidPhone) {
				t.Errorf("NormalizePhone(%q) error %v is not ErrInvalidPhone", tt.in, err)
			}
			assertNoEcho(t, err, tt.in)
		})
	}
}
