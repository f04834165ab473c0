package calendar_test

import (
	"fmt"
	"time"

	"github.com/vernhq/vern/calendar"
)

func ExampleRequestDue() {
	// 23:30 UTC on 16 March is 00:30 on 17 March in Oslo.
	received := time.Date(2025, time.March, 16, 23, 30, 0, 0, time.UTC)
	fmt.Println("received:       ", calendar.DateOf(received))
	fmt.Println("due:            ", calendar.RequestDue(received))
	fmt.Println("extension notice", calendar.ExtensionNoticeBy(received))
	fmt.Println("extended due:   ", calendar.ExtendedDue(received))
	// Output:
	// received:        2025-03-17
	// due:             2025-04-22
	// extension notice 2025-04-16
	// extended due:    2025-06-17
}

func ExampleAccountingHoldUntil() {
	invoice := calendar.Date{Year: 2025, Month: time.March, Day: 10}
	for _, kind := range []string{"primary", "secondary", "tertiary"} {
		until, err := calendar.AccountingHoldUntil(invoice, kind, calendar.FiscalYear{})
		if err != nil {
			fmt.Println(kind, err)
			continue
		}
		fmt.Println(kind, "kept to", until, "and deleted from", until.AddDays(1))
	}
	// Output:
	// primary kept to 2030-12-31 and deleted from 2031-01-01
	// secondary kept to 2029-06-30 and deleted from 2029-07-01
	// tertiary calendar: invalid kind: must be "primary" or "secondary"
}

func ExampleNorwegianHolidays() {
	for _, d := range calendar.NorwegianHolidays(2026) {
		fmt.Println(d, d.Weekday())
	}
	// Output:
	// 2026-01-01 Thursday
	// 2026-04-02 Thursday
	// 2026-04-03 Friday
	// 2026-04-05 Sunday
	// 2026-04-06 Monday
	// 2026-05-01 Friday
	// 2026-05-14 Thursday
	// 2026-05-17 Sunday
	// 2026-05-24 Sunday
	// 2026-05-25 Monday
	// 2026-12-25 Friday
	// 2026-12-26 Saturday
}
