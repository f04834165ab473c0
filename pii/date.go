package pii

// num2 reads a two-digit number from digit values.
func num2(v []byte) int { return int(v[0])*10 + int(v[1]) }

// validDate reports whether day and month form a real date in the given year.
func validDate(day, month, year int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(month, year%4 == 0 && (year%100 != 0 || year%400 == 0))
}

func daysIn(month int, leap bool) int {
	switch month {
	case 2:
		if leap {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
