package pii

// card reports whether 12 to 19 digit values are a payment card number: a plausible issuer prefix for the
// length and a valid Luhn digit (REFERENCE.md 3.5). The prefix test matters as much as Luhn, which alone
// would flag one in ten long numbers such as order or tracking numbers.
func card(v []byte) bool {
	return len(v) >= 12 && len(v) <= 19 && plausibleIIN(v) && luhn(v)
}

// plausibleIIN reports whether the leading digits belong to a major card scheme that issues numbers of this
// length. Twelve digits are only accepted for Maestro-style prefixes, which keeps twelve-digit Swedish and
// phone-like numbers out.
func plausibleIIN(v []byte) bool {
	n := len(v)
	p2 := num2(v)
	p4 := p2*100 + num2(v[2:])
	switch v[0] {
	case 2:
		switch {
		case p4 >= 2200 && p4 <= 2204: // Mir
			return n >= 16
		case p4 >= 2221 && p4 <= 2720: // Mastercard 2-series
			return n == 16
		}
	case 3:
		switch {
		case p2 == 34 || p2 == 37: // American Express
			return n == 15
		case p4 >= 3528 && p4 <= 3589: // JCB
			return n >= 16
		case p2 == 36 || p2 == 38 || p2 == 39 || (p4 >= 3000 && p4 <= 3059) || p4 == 3095: // Diners Club
			return n >= 14
		}
	case 4: // Visa: 13, 16 and 19 digits, with the lengths between tolerated
		return n >= 13
	case 5:
		switch {
		case p2 >= 51 && p2 <= 55: // Mastercard
			return n == 16
		case p2 == 50 || p2 >= 56: // Maestro, Dankort
			return true
		}
	case 6: // Discover, UnionPay, Maestro, RuPay
		return true
	}
	return false
}

// cardGroupedAt matches a card number written in groups that starts with the four-digit group s, and returns
// the index of its last group. Only the layouts printed on cards are accepted: fours with a shorter last
// group (4-4-4-4, 4-4-4-4-3, 4-4-4-1, 4-4-4) and 4-6-5 or 4-6-4 (American Express, Diners Club). Anything
// looser would let phone numbers written in pairs ("22 33 44 55 66 77 88") through to the Luhn check.
func cardGroupedAt(text string, t *token, s int) (int, bool) {
	if s+1 >= t.n {
		return 0, false
	}
	sep := t.sep[s+1]
	if sep != ' ' && sep != '-' {
		return 0, false
	}
	same := func(k int) bool { return k < t.n && t.sep[k] == sep }
	var last int
	if t.len(s+1) == 6 {
		if !same(s+2) || (t.len(s+2) != 4 && t.len(s+2) != 5) {
			return 0, false
		}
		last = s + 2
	} else {
		m := 1
		for m < 4 && same(s+m) && t.len(s+m) == 4 {
			m++
		}
		if m < 3 {
			return 0, false
		}
		last = s + m - 1
		if same(s+m) && t.len(s+m) <= 3 {
			last = s + m
		}
	}
	if dottedAfter(text, t.end[last]) {
		return 0, false
	}
	var d digits
	for k := s; k <= last; k++ {
		d.add(text[t.start[k]:t.end[k]])
	}
	return last, card(d.v[:d.n])
}
