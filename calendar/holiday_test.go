package calendar_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/calendar"
)

func TestEaster(t *testing.T) {
	tests := []struct {
		year int
		want string
	}{
		{1818, "1818-03-22"}, // earliest possible date
		{1943, "1943-04-25"}, // latest possible date
		{2000, "2000-04-23"},
		{2008, "2008-03-23"},
		{2011, "2011-04-24"},
		{2019, "2019-04-21"},
		{2024, "2024-03-31"},
		{2025, "2025-04-20"},
		{2026, "2026-04-05"},
		{2027, "2027-03-28"},
		{2038, "2038-04-25"},
		{2285, "2285-03-22"},
	}
	for _, tt := range tests {
		if got := calendar.Easter(tt.year).String(); got != tt.want {
			t.Errorf("Easter(%d) = %s, want %s", tt.year, got, tt.want)
		}
	}
}

// TestEasterMatchesOudin compares Easter with an independent computus, the
// Oudin algorithm as given in Claus Tøndering's Calendar FAQ, over the whole
// range where both are defined.
func TestEasterMatchesOudin(t *testing.T) {
	for y := 1583; y <= 4099; y++ {
		g, c := y%19, y/100
		h := (c - c/4 - (8*c+13)/25 + 19*g + 15) % 30
		i := h - (h/28)*(1-(29/(h+1))*((21-g)/11))
		j := (y + y/4 + i + 2 - c + c/4) % 7
		l := i - j
		m := 3 + (l+40)/44
		want := calendar.Date{Year: y, Month: time.Month(m), Day: l + 28 - 31*(m/4)}
		if got := calendar.Easter(y); got != want {
			t.Fatalf("Easter(%d) = %s, Oudin gives %s", y, got, want)
		}
		if got := calendar.Easter(y); got.Weekday() != time.Sunday {
			t.Fatalf("Easter(%d) = %s is a %s", y, got, got.Weekday())
		}
	}
}

func dates(tb testing.TB, ss ...string) []calendar.Date {
	tb.Helper()
	out := make([]calendar.Date, len(ss))
	for i, s := range ss {
		out[i] = mustDate(tb, s)
	}
	return out
}

func TestNorwegianHolidays(t *testing.T) {
	tests := []struct {
		year int
		want []calendar.Date
	}{
		{2025, dates(t,
			"2025-01-01", // New Year's Day
			"2025-04-17", // Maundy Thursday
			"2025-04-18", // Good Friday
			"2025-04-20", // Easter Sunday
			"2025-04-21", // Easter Monday
			"2025-05-01", // Labour Day
			"2025-05-17", // Constitution Day
			"2025-05-29", // Ascension Day
			"2025-06-08", // Whit Sunday
			"2025-06-09", // Whit Monday
			"2025-12-25", // Christmas Day
			"2025-12-26", // Boxing Day
		)},
		{2026, dates(t,
			"2026-01-01", // New Year's Day
			"2026-04-02", // Maundy Thursday
			"2026-04-03", // Good Friday
			"2026-04-05", // Easter Sunday
			"2026-04-06", // Easter Monday
			"2026-05-01", // Labour Day
			"2026-05-14", // Ascension Day
			"2026-05-17", // Constitution Day
			"2026-05-24", // Whit Sunday
			"2026-05-25", // Whit Monday
			"2026-12-25", // Christmas Day
			"2026-12-26", // Boxing Day
		)},
		// Easter on 23 March puts Ascension Day on 1 May: one day, listed once.
		{2008, dates(t,
			"2008-01-01", "2008-03-20", "2008-03-21", "2008-03-23", "2008-03-24",
			"2008-05-01", // Labour Day and Ascension Day
			"2008-05-11", "2008-05-12", "2008-05-17", "2008-12-25", "2008-12-26",
		)},
		// Easter on 8 April puts Ascension Day on 17 May.
		{2007, dates(t,
			"2007-01-01", "2007-04-05", "2007-04-06", "2007-04-08", "2007-04-09",
			"2007-05-01",
			"2007-05-17", // Constitution Day and Ascension Day
			"2007-05-27", "2007-05-28", "2007-12-25", "2007-12-26",
		)},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, calendar.NorwegianHolidays(tt.year)); diff != "" {
			t.Errorf("NorwegianHolidays(%d) mismatch (-want +got):\n%s", tt.year, diff)
		}
	}
}

// TestIsHolidayMatchesList checks IsHoliday against NorwegianHolidays on
// every day of two centuries.
func TestIsHolidayMatchesList(t *testing.T) {
	for y := 1900; y < 2100; y++ {
		listed := map[calendar.Date]bool{}
		for _, d := range calendar.NorwegianHolidays(y) {
			listed[d] = true
		}
		for d := (calendar.Date{Year: y, Month: time.January, Day: 1}); d.Year == y; d = d.AddDays(1) {
			if got := calendar.IsHoliday(d); got != listed[d] {
				t.Fatalf("IsHoliday(%s) = %t, but NorwegianHolidays(%d) lists it: %t", d, got, y, listed[d])
			}
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	tests := []struct {
		d    string
		want bool
	}{
		{"2025-04-16", true},  // Wednesday before Easter
		{"2025-04-17", false}, // Maundy Thursday
		{"2025-04-19", false}, // Easter Saturday: a Saturday, though not a holiday
		{"2025-04-22", true},  // Tuesday after Easter
		{"2025-05-17", false}, // Constitution Day on a Saturday
		{"2026-05-14", false}, // Ascension Day
		{"2026-05-15", true},
		{"2025-12-24", true}, // Christmas Eve is not a public holiday
		{"2025-12-31", true}, // nor is New Year's Eve
		{"2025-12-27", false},
		{"2025-06-08", false}, // Whit Sunday
		{"2025-06-10", true},
	}
	for _, tt := range tests {
		if got := calendar.IsWorkingDay(mustDate(t, tt.d)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %t, want %t", tt.d, got, tt.want)
		}
	}
	if calendar.IsHoliday(mustDate(t, "2025-04-19")) || calendar.IsHoliday(mustDate(t, "2025-12-24")) {
		t.Error("IsHoliday counts Easter Saturday or Christmas Eve")
	}
	if calendar.IsHoliday(mustDate(t, "2025-04-27")) {
		t.Error("IsHoliday counts an ordinary Sunday")
	}
}

func TestNextAndPreviousWorkingDay(t *testing.T) {
	tests := []struct {
		d, next, prev string
	}{
		{"2025-04-15", "2025-04-15", "2025-04-15"}, // working day stays
		{"2025-04-17", "2025-04-22", "2025-04-16"}, // Easter
		{"2025-05-17", "2025-05-19", "2025-05-16"}, // Saturday holiday
		{"2025-12-25", "2025-12-29", "2025-12-24"},
		{"2026-01-01", "2026-01-02", "2025-12-31"},
		{"2026-05-23", "2026-05-26", "2026-05-22"}, // Whitsun weekend
	}
	for _, tt := range tests {
		d := mustDate(t, tt.d)
		if got := calendar.NextWorkingDay(d).String(); got != tt.next {
			t.Errorf("NextWorkingDay(%s) = %s, want %s", tt.d, got, tt.next)
		}
		if got := calendar.PreviousWorkingDay(d).String(); got != tt.prev {
			t.Errorf("PreviousWorkingDay(%s) = %s, want %s", tt.d, got, tt.prev)
		}
	}
}
