package policy_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/policy"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    policy.Period
		wantErr bool
	}{
		{name: "days", in: "P7D", want: policy.Period{Days: 7}},
		{name: "months", in: "P24M", want: policy.Period{Months: 24}},
		{name: "years", in: "P5Y", want: policy.Period{Years: 5}},
		{name: "years and months", in: "P3Y6M", want: policy.Period{Years: 3, Months: 6}},
		{name: "weeks", in: "P2W", want: policy.Period{Weeks: 2}},
		{name: "all date units", in: "P1Y2M3W4D", want: policy.Period{Years: 1, Months: 2, Weeks: 3, Days: 4}},
		{name: "time units", in: "PT36H30M15S", want: policy.Period{Hours: 36, Minutes: 30, Seconds: 15}},
		{name: "minutes are not months", in: "P1MT1M", want: policy.Period{Months: 1, Minutes: 1}},
		{name: "zero", in: "P0D", want: policy.Period{}},
		{name: "empty", in: "", wantErr: true},
		{name: "only P", in: "P", wantErr: true},
		{name: "only PT", in: "PT", wantErr: true},
		{name: "nothing after T", in: "P1DT", wantErr: true},
		{name: "no P", in: "24M", wantErr: true},
		{name: "lowercase", in: "p24m", wantErr: true},
		{name: "words", in: "24 months", wantErr: true},
		{name: "number without unit", in: "P24", wantErr: true},
		{name: "unit without number", in: "PM", wantErr: true},
		{name: "out of order", in: "P6M3Y", wantErr: true},
		{name: "repeated unit", in: "P1Y1Y", wantErr: true},
		{name: "hours in date part", in: "P1H", wantErr: true},
		{name: "fraction", in: "P0.5Y", wantErr: true},
		{name: "negative", in: "P-1D", wantErr: true},
		{name: "too large", in: "P10000000D", wantErr: true},
		{name: "non-ASCII unit", in: "P1Å", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := policy.ParseDuration(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDuration(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDuration(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPeriodString(t *testing.T) {
	for _, in := range []string{"P7D", "P24M", "P5Y", "P3Y6M", "P1Y2M3W4D", "PT36H30M15S", "P1MT1M", "P0D"} {
		p, err := policy.ParseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.String(); got != in {
			t.Errorf("ParseDuration(%q).String() = %q", in, got)
		}
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestPeriodAddTo(t *testing.T) {
	tests := []struct {
		name   string
		period string
		from   time.Time
		want   time.Time
	}{
		{"days", "P7D", date(2025, 3, 10), date(2025, 3, 17)},
		{"days across a month end", "P30D", date(2025, 1, 15), date(2025, 2, 14)},
		{"days across a leap day", "P1D", date(2024, 2, 28), date(2024, 2, 29)},
		{"weeks", "P2W", date(2025, 12, 25), date(2026, 1, 8)},
		{"month from the 31st clamps", "P1M", date(2025, 1, 31), date(2025, 2, 28)},
		{"month from the 31st in a leap year", "P1M", date(2024, 1, 31), date(2024, 2, 29)},
		{"month from the 30th", "P1M", date(2025, 3, 30), date(2025, 4, 30)},
		{"24 months", "P24M", date(2023, 6, 27), date(2025, 6, 27)},
		{"13 months across a year", "P13M", date(2024, 12, 31), date(2026, 1, 31)},
		{"leap day plus a year", "P1Y", date(2024, 2, 29), date(2025, 2, 28)},
		{"leap day plus four years", "P4Y", date(2024, 2, 29), date(2028, 2, 29)},
		// bokføringsloven § 13 vectors (REFERENCE 2.3): counted from the end
		// of financial year 2025.
		{"primary documentation", "P5Y", date(2025, 12, 31), date(2030, 12, 31)},
		{"secondary documentation", "P3Y6M", date(2025, 12, 31), date(2029, 6, 30)},
		{"months then days", "P1M1D", date(2025, 1, 31), date(2025, 3, 1)},
		{"hours across midnight", "PT36H", date(2025, 3, 10), time.Date(2025, 3, 11, 12, 0, 0, 0, time.UTC)},
		{"zero", "P0D", date(2025, 3, 10), date(2025, 3, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.ParseDuration(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.AddTo(tt.from); !got.Equal(tt.want) {
				t.Errorf("%s.AddTo(%s) = %s, want %s", tt.period, tt.from.Format(time.DateOnly), got.Format(time.DateTime), tt.want.Format(time.DateTime))
			}
		})
	}
}

// TestPeriodAddToKeepsLocation checks that calendar arithmetic happens in
// the caller's time zone, so that "a month later" in Oslo stays in Oslo.
func TestPeriodAddToKeepsLocation(t *testing.T) {
	oslo := time.FixedZone("CET", 3600)
	from := time.Date(2025, 1, 31, 23, 30, 0, 0, oslo)
	got := policy.Period{Months: 1}.AddTo(from)
	want := time.Date(2025, 2, 28, 23, 30, 0, 0, oslo)
	if !got.Equal(want) || got.Location() != oslo {
		t.Errorf("AddTo = %v, want %v", got, want)
	}
}
