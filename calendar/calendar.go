// Package calendar computes the civil-date deadlines Vern enforces: the
// GDPR Art. 12(3) answer deadline for data-subject requests and the
// bokføringsloven § 13 accounting hold, counted on the Norwegian calendar.
//
// # Dates
//
// A deadline is a day, not an instant, so rules work on [Date], a civil date
// with no time of day or zone. An instant becomes a date in Europe/Oslo time
// ([DateOf]): a request received at 23:30 UTC on 30 January was received on
// 31 January in Norway. The zone database is embedded (time/tzdata), so
// Europe/Oslo loads on machines without one.
//
// # Art. 12(3): one month, extensible by two
//
// A request under Art. 15–22 must be answered within one month of receipt
// (DPC Ireland,
// https://dataprotection.ie/en/individuals/know-your-rights/how-long-will-it-take).
// The month is counted as REFERENCE.md 1.2 describes the practice under
// Regulation (EEC, Euratom) No 1182/71 Art. 3, from secondary guidance:
// the period starts the day after receipt and ends on the same calendar date
// in the next month; when that date does not exist (31 January → 31 February)
// it ends on the last day of that month; when the end falls on a Saturday,
// Sunday or Norwegian public holiday it moves to the next working day
// ([RequestDue]).
//
// The controller may extend the period by two further months, but must tell
// the person so within the first month. "Two further months" has two
// readings: receipt + 3 months, or first deadline + 2 months. They differ
// around month ends (received 31 January 2025: 30 April against 28 April), so
// [ExtendedDue] takes the earlier one, and [ExtensionNoticeBy] is the working
// day before the first deadline, so that the notice is sent in time.
//
// # Public holidays
//
// The Norwegian public holidays are those of lov om helligdager og
// helligdagsfred (1995) § 2 besides ordinary Sundays: New Year's Day, Maundy
// Thursday, Good Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday
// and Monday, Christmas Day and Boxing Day; and 1 and 17 May, the days of
// lov om 1. og 17. mai som høgtidsdager (1947). Christmas Eve, New Year's Eve
// and Easter Saturday are not public holidays. Easter follows the Gregorian
// computus ([Easter]). Today's rules are applied to every year. (The list
// follows Vern's specification; the statute names are from general
// knowledge and worth checking on Lovdata before quoting.)
//
// # Bokføringsloven § 13: accounting hold
//
// Accounting material must be kept after the end of the financial year it
// belongs to (REFERENCE.md 2.3; Altinn, "Oppbevaring av rekneskapsmateriale"):
// primary documentation, such as invoices and bank statements, for 5 years;
// secondary documentation, such as agreements and order slips, for 3 years
// and 6 months ([AccountingHoldUntil]). An invoice dated 10 March 2025 in a
// calendar financial year is kept to 31 December 2030; a secondary document
// of 2025 to 30 June 2029.
package calendar

import (
	"cmp"
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Oslo must load on hosts without a zone database.
)

// Date is a civil date: a day of the Gregorian calendar, with no time of day
// and no zone. The zero Date is not a valid date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// oslo loads the zone once; the embedded tzdata makes failure impossible
// short of a corrupt binary, so it panics rather than returning an error
// every caller would have to handle.
var oslo = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(fmt.Sprintf("calendar: load Europe/Oslo: %s", err))
	}
	return loc
})

// Oslo returns the Europe/Oslo location, the zone in which Vern's dates are
// civil dates. It is loaded once.
func Oslo() *time.Location { return oslo() }

// DateOf returns the civil date of t in Oslo time.
func DateOf(t time.Time) Date { return dateIn(t.In(Oslo())) }

// dateIn returns the date of t in t's own location.
func dateIn(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses a date in the form YYYY-MM-DD. It rejects dates that do
// not exist, such as 2025-02-29.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date: %w", err)
	}
	return dateIn(t), nil
}

// String returns the date as YYYY-MM-DD, the form Vern stores and sends.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText encodes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes a YYYY-MM-DD date.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// IsValid reports whether d names a day that exists, so not 2025-02-29 or
// the zero Date.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e. It suits
// slices.SortFunc.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Equal reports whether d and e are the same day.
func (d Date) Equal(e Date) bool { return d == e }

// AddDays returns the date n days after d (before it for negative n).
func (d Date) AddDays(n int) Date { return dateIn(d.utc().AddDate(0, 0, n)) }

