package calendar_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern/calendar"
)

// mustDate parses a YYYY-MM-DD date or fails the test.
func mustDate(tb testing.TB, s string) calendar.Date {
	tb.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %s", s, err)
	}
	return d
}

// mustTime parses an RFC 3339 instant or fails the test.
func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("time.Parse(%q): %s", s, err)
	}
	return t
}

// noonOslo is the instant at noon, Oslo time, on the date s: safely inside
// the day whatever the UTC offset.
func noonOslo(tb testing.TB, s string) time.Time {
	tb.Helper()
	return mustDate(tb, s).In(calendar.Oslo()).Add(12 * time.Hour)
}

func TestOslo(t *testing.T) {
	loc := calendar.Oslo()
	if loc.String() != "Europe/Oslo" {
		t.Errorf("Oslo() = %q, want Europe/Oslo", loc)
	}
	if calendar.Oslo() != loc {
		t.Error("Oslo() returned a different *Location on the second call; want it loaded once")
	}
}

func TestDateOf(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"winter, before midnight in Oslo", mustTime(t, "2025-01-30T22:59:59Z"), "2025-01-30"},
		{"winter, midnight in Oslo (UTC+1)", mustTime(t, "2025-01-30T23:00:00Z"), "2025-01-31"},
		{"summer, before midnight in Oslo", mustTime(t, "2025-04-28T21:59:59Z"), "2025-04-28"},
		{"summer, midnight in Oslo (UTC+2)", mustTime(t, "2025-04-28T22:00:00Z"), "2025-04-29"},
		{"new year", mustTime(t, "2025-12-31T23:30:00Z"), "2026-01-01"},
		{"other zone is converted", time.Date(2025, 3, 16, 19, 30, 0, 0, ny), "2025-03-17"},
		{"DST starts in Oslo", mustTime(t, "2025-03-30T01:30:00Z"), "2025-03-30"},
		{"DST ends in Oslo", mustTime(t, "2025-10-25T22:30:00Z"), "2025-10-26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calendar.DateOf(tt.t).String(); got != tt.want {
				t.Errorf("DateOf(%s) = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    calendar.Date
		wantErr bool
	}{
		{in: "2025-03-10", want: calendar.Date{Year: 2025, Month: time.March, Day: 10}},
		{in: "2024-02-29", want: calendar.Date{Year: 2024, Month: time.February, Day: 29}},
		{in: "2000-02-29", want: calendar.Date{Year: 2000, Month: time.February, Day: 29}},
		{in: "2025-02-29", wantErr: true},
		{in: "1900-02-29", wantErr: true},
		{in: "2025-04-31", wantErr: true},
		{in: "2025-13-01", wantErr: true},
		{in: "2025-00-10", wantErr: true},
		{in: "2025-3-10", wantErr: true},
		{in: "2025-03-10T00:00:00Z", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := calendar.ParseDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %s, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %s", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("ParseDate(%q).String() = %q, want the input back", tt.in, got.String())
			}
		})
	}
}

