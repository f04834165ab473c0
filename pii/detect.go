package pii

import "strings"

// Scan returns every identifier in text, ordered by position and never overlapping. It returns nil when the
// text is clean.
func Scan(text string) []Finding {
	var out []Finding
	for from := 0; ; {
		f, ok := next(text, from)
		if !ok {
			return out
		}
		out = append(out, f)
		from = f.End
	}
}

// Find returns the first identifier in text, which is all a caller needs to refuse a field. It is the hot
// path, run on every field of every request and every cell of an import, so it does not allocate.
func Find(text string) (Finding, bool) {
	return next(text, 0)
}

// Redact returns text with every identifier replaced by "[redacted:<kind>]", for example
// "[redacted:norwegian_national_id]". The text around the findings is kept byte for byte.
func Redact(text string) string {
	f, ok := next(text, 0)
	if !ok {
		return text
	}
	for {
		var b strings.Builder
		b.Grow(len(text) + 16)
		last := 0
		for ok {
			b.WriteString(text[last:f.Start])
			b.WriteString("[redacted:")
			b.WriteString(string(f.Kind))
			b.WriteByte(']')
			last = f.End
			f, ok = next(text, last)
		}
		b.WriteString(text[last:])
		text = b.String()
		// A replacement changes the context of its neighbours: a digit run that was hidden as the fraction of
		// a dotted number ("4.2207...") stands alone once the digit before the dot is gone. The promise is that
		// redacted text holds no identifier, so scan again. Every round removes digits, so the loop ends.
		if f, ok = next(text, 0); !ok {
			return text
		}
	}
}

// maxGroups bounds the separator-joined digit groups read as one token. The longest layout needs five
// (a 19-digit card in fours); the rest leaves room for a prefix group such as a phone country code.
const maxGroups = 8

// token is a run of digit groups joined by single separators, such as "4111 1111 1111 1111" or
// "220735 55020". Reading groups together lets a layout be matched as a whole, so that "22 33 44 55" is seen
// as four two-digit groups and never as part of something longer.
type token struct {
	n          int
	start, end [maxGroups]int
	sep        [maxGroups]byte // sep[k] joins group k-1 to group k; see separatorAt.
}

func (t *token) len(k int) int { return t.end[k] - t.start[k] }

// next returns the first finding that starts at or after from. It is a single left-to-right pass that only
// stops at digits, which is why clean prose costs about a nanosecond per byte.
func next(text string, from int) (Finding, bool) {
	i := from
	// Never resume inside a digit run: a match must cover whole runs.
	for i > 0 && i < len(text) && isDigit(text[i-1]) && isDigit(text[i]) {
		i++
	}
	for i < len(text) {
		if !isDigit(text[i]) {
			i++
			continue
		}
		if i-2 >= from {
			if f, ok := ibanAt(text, i); ok {
				return f, true
			}
		}
		var t token
		readToken(text, i, &t)
		if f, ok := matchToken(text, &t); ok {
			return f, true
		}
		i = t.end[t.n-1]
	}
	return Finding{}, false
}

// readToken reads the digit groups that start at text[i], which must be the first digit of a run.
func readToken(text string, i int, t *token) {
	t.n = 0
	for {
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		t.start[t.n], t.end[t.n] = i, j
		t.n++
		if t.n == maxGroups {
			return
		}
		sep, w := separatorAt(text, j)
		if sep == 0 || j+w >= len(text) || !isDigit(text[j+w]) {
			return
		}
		t.sep[t.n] = sep
		i = j + w
	}
}

// separatorAt reports the separator that starts at text[i] and its width in bytes. Spaces, including the
// no-break and thin spaces word processors put into numbers, are reported as ' '; the en dash those programs
// substitute for a hyphen is reported as '-'. '+' is the Swedish centenarian separator and '.' marks dotted
// numbers (decimals, versions, IP addresses), which no layout accepts.
func separatorAt(text string, i int) (byte, int) {
	if i >= len(text) {
		return 0, 0
	}
	switch c := text[i]; c {
	case ' ', '-', '+', '.':
		return c, 1
	case 0xC2: // U+00A0 no-break space
		if i+1 < len(text) && text[i+1] == 0xA0 {
			return ' ', 2
		}
	case 0xE2: // U+2009 thin space, U+202F narrow no-break space, U+2013 en dash
		if i+2 < len(text) && text[i+1] == 0x80 {
			switch text[i+2] {
			case 0x89, 0xAF:
				return ' ', 3
			case 0x93:
				return '-', 3
			}
		}
	}
	return 0, 0
}