// Sub returns the number of days from e to d: d.Sub(e) == n when
// e.AddDays(n) == d.
func (d Date) Sub(e Date) int { return int((d.utc().Unix() - e.utc().Unix()) / 86400) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// In returns the instant d begins in loc, such as d.In(calendar.Oslo()).
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// utc is midnight UTC on d. UTC has no daylight saving time, so differences
// between such instants are whole days.
func (d Date) utc() time.Time { return d.In(time.UTC) }

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// lastOfMonth returns the last day of month m of year y.
func lastOfMonth(y int, m time.Month) Date { return Date{y, m, daysIn(y, m)} }

// AddMonths returns the same day of the month n months after d (before it
// for negative n). When that day does not exist it returns the last day of
// the month: 31 January plus one month is 28 February, or 29 in a leap year.
// This is the month of Art. 12(3) as counted by Reg. 1182/71.
func AddMonths(d Date, n int) Date {
	total := d.Year*12 + int(d.Month) - 1 + n
	y, m := floorDiv(total, 12), time.Month(total-floorDiv(total, 12)*12+1)
	return Date{y, m, min(d.Day, daysIn(y, m))}
}

// floorDiv divides rounding towards minus infinity, so that months before
// year 0 still land in the right year.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// RequestDue returns the Art. 12(3) deadline for a request received at
// received: the same calendar date one month after the Oslo date of receipt
// (the last day of that month when the date does not exist), moved to the
// next working day when it falls on a weekend or public holiday.
func RequestDue(received time.Time) Date {
	return NextWorkingDay(AddMonths(DateOf(received), 1))
}

// ExtendedDue returns the deadline once extended by two further months
// (Art. 12(3)). Of the two readings, receipt + 3 months and first deadline
// (RequestDue) + 2 months, each moved to a working day, it returns the
// earlier, so that Vern never relies on the more generous one.
func ExtendedDue(received time.Time) Date {
	byReceipt := NextWorkingDay(AddMonths(DateOf(received), 3))
	byDeadline := NextWorkingDay(AddMonths(RequestDue(received), 2))
	if byDeadline.Before(byReceipt) {
		return byDeadline
	}
	return byReceipt
}

// ExtensionNoticeBy returns the last day on which the person may be told of
// an extension: the working day before RequestDue. Art. 12(3) requires the
// notice within the first month, and sending it a working day early keeps it
// inside the period whatever the hour of sending.
func ExtensionNoticeBy(received time.Time) Date {
	return PreviousWorkingDay(RequestDue(received).AddDays(-1))
}

// FiscalYear describes a financial year by the month it ends in. The zero
// value is the calendar year, which ends in December; bokføringsloven allows
// another year end, such as 30 June, for some businesses.
type FiscalYear struct {
	// EndMonth is the last month of the financial year; zero means December.
	EndMonth time.Month
}

// Validate returns a *FieldError when EndMonth is neither zero nor a month.
func (fy FiscalYear) Validate() error {
	if fy.EndMonth < 0 || fy.EndMonth > time.December {
		return &FieldError{Field: "fiscal_year", Message: "end month must be 1 to 12"}
	}
	return nil
}

// End returns the last day of the financial year that contains d. It panics
// when fy is invalid (see Validate), like an index out of range.
func (fy FiscalYear) End(d Date) Date {
	if err := fy.Validate(); err != nil {
		panic(err.Error())
	}
	m := cmp.Or(fy.EndMonth, time.December)
	y := d.Year
	if d.Month > m {
		y++
	}
	return lastOfMonth(y, m)
}

// AccountingHoldUntil returns the last day an accounting document dated
// dated must be kept under bokføringsloven § 13: for kind "primary"
// (vern.DocumentPrimary) the end of the month 5 years after the end of its
// financial year, for "secondary" (vern.DocumentSecondary) 3 years and 6
// months after. The document may be deleted from the next day. It returns a
// *FieldError naming "kind" for any other kind, "dated" for a date that does
// not exist and "fiscal_year" for an invalid fy.
func AccountingHoldUntil(dated Date, kind string, fy FiscalYear) (Date, error) {
	if err := fy.Validate(); err != nil {
		return Date{}, err
	}
	if !dated.IsValid() {
		return Date{}, &FieldError{Field: "dated", Message: "must be a date that exists"}
	}
	var months int
	switch kind {
	case "primary":
		months = 5 * 12
	case "secondary":
		months = 3*12 + 6
	default:
		return Date{}, &FieldError{Field: "kind", Message: `must be "primary" or "secondary"`}
	}
	// The financial year ends on a month's last day, and so does the hold:
	// a year ending 28 February 2027 is held to 29 February 2032.
	fyEnd := fy.End(dated)
	end := AddMonths(Date{fyEnd.Year, fyEnd.Month, 1}, months)
	return lastOfMonth(end.Year, end.Month), nil
}

// FieldError reports an argument a rule cannot use, named by its input
// field, so that a caller can return it as a per-field validation error.
// Message never repeats the refused value.
type FieldError struct {
	// Field names the argument, such as "kind".
	Field string
	// Message says what a valid value looks like.
	Message string
}

// Error implements the error interface.
func (e *FieldError) Error() string { return "calendar: invalid " + e.Field + ": " + e.Message }