func TestDateMethods(t *testing.T) {
	d := mustDate(t, "2024-02-28")
	if got := d.AddDays(1).String(); got != "2024-02-29" {
		t.Errorf("AddDays(1) = %s, want 2024-02-29", got)
	}
	if got := d.AddDays(2).String(); got != "2024-03-01" {
		t.Errorf("AddDays(2) = %s, want 2024-03-01", got)
	}
	if got := mustDate(t, "2025-01-01").AddDays(-1).String(); got != "2024-12-31" {
		t.Errorf("AddDays(-1) = %s, want 2024-12-31", got)
	}
	if got := mustDate(t, "2025-01-01").AddDays(365).String(); got != "2026-01-01" {
		t.Errorf("AddDays(365) = %s, want 2026-01-01", got)
	}
	if got := mustDate(t, "2025-03-31").Sub(mustDate(t, "2025-03-01")); got != 30 {
		t.Errorf("Sub across DST start = %d, want 30", got)
	}
	if got := mustDate(t, "2024-01-01").Sub(mustDate(t, "2025-01-01")); got != -366 {
		t.Errorf("Sub backwards over a leap year = %d, want -366", got)
	}
	if got := mustDate(t, "2400-01-01").Sub(mustDate(t, "1900-01-01")); got != 182621 {
		t.Errorf("Sub over 500 years = %d, want 182621", got)
	}
	if got := mustDate(t, "2025-04-20").Weekday(); got != time.Sunday {
		t.Errorf("Weekday(2025-04-20) = %s, want Sunday", got)
	}

	a, b := mustDate(t, "2025-04-30"), mustDate(t, "2025-05-01")
	if !a.Before(b) || a.After(b) || a.Equal(b) || a.Compare(b) != -1 {
		t.Errorf("%s against %s: Before/After/Equal/Compare disagree", a, b)
	}
	if !b.After(a) || b.Compare(a) != 1 || !a.Equal(a) || a.Compare(a) != 0 {
		t.Errorf("%s against %s: After/Equal/Compare disagree", b, a)
	}
	if y1, y2 := mustDate(t, "2024-12-31"), mustDate(t, "2025-01-01"); !y1.Before(y2) {
		t.Errorf("%s.Before(%s) = false, want true", y1, y2)
	}

	if (calendar.Date{}).IsValid() || (calendar.Date{Year: 2025, Month: time.February, Day: 29}).IsValid() {
		t.Error("IsValid accepted a date that does not exist")
	}
	if !a.IsValid() {
		t.Errorf("%s.IsValid() = false, want true", a)
	}

	start := a.In(calendar.Oslo())
	if want := mustTime(t, "2025-04-29T22:00:00Z"); !start.Equal(want) {
		t.Errorf("In(Oslo) = %s, want %s", start, want)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		HoldUntil calendar.Date `json:"hold_until"`
	}
	b, err := json.Marshal(doc{mustDate(t, "2030-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"hold_until":"2030-12-31"}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	var got doc
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.HoldUntil != mustDate(t, "2030-12-31") {
		t.Errorf("round trip = %s, want 2030-12-31", got.HoldUntil)
	}
	if err := json.Unmarshal([]byte(`{"hold_until":"2030-02-30"}`), &got); err == nil {
		t.Error("json.Unmarshal accepted 2030-02-30")
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		name string
		d    string
		n    int
		want string
	}{
		{"same day", "2025-03-15", 1, "2025-04-15"},
		{"zero", "2025-01-31", 0, "2025-01-31"},
		{"31 Jan to Feb, common year", "2025-01-31", 1, "2025-02-28"},
		{"30 Jan to Feb, common year", "2025-01-30", 1, "2025-02-28"},
		{"29 Jan to Feb, common year", "2025-01-29", 1, "2025-02-28"},
		{"28 Jan to Feb, common year", "2025-01-28", 1, "2025-02-28"},
		{"31 Jan to Feb, leap year", "2024-01-31", 1, "2024-02-29"},
		{"29 Jan to Feb, leap year", "2024-01-29", 1, "2024-02-29"},
		{"century not leap", "1900-01-31", 1, "1900-02-28"},
		{"400-year leap", "2000-01-31", 1, "2000-02-29"},
		{"31 Mar to Apr", "2025-03-31", 1, "2025-04-30"},
		{"31 Aug to Sep", "2025-08-31", 1, "2025-09-30"},
		{"end of Feb is not end of Mar", "2025-02-28", 1, "2025-03-28"},
		{"year rollover", "2025-12-15", 1, "2026-01-15"},
		{"31 Dec plus 2 to Feb", "2025-12-31", 2, "2026-02-28"},
		{"three months", "2025-01-31", 3, "2025-04-30"},
		{"leap day plus 12", "2024-02-29", 12, "2025-02-28"},
		{"leap day plus 48", "2024-02-29", 48, "2028-02-29"},
		{"42 months", "2025-12-31", 42, "2029-06-30"},
		{"60 months", "2025-12-31", 60, "2030-12-31"},
		{"minus one", "2025-03-31", -1, "2025-02-28"},
		{"minus into last year", "2025-01-15", -1, "2024-12-15"},
		{"minus 13", "2025-01-31", -13, "2023-12-31"},
		{"minus to leap Feb", "2024-03-30", -1, "2024-02-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calendar.AddMonths(mustDate(t, tt.d), tt.n).String(); got != tt.want {
				t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.d, tt.n, got, tt.want)
			}
		})
	}
}

