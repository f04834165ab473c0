package pii

// ibanAt reports an IBAN whose check digits start at text[i], the first digit of a digit run
// (REFERENCE.md 3.6). The scanner only stops at digits, so the country code is found by looking back two
// letters. Letters are accepted in either case, and the characters may be printed in groups of four
// separated by single spaces ("NO93 8601 1117 947").
func ibanAt(text string, i int) (Finding, bool) {
	if i < 2 || i+1 >= len(text) || !isLetter(text[i-2]) || !isLetter(text[i-1]) || !isDigit(text[i+1]) ||
		(i >= 3 && isAlnum(text[i-3])) {
		return Finding{}, false
	}
	a, b := upper(text[i-2]), upper(text[i-1])
	length := ibanLength(a, b)
	if length == 0 {
		return Finding{}, false
	}
	// Check digits 00, 01 and 99 are never issued; they alias 97, 98 and 02 under mod 97.
	if check := int(text[i]-'0')*10 + int(text[i+1]-'0'); check < 2 || check > 98 {
		return Finding{}, false
	}
	// The check moves the first four characters to the end, so the remainder is taken over the BBAN first.
	r, count, j := 0, 4, i+2
	for count < length && j < len(text) {
		if text[j] == ' ' && count%4 == 0 && j+1 < len(text) && isAlnum(text[j+1]) {
			j++
		}
		if !isAlnum(text[j]) {
			break
		}
		r = mod97(r, text[j])
		count++
		j++
	}
	if count != length || (j < len(text) && isAlnum(text[j])) {
		return Finding{}, false
	}
	for _, c := range [4]byte{a, b, text[i], text[i+1]} {
		r = mod97(r, c)
	}
	if r != 1 {
		return Finding{}, false
	}
	return Finding{Kind: IBAN, Start: i - 2, End: j}, true
}

// mod97 extends remainder r by one IBAN character, letters counting as the two digits 10 to 35.
func mod97(r int, c byte) int {
	if isDigit(c) {
		return (r*10 + int(c-'0')) % 97
	}
	return (r*100 + int(upper(c)-'A') + 10) % 97
}

// ibanLength returns the IBAN length of a country from the ISO 13616 (SWIFT) registry, or 0 for a country
// without IBANs. Requiring the exact length, not just mod 97, is what keeps words followed by numbers out.
func ibanLength(a, b byte) int {
	switch uint16(a)<<8 | uint16(b) {
	case 'N'<<8 | 'O':
		return 15
	case 'B'<<8 | 'E':
		return 16
	case 'D'<<8 | 'K', 'F'<<8 | 'I', 'F'<<8 | 'K', 'F'<<8 | 'O', 'G'<<8 | 'L', 'N'<<8 | 'L', 'S'<<8 | 'D':
		return 18
	case 'M'<<8 | 'K', 'S'<<8 | 'I':
		return 19
	case 'A'<<8 | 'T', 'B'<<8 | 'A', 'E'<<8 | 'E', 'K'<<8 | 'Z', 'L'<<8 | 'T', 'L'<<8 | 'U', 'M'<<8 | 'N', 'X'<<8 | 'K':
		return 20
	case 'C'<<8 | 'H', 'H'<<8 | 'R', 'L'<<8 | 'I', 'L'<<8 | 'V':
		return 21
	case 'B'<<8 | 'G', 'B'<<8 | 'H', 'C'<<8 | 'R', 'D'<<8 | 'E', 'G'<<8 | 'B', 'G'<<8 | 'E', 'I'<<8 | 'E',
		'M'<<8 | 'E', 'R'<<8 | 'S', 'V'<<8 | 'A':
		return 22
	case 'A'<<8 | 'E', 'G'<<8 | 'I', 'I'<<8 | 'L', 'I'<<8 | 'Q', 'O'<<8 | 'M', 'S'<<8 | 'O', 'T'<<8 | 'L':
		return 23
	case 'A'<<8 | 'D', 'C'<<8 | 'Z', 'E'<<8 | 'S', 'M'<<8 | 'D', 'P'<<8 | 'K', 'R'<<8 | 'O', 'S'<<8 | 'A',
		'S'<<8 | 'E', 'S'<<8 | 'K', 'T'<<8 | 'N', 'V'<<8 | 'G':
		return 24
	case 'L'<<8 | 'Y', 'P'<<8 | 'T', 'S'<<8 | 'T':
		return 25
	case 'I'<<8 | 'S', 'T'<<8 | 'R':
		return 26
	case 'B'<<8 | 'I', 'D'<<8 | 'J', 'F'<<8 | 'R', 'G'<<8 | 'R', 'I'<<8 | 'T', 'M'<<8 | 'C', 'M'<<8 | 'R',
		'S'<<8 | 'M':
		return 27
	case 'A'<<8 | 'L', 'A'<<8 | 'Z', 'B'<<8 | 'Y', 'C'<<8 | 'Y', 'D'<<8 | 'O', 'G'<<8 | 'T', 'H'<<8 | 'N',
		'H'<<8 | 'U', 'L'<<8 | 'B', 'N'<<8 | 'I', 'P'<<8 | 'L', 'S'<<8 | 'V':
		return 28
	case 'B'<<8 | 'R', 'E'<<8 | 'G', 'P'<<8 | 'S', 'Q'<<8 | 'A', 'U'<<8 | 'A':
		return 29
	case 'J'<<8 | 'O', 'K'<<8 | 'W', 'M'<<8 | 'U', 'Y'<<8 | 'E':
		return 30
	case 'M'<<8 | 'T', 'S'<<8 | 'C':
		return 31
	case 'L'<<8 | 'C':
		return 32
	case 'R'<<8 | 'U':
		return 33
	}
	return 0
}