// matchToken returns the first identifier among the groups of t.
func matchToken(text string, t *token) (Finding, bool) {
	if first := t.start[0]; first > 0 && text[first-1] == '+' && (first < 2 || !isDigit(text[first-2])) {
		// A leading plus means an international phone number. "+1 201 ..." and "+4722..." would otherwise
		// reach the date-shaped layouts, and a phone number is never an identity number.
		return Finding{}, false
	}
	for s := 0; s < t.n; s++ {
		if dottedBefore(text, t.start[s]) {
			continue
		}
		if f, ok := matchAt(text, t, s); ok {
			return f, true
		}
	}
	return Finding{}, false
}

// dottedBefore and dottedAfter report whether the run at start (or ending at end) is part of a dotted number
// such as 0.2207355502 or 1503.12.34567, whose parts are not identifiers on their own.
func dottedBefore(text string, start int) bool {
	return start >= 2 && text[start-1] == '.' && isDigit(text[start-2])
}

func dottedAfter(text string, end int) bool {
	return end+1 < len(text) && text[end] == '.' && isDigit(text[end+1])
}

// matchAt tries every layout that starts with group s, most specific first.
func matchAt(text string, t *token, s int) (Finding, bool) {
	start, end := t.start[s], t.end[s]
	ls := end - start
	if ls == 6 {
		if f, ok := hetuAt(text, start, end); ok {
			return f, true
		}
	}
	if ls >= 10 && ls <= 19 && !dottedAfter(text, end) {
		var d digits
		d.add(text[start:end])
		if k, ok := matchPlain(&d); ok {
			return Finding{Kind: k, Start: start, End: end}, true
		}
	}
	if s+1 >= t.n {
		return Finding{}, false
	}
	sep, l2, end2 := t.sep[s+1], t.len(s+1), t.end[s+1]
	if (ls == 6 || ls == 8) && (l2 == 4 || l2 == 5) && !dottedAfter(text, end2) {
		var d digits
		d.add(text[start:end])
		d.add(text[t.start[s+1]:end2])
		if k, ok := matchSplit(&d, ls, sep); ok {
			return Finding{Kind: k, Start: start, End: end2}, true
		}
	}
	if ls == 4 {
		if e, ok := cardGroupedAt(text, t, s); ok {
			return Finding{Kind: PaymentCard, Start: start, End: t.end[e]}, true
		}
	}
	return Finding{}, false
}

// matchPlain classifies an unseparated digit run.
func matchPlain(d *digits) (Kind, bool) {
	v := d.v[:d.n]
	switch d.n {
	case 10:
		if k, ok := swedish(v, 0); ok {
			return k, true
		}
		if danish(v) {
			return DanishCPR, true
		}
	case 11:
		return norwegian(v)
	case 12:
		if k, ok := swedish12(v); ok {
			return k, true
		}
	}
	if card(v) {
		return PaymentCard, true
	}
	return "", false
}

// matchSplit classifies two groups: "DDMMYY NNNNN" (Norway), "YYMMDD-NNNC" and "YYYYMMDD-NNNC" (Sweden,
// '+' for centenarians) and "DDMMYY-SSSS" (Denmark). Swedish is tried before Danish because its Luhn digit is
// a stronger signal than the Danish date alone; both kinds are refused, so only the label is at stake.
func matchSplit(d *digits, first int, sep byte) (Kind, bool) {
	v := d.v[:d.n]
	switch {
	case first == 6 && d.n == 11 && (sep == ' ' || sep == '-'):
		return norwegian(v)
	case first == 6 && d.n == 10 && (sep == '-' || sep == '+'):
		if k, ok := swedish(v, sep); ok {
			return k, true
		}
		if sep == '-' && danish(v) {
			return DanishCPR, true
		}
	case first == 8 && d.n == 12 && (sep == '-' || sep == '+'):
		return swedish12(v)
	}
	return "", false
}

// digits collects up to 19 digit values (the longest card) without allocating. The layouts never
// need more; add ignores digits beyond that rather than panic.
type digits struct {
	v [19]byte
	n int
}

func (d *digits) add(s string) {
	for i := 0; i < len(s) && d.n < len(d.v); i++ {
		d.v[d.n] = s[i] - '0'
		d.n++
	}
}

func isDigit(c byte) bool  { return c-'0' < 10 }
func isLetter(c byte) bool { return (c|0x20)-'a' < 26 }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
func upper(c byte) byte {
	if c-'a' < 26 {
		return c - 0x20
	}
	return c
}