func TestFiscalYearEnd(t *testing.T) {
	tests := []struct {
		name string
		fy   calendar.FiscalYear
		d    string
		want string
	}{
		{"default is the calendar year", calendar.FiscalYear{}, "2025-03-10", "2025-12-31"},
		{"December", calendar.FiscalYear{EndMonth: time.December}, "2025-12-31", "2025-12-31"},
		{"1 January", calendar.FiscalYear{}, "2025-01-01", "2025-12-31"},
		{"June, before the end", calendar.FiscalYear{EndMonth: time.June}, "2025-03-10", "2025-06-30"},
		{"June, last day", calendar.FiscalYear{EndMonth: time.June}, "2025-06-30", "2025-06-30"},
		{"June, after the end", calendar.FiscalYear{EndMonth: time.June}, "2025-07-01", "2026-06-30"},
		{"February, leap year", calendar.FiscalYear{EndMonth: time.February}, "2027-03-01", "2028-02-29"},
		{"February, common year", calendar.FiscalYear{EndMonth: time.February}, "2027-02-01", "2027-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fy.End(mustDate(t, tt.d)).String(); got != tt.want {
				t.Errorf("%+v.End(%s) = %s, want %s", tt.fy, tt.d, got, tt.want)
			}
		})
	}
}

// TestAccountingHoldUntil checks REFERENCE.md 2.3 and section 11 item 7.
func TestAccountingHoldUntil(t *testing.T) {
	tests := []struct {
		name  string
		dated string
		kind  string
		fy    calendar.FiscalYear
		want  string
	}{
		{"REFERENCE 2.3: invoice dated 2025-03-10", "2025-03-10", "primary", calendar.FiscalYear{}, "2030-12-31"},
		{"primary, first day of FY 2025", "2025-01-01", "primary", calendar.FiscalYear{}, "2030-12-31"},
		{"primary, last day of FY 2025", "2025-12-31", "primary", calendar.FiscalYear{}, "2030-12-31"},
		{"REFERENCE 2.3: secondary from FY 2025", "2025-03-10", "secondary", calendar.FiscalYear{}, "2029-06-30"},
		{"secondary, first day of FY 2025", "2025-01-01", "secondary", calendar.FiscalYear{EndMonth: time.December}, "2029-06-30"},
		{"secondary, last day of FY 2025", "2025-12-31", "secondary", calendar.FiscalYear{}, "2029-06-30"},
		{"primary, FY ending June", "2025-03-10", "primary", calendar.FiscalYear{EndMonth: time.June}, "2030-06-30"},
		{"secondary, FY ending June", "2025-03-10", "secondary", calendar.FiscalYear{EndMonth: time.June}, "2028-12-31"},
		{"primary, FY ending Feb 2027, held to a leap day", "2026-06-01", "primary", calendar.FiscalYear{EndMonth: time.February}, "2032-02-29"},
		{"primary, FY ending Feb 2028 (leap), held to 28 Feb", "2027-03-01", "primary", calendar.FiscalYear{EndMonth: time.February}, "2033-02-28"},
		{"secondary, FY ending Feb 2028", "2027-03-01", "secondary", calendar.FiscalYear{EndMonth: time.February}, "2031-08-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calendar.AccountingHoldUntil(mustDate(t, tt.dated), tt.kind, tt.fy)
			if err != nil {
				t.Fatalf("AccountingHoldUntil(%s, %q, %+v): %s", tt.dated, tt.kind, tt.fy, err)
			}
			if got.String() != tt.want {
				t.Errorf("AccountingHoldUntil(%s, %q, %+v) = %s, want %s", tt.dated, tt.kind, tt.fy, got, tt.want)
			}
		})
	}
}

