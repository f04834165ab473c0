package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is an ISO 8601 duration such as P24M, P7D, P5Y or P3Y6M. Unlike
// time.Duration it keeps calendar units, because "5 years after the end of
// the financial year" must land on 31 December whatever the leap years.
type Period struct {
	// Years, Months, Weeks and Days are the calendar components.
	Years, Months, Weeks, Days int
	// Hours, Minutes and Seconds are the time components.
	Hours, Minutes, Seconds int
}

// maxComponent bounds each number so that AddTo cannot overflow
// time.Duration even when every time component is at its maximum.
const maxComponent = 999_999

// ParseDuration parses an ISO 8601 duration of the form PnYnMnWnDTnHnMnS
// with non-negative integer components (at least one), such as "P24M" or
// "P3Y6M". Fractions and negative periods are not supported.
func ParseDuration(s string) (Period, error) {
	var p Period
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return p, fmt.Errorf("invalid ISO 8601 duration %q: want the form P1Y2M3D, e.g. P24M", s)
	}
	rest := s[1:]
	datePart, timePart, hasTime := strings.Cut(rest, "T")
	if hasTime && timePart == "" {
		return p, fmt.Errorf("invalid ISO 8601 duration %q: nothing after T", s)
	}
	if err := parseUnits(datePart, "YMWD", []*int{&p.Years, &p.Months, &p.Weeks, &p.Days}); err != nil {
		return Period{}, fmt.Errorf("invalid ISO 8601 duration %q: %w", s, err)
	}
	if err := parseUnits(timePart, "HMS", []*int{&p.Hours, &p.Minutes, &p.Seconds}); err != nil {
		return Period{}, fmt.Errorf("invalid ISO 8601 duration %q: %w", s, err)
	}
	return p, nil
}

// parseUnits parses "1Y2M" style components in the order given by units.
func parseUnits(s, units string, dst []*int) error {
	next := 0
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			if i == 0 {
				return fmt.Errorf("unit %q without a number", s[:1])
			}
			return errors.New("number without a unit")
		}
		if i > len(strconv.Itoa(maxComponent)) {
			return fmt.Errorf("number %s is too large", s[:i])
		}
		n, _ := strconv.Atoi(s[:i]) // only digits, and short enough not to overflow
		u := strings.IndexByte(units[next:], s[i])
		if u < 0 {
			if strings.IndexByte(units, s[i]) >= 0 {
				return fmt.Errorf("unit %c repeated or out of order", s[i])
			}
			return fmt.Errorf("unknown unit %q", s[i:i+1])
		}
		*dst[next+u] = n
		next += u + 1
		s = s[i+1:]
	}
	return nil
}

// String returns the canonical ISO 8601 form, "P0D" for the zero period.
func (p Period) String() string {
	var b strings.Builder
	b.WriteByte('P')
	for _, c := range []struct {
		n int
		u byte
	}{{p.Years, 'Y'}, {p.Months, 'M'}, {p.Weeks, 'W'}, {p.Days, 'D'}} {
		if c.n != 0 {
			b.WriteString(strconv.Itoa(c.n))
			b.WriteByte(c.u)
		}
	}
	if p.Hours != 0 || p.Minutes != 0 || p.Seconds != 0 {
		b.WriteByte('T')
		for _, c := range []struct {
			n int
			u byte
		}{{p.Hours, 'H'}, {p.Minutes, 'M'}, {p.Seconds, 'S'}} {
			if c.n != 0 {
				b.WriteString(strconv.Itoa(c.n))
				b.WriteByte(c.u)
			}
		}
	}
	if b.Len() == 1 {
		return "P0D"
	}
	return b.String()
}

// IsZero reports whether the period is empty.
func (p Period) IsZero() bool { return p == Period{} }

// MarshalText encodes the period in its ISO 8601 form.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes an ISO 8601 period.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// AddTo returns t plus the period. Years and months are added together as
// calendar months, and a day that does not exist in the target month is
// clamped to its last day: 31 January plus P1M is 28 (or 29) February, and
// 31 December 2025 plus P3Y6M is 30 June 2029, the end of bokføringsloven's
// secondary-documentation hold. Weeks and days are then added as calendar
// days, and the time components as elapsed time.
func (p Period) AddTo(t time.Time) time.Time {
	if months := p.Years*12 + p.Months; months != 0 {
		y, m, d := t.Date()
		total := int(m) - 1 + months
		y += total / 12
		total %= 12
		if total < 0 {
			total += 12
			y--
		}
		nm := time.Month(total + 1)
		if last := daysIn(y, nm); d > last {
			d = last
		}
		hh, mm, ss := t.Clock()
		t = time.Date(y, nm, d, hh, mm, ss, t.Nanosecond(), t.Location())
	}
	if days := p.Weeks*7 + p.Days; days != 0 {
		t = t.AddDate(0, 0, days)
	}
	return t.Add(time.Duration(p.Hours)*time.Hour + time.Duration(p.Minutes)*time.Minute + time.Duration(p.Seconds)*time.Second)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// add returns the component-wise sum of two periods.
func (p Period) add(q Period) Period {
	return Period{p.Years + q.Years, p.Months + q.Months, p.Weeks + q.Weeks, p.Days + q.Days,
		p.Hours + q.Hours, p.Minutes + q.Minutes, p.Seconds + q.Seconds}
}

// referenceDates are the starting points used to compare periods. Periods
// with months and days have no total order (P1M against P30D), so a period
// counts as at least as long as another only if it is so from every one of
// these dates, which include month ends and leap days.
var referenceDates = []time.Time{
	time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC),
	time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC),
	time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC),
	time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
	time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC),
}

// atLeast reports whether p is at least as long as q from every reference
// date.
func (p Period) atLeast(q Period) bool {
	for _, t := range referenceDates {
		if p.AddTo(t).Before(q.AddTo(t)) {
			return false
		}
	}
	return true
}
