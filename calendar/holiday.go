package calendar

import (
	"slices"
	"time"
)

// Easter returns Easter Sunday of year in the Gregorian calendar (from 1583),
// computed with the anonymous Gregorian algorithm of Meeus, Jones and
// Butcher.
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return Date{year, time.Month(n / 31), n%31 + 1}
}

// NorwegianHolidays returns the public holidays of year, sorted. Ordinary
// Sundays are not listed. When two holidays fall on one day (Ascension Day on
// 1 or 17 May), the day is listed once.
func NorwegianHolidays(year int) []Date {
	e := Easter(year)
	days := []Date{
		{year, time.January, 1},   // New Year's Day
		e.AddDays(-3),             // Maundy Thursday
		e.AddDays(-2),             // Good Friday
		e,                         // Easter Sunday
		e.AddDays(1),              // Easter Monday
		{year, time.May, 1},       // Labour Day
		{year, time.May, 17},      // Constitution Day
		e.AddDays(39),             // Ascension Day
		e.AddDays(49),             // Whit Sunday
		e.AddDays(50),             // Whit Monday
		{year, time.December, 25}, // Christmas Day
		{year, time.December, 26}, // Boxing Day
	}
	slices.SortFunc(days, Date.Compare)
	return slices.Compact(days)
}

// IsHoliday reports whether d is a Norwegian public holiday. Ordinary Sundays
// do not count; IsWorkingDay excludes them.
func IsHoliday(d Date) bool {
	switch {
	case d.Month == time.January && d.Day == 1,
		d.Month == time.May && (d.Day == 1 || d.Day == 17),
		d.Month == time.December && (d.Day == 25 || d.Day == 26):
		return true
	}
	switch d.Sub(Easter(d.Year)) {
	case -3, -2, 0, 1, 39, 49, 50:
		return true
	}
	return false
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and not
// a public holiday.
func IsWorkingDay(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !IsHoliday(d)
}

// NextWorkingDay returns d if it is a working day, or else the first
// working day after it.
func NextWorkingDay(d Date) Date {
	for !IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// PreviousWorkingDay returns d if it is a working day, or else the last
// working day before it.
func PreviousWorkingDay(d Date) Date {
	for !IsWorkingDay(d) {
		d = d.AddDays(-1)
	}
	return d
}