func TestAccountingHoldUntilErrors(t *testing.T) {
	valid := calendar.Date{Year: 2025, Month: time.March, Day: 10}
	tests := []struct {
		name      string
		dated     calendar.Date
		kind      string
		fy        calendar.FiscalYear
		wantField string
	}{
		{"unknown kind", valid, "tertiary", calendar.FiscalYear{}, "kind"},
		{"empty kind", valid, "", calendar.FiscalYear{}, "kind"},
		{"kind is case-sensitive", valid, "Primary", calendar.FiscalYear{}, "kind"},
		{"date that does not exist", calendar.Date{Year: 2025, Month: time.February, Day: 30}, "primary", calendar.FiscalYear{}, "dated"},
		{"zero date", calendar.Date{}, "primary", calendar.FiscalYear{}, "dated"},
		{"end month 13", valid, "primary", calendar.FiscalYear{EndMonth: 13}, "fiscal_year"},
		{"negative end month", valid, "primary", calendar.FiscalYear{EndMonth: -1}, "fiscal_year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calendar.AccountingHoldUntil(tt.dated, tt.kind, tt.fy)
			var fe *calendar.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("AccountingHoldUntil(%#v, %q, %+v) = %s, %v; want a *FieldError", tt.dated, tt.kind, tt.fy, got, err)
			}
			if fe.Field != tt.wantField {
				t.Errorf("FieldError.Field = %q, want %q", fe.Field, tt.wantField)
			}
			if tt.kind != "" && tt.wantField == "kind" && strings.Contains(err.Error(), tt.kind) {
				t.Errorf("error %q repeats the refused value", err)
			}
		})
	}
}

func TestFiscalYearEndPanicsWhenInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("End with EndMonth 13 did not panic")
		}
	}()
	calendar.FiscalYear{EndMonth: 13}.End(calendar.Date{Year: 2025, Month: time.March, Day: 10})
}

