package pii

// norwegian classifies eleven digit values DDMMYYIIIKK as a fødselsnummer, D-number or H-number
// (REFERENCE.md 3.1). It recognises:
//
//   - the day + 40 of D-numbers (first digit 4-7);
//   - the month + 40 of H-numbers, which NAV's synthetic test identities share;
//   - the month + 80 of Skatteetaten's Tenor synthetic identities, reported with the kind of the real
//     number they imitate, because a synthetic number in production data is still a number we must not store.
//
// The older H-number scheme (first digit 8 or 9) and FH-numbers carry no date and are not detected: without the
// date check eleven digits with two check digits would flag one random number in thirty.
func norwegian(v []byte) (Kind, bool) {
	if allZero(v) {
		// 00000000000 passes the checksum arithmetic. The date check rejects it too, but the reference
		// calls it out, so the rejection does not depend on that.
		return "", false
	}
	day, month, yy := num2(v), num2(v[2:]), num2(v[4:])
	kind := NorwegianNationalID
	if day > 40 {
		day -= 40
		kind = NorwegianDNumber
	}
	switch {
	case month > 80:
		month -= 80
	case month > 40:
		month -= 40
		if kind == NorwegianNationalID {
			kind = NorwegianHNumber
		}
	}
	// The individual number gave the century until 2031, but numbers assigned from 2032 no longer encode it
	// and are issued to people born in any year. A detector that enforced the old individual-number/century
	// table would miss those numbers, so the date is checked in the century most favourable to it:
	// 29 February is accepted whenever YY is divisible by four (2000 was a leap year, so 00 counts too).
	if !validDate(day, month, 2000+yy) {
		return "", false
	}
	if !norwegianChecksum(v) {
		return "", false
	}
	return kind, true
}

// norwegianChecksum applies the two mod-11 control digits under both the classic rule and the 2032 rule.
// Under the classic rule the weighted sum including K1 must be 0 mod 11; from 2032 it may also leave 1, 2 or 3.
// The new rule is a superset of the old one and existing numbers never change, so accepting remainders 0-3
// accepts both generations in one test. K2 is unchanged: exactly one value, computed over ten digits.
func norwegianChecksum(v []byte) bool {
	w1 := [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	w2 := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	s1 := int(v[9])
	for i, w := range w1 {
		s1 += w * int(v[i])
	}
	if s1%11 > 3 {
		return false
	}
	s2 := int(v[10])
	for i, w := range w2 {
		s2 += w * int(v[i])
	}
	return s2%11 == 0
}

func allZero(v []byte) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
