package pii

// swedish classifies ten digit values YYMMDDNNNC as a personnummer or samordningsnummer (REFERENCE.md 3.2).
// sep is the separator that was written before NNNC, or 0. The century is not written, so 29 February is
// accepted whenever it can exist: in 20YY, or in 19YY/18YY when '+' marks someone aged 100 or more.
func swedish(v []byte, sep byte) (Kind, bool) {
	year := 2000 + num2(v)
	if sep == '+' {
		year -= 100
	}
	return swedishRest(v, year)
}

// swedish12 classifies the twelve-digit form YYYYMMDDNNNC. The Luhn digit covers only the last ten digits.
func swedish12(v []byte) (Kind, bool) {
	year := num2(v)*100 + num2(v[2:])
	if year < 1800 || year > 2099 {
		// Also keeps "004722334455" and "+358..." style phone numbers out.
		return "", false
	}
	return swedishRest(v[2:], year)
}

// swedishRest checks the month, day and Luhn digit of YYMMDDNNNC for a known year.
func swedishRest(v []byte, year int) (Kind, bool) {
	month, day := num2(v[2:]), num2(v[4:])
	kind := SwedishPersonnummer
	if day > 60 {
		day -= 60
		kind = SwedishSamordningsnummer
	}
	if !validDate(day, month, year) || !luhn(v) {
		return "", false
	}
	return kind, true
}

// danish reports whether ten digit values DDMMYYSSSS can be a CPR number (REFERENCE.md 3.3). Numbers issued
// since October 2007 need not satisfy the old mod-11 check, so only the date is checked, in the century that
// the seventh digit gives (the CPR office's table). This is the weakest test in the package: about one in
// thirty random ten-digit runs has a valid date, which the reference accepts for the sake of never storing a CPR.
func danish(v []byte) bool {
	day, month, yy := num2(v), num2(v[2:]), num2(v[4:])
	var century int
	switch s := v[6]; {
	case s <= 3:
		century = 1900
	case s == 4 || s == 9:
		century = 1900
		if yy <= 36 {
			century = 2000
		}
	default: // 5-8
		century = 1800
		if yy <= 57 {
			century = 2000
		}
	}
	return validDate(day, month, century+yy)
}

// hetuCheckChars maps DDMMYYZZZ mod 31 to the Finnish check character; G, I, O, Q and Z are left out.
const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// hetuAt reports a Finnish HETU "DDMMYYCZZZQ" whose six date digits are text[start:p] (REFERENCE.md 3.4).
// Letters are accepted in either case: typed text often is lower case, and the check character keeps the
// false-positive rate at one in 31 of otherwise well-formed strings.
func hetuAt(text string, start, p int) (Finding, bool) {
	if p+5 > len(text) || (p+5 < len(text) && isAlnum(text[p+5])) {
		return Finding{}, false
	}
	century := hetuCentury(upper(text[p]))
	if century == 0 || !isDigit(text[p+1]) || !isDigit(text[p+2]) || !isDigit(text[p+3]) {
		return Finding{}, false
	}
	n := 0
	for i := start; i < p; i++ {
		n = n*10 + int(text[i]-'0')
	}
	day, month, yy := n/10000, n/100%100, n%100
	z := int(text[p+1]-'0')*100 + int(text[p+2]-'0')*10 + int(text[p+3]-'0')
	// 000 and 001 are never issued; 900-999 are temporary and test numbers, which are still flagged.
	if z < 2 || !validDate(day, month, century+yy) {
		return Finding{}, false
	}
	if hetuCheckChars[(n*1000+z)%31] != upper(text[p+4]) {
		return Finding{}, false
	}
	return Finding{Kind: FinnishHETU, Start: start, End: p + 5}, true
}

// hetuCentury maps a century sign to its century, or 0. The letters after A and Y have been used since 2023.
func hetuCentury(c byte) int {
	switch c {
	case '+':
		return 1800
	case '-', 'Y', 'X', 'W', 'V', 'U':
		return 1900
	case 'A', 'B', 'C', 'D', 'E', 'F':
		return 2000
	}
	return 0
}

// luhn reports whether digit values pass the Luhn (mod 10) check: every second digit from the right is doubled
// and the digits of the products are summed.
func luhn(v []byte) bool {
	sum := 0
	double := false
	for i := len(v) - 1; i >= 0; i-- {
		x := int(v[i])
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}