// TestRequestDue checks the Art. 12(3) vectors of REFERENCE.md 1.2 and
// section 11 item 3, plus receipts near midnight UTC that are already the
// next day in Oslo.
func TestRequestDue(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
		want     string
	}{
		{"REFERENCE 1.2: no 31 Feb, so last day of month", noonOslo(t, "2025-01-31"), "2025-02-28"},
		{"REFERENCE 1.2: same date", noonOslo(t, "2025-03-15"), "2025-04-15"},
		{"REFERENCE 1.2: Easter, Maundy Thursday to Easter Monday", noonOslo(t, "2025-03-17"), "2025-04-22"},
		{"REFERENCE 1.2: 17 May 2025 is a Saturday", noonOslo(t, "2025-04-17"), "2025-05-19"},
		{"REFERENCE 1.2: 29 May 2025 is Ascension Day", noonOslo(t, "2025-04-29"), "2025-05-30"},
		{"REFERENCE 1.2: 30 Nov is a Sunday", noonOslo(t, "2025-10-31"), "2025-12-01"},
		{"leap year, 31 Jan", noonOslo(t, "2024-01-31"), "2024-02-29"},
		{"25 Dec 2026 Fri, then weekend", noonOslo(t, "2026-11-25"), "2026-12-28"},
		{"25 Dec 2025 Thu, 26 Fri, weekend", noonOslo(t, "2025-11-25"), "2025-12-29"},
		{"Whit Monday 2026", noonOslo(t, "2026-04-25"), "2026-05-26"},
		{"New Year's Day", noonOslo(t, "2025-12-01"), "2026-01-02"},

		// 23:30 UTC in winter is 00:30 the next day in Oslo (UTC+1).
		{"UTC 30 Jan late is 31 Jan in Oslo", mustTime(t, "2025-01-30T23:30:00Z"), "2025-02-28"},
		{"UTC 30 Jan before Oslo midnight", mustTime(t, "2025-01-30T22:30:00Z"), "2025-02-28"},
		{"UTC 14 Mar late is 15 Mar in Oslo", mustTime(t, "2025-03-14T23:00:00Z"), "2025-04-15"},
		{"UTC 14 Mar before Oslo midnight", mustTime(t, "2025-03-14T22:59:59Z"), "2025-04-14"},
		{"UTC 16 Mar late is 17 Mar in Oslo", mustTime(t, "2025-03-16T23:30:00Z"), "2025-04-22"},
		// 22:30 UTC in summer is 00:30 the next day in Oslo (UTC+2).
		{"UTC 28 Apr late is 29 Apr in Oslo", mustTime(t, "2025-04-28T22:30:00Z"), "2025-05-30"},
		{"UTC 28 Apr before Oslo midnight", mustTime(t, "2025-04-28T21:59:59Z"), "2025-05-28"},
		{"UTC 16 Apr late is 17 Apr in Oslo", mustTime(t, "2025-04-16T22:00:00Z"), "2025-05-19"},
		{"UTC 30 Oct late is 31 Oct in Oslo", mustTime(t, "2025-10-30T23:15:00Z"), "2025-12-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calendar.RequestDue(tt.received).String(); got != tt.want {
				t.Errorf("RequestDue(%s) = %s, want %s", tt.received.UTC().Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

func TestExtendedDue(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
		want     string
	}{
		// Receipt + 3 months is 2025-04-30; 2025-02-28 + 2 months is 2025-04-28.
		{"REFERENCE 1.2: 2025-01-31 takes the earlier reading", noonOslo(t, "2025-01-31"), "2025-04-28"},
		{"UTC 30 Jan late is 31 Jan in Oslo", mustTime(t, "2025-01-30T23:30:00Z"), "2025-04-28"},
		// 2025-06-17 against 2025-04-22 + 2 months = Sun 22 Jun, so Mon 23 Jun.
		{"rolled first deadline", noonOslo(t, "2025-03-17"), "2025-06-17"},
		{"readings agree", noonOslo(t, "2025-03-15"), "2025-06-16"},
		// Receipt + 3 months is Thu 2026-05-28; the first deadline is
		// 2026-03-28 (Sat), so Mon 30 Mar, + 2 months = 2026-05-30 (Sat), so Mon 1 Jun.
		{"first deadline rolled over a weekend", noonOslo(t, "2026-02-28"), "2026-05-28"},
		// Receipt + 3 months is Tue 2026-03-31; the first deadline is
		// 2026-01-31 (Sat), so Mon 2 Feb, + 2 months = Maundy Thursday, so Tue 7 Apr.
		{"31 Dec", noonOslo(t, "2025-12-31"), "2026-03-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calendar.ExtendedDue(tt.received).String(); got != tt.want {
				t.Errorf("ExtendedDue(%s) = %s, want %s", tt.received.UTC().Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

// TestExtensionNoticeBy checks that the notice goes out before the first
// deadline (section 11 item 3).
func TestExtensionNoticeBy(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
		want     string
	}{
		{"due Fri 28 Feb", noonOslo(t, "2025-01-31"), "2025-02-27"},
		{"due Tue 22 Apr, after Easter", noonOslo(t, "2025-03-17"), "2025-04-16"},
		{"due Mon 19 May", noonOslo(t, "2025-04-17"), "2025-05-16"},
		{"due Fri 30 May, after Ascension Day", noonOslo(t, "2025-04-29"), "2025-05-28"},
		{"due Mon 1 Dec", noonOslo(t, "2025-10-31"), "2025-11-28"},
		{"due Fri 2 Jan", noonOslo(t, "2025-12-01"), "2025-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := calendar.ExtensionNoticeBy(tt.received)
			if got.String() != tt.want {
				t.Errorf("ExtensionNoticeBy(%s) = %s, want %s", tt.received.UTC().Format(time.RFC3339), got, tt.want)
			}
			if due := calendar.RequestDue(tt.received); !got.Before(due) {
				t.Errorf("ExtensionNoticeBy = %s, not before RequestDue %s", got, due)
			}
		})
	}
}

// maxRoll is the longest a deadline can move: from Maundy Thursday over
// Good Friday, the weekend and Easter Monday to Tuesday.
const maxRoll = 5

// checkDeadlines asserts the properties every receipt date must have.
func checkDeadlines(tb testing.TB, received time.Time) {
	tb.Helper()
	plain := calendar.AddMonths(calendar.DateOf(received), 1)
	due := calendar.RequestDue(received)
	if !calendar.IsWorkingDay(due) {
		tb.Fatalf("RequestDue(%s) = %s, not a working day", received, due)
	}
	if due.Before(plain) || due.Sub(plain) > maxRoll {
		tb.Fatalf("RequestDue(%s) = %s, want within %d days from %s", received, due, maxRoll, plain)
	}
	notice := calendar.ExtensionNoticeBy(received)
	if !calendar.IsWorkingDay(notice) || !notice.Before(due) || !calendar.DateOf(received).Before(notice) {
		tb.Fatalf("ExtensionNoticeBy(%s) = %s, want a working day after receipt and before %s", received, notice, due)
	}
	// The extended deadline is a working day no earlier than the earlier
	// plain reading and no later than the receipt + 3 months reading rolled.
	ext := calendar.ExtendedDue(received)
	byReceipt := calendar.AddMonths(calendar.DateOf(received), 3)
	earliest := calendar.AddMonths(due, 2)
	if byReceipt.Before(earliest) {
		earliest = byReceipt
	}
	if !calendar.IsWorkingDay(ext) || ext.Before(earliest) || ext.After(calendar.NextWorkingDay(byReceipt)) {
		tb.Fatalf("ExtendedDue(%s) = %s, want a working day from %s to %s", received, ext, earliest, calendar.NextWorkingDay(byReceipt))
	}
}

// TestDeadlineProperties checks every receipt day from 1900 to 2199 and
// that the longest roll really is maxRoll days.
func TestDeadlineProperties(t *testing.T) {
	longest := 0
	for d := (calendar.Date{Year: 1900, Month: time.January, Day: 1}); d.Year < 2200; d = d.AddDays(1) {
		received := d.In(calendar.Oslo()).Add(12 * time.Hour)
		checkDeadlines(t, received)
		longest = max(longest, calendar.RequestDue(received).Sub(calendar.AddMonths(d, 1)))
	}
	if longest != maxRoll {
		t.Errorf("longest roll = %d days, want %d", longest, maxRoll)
	}
}

func FuzzRequestDue(f *testing.F) {
	for _, s := range []string{"2025-01-30T23:30:00Z", "2025-03-16T23:30:00Z", "2025-04-28T22:30:00Z", "2025-10-31T12:00:00Z", "2028-02-29T00:00:00Z"} {
		f.Add(mustTime(f, s).Unix())
	}
	lo, hi := mustTime(f, "1900-01-01T00:00:00Z").Unix(), mustTime(f, "2400-01-01T00:00:00Z").Unix()
	f.Fuzz(func(t *testing.T, sec int64) {
		if sec < lo || sec >= hi {
			sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		}
		checkDeadlines(t, time.Unix(sec, 0))
	})
}
