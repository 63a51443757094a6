package crm

import "strings"

// ContainsPAN reports whether s holds what may be a full card number (PAN):
// 13 to 19 digits, run together or in groups separated by one space or
// dash, that pass the Luhn check. The service must never hold one, so any
// free-text or id value that does is refused. Every span of whole groups
// is tried, so "4111 1111 1111 1111 12" is caught. A canonical UUID,
// alone or inside text (a link, a reference), is never a PAN: its digit
// groups line up as a Luhn-valid run now and then. Other Luhn-valid numbers of that length (IMEIs, ICCIDs)
// are refused too: the rule cannot tell them apart.
func ContainsPAN(s string) bool {
	if len(s) < 13 {
		return false
	}
	var groups []string // the digit groups of the current sequence
	flush := func() bool {
		found := panInGroups(groups)
		groups = groups[:0]
		return found
	}
	for i := 0; i < len(s); {
		if n := uuidAt(s, i); n > 0 {
			if flush() {
				return true
			}
			i += n
			continue
		}
		if !isDigit(s[i]) {
			if flush() {
				return true
			}
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		groups = append(groups, s[i:j])
		// One separator between two digits continues the sequence.
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
			i = j + 1
			continue
		}
		if flush() {
			return true
		}
		i = j
	}
	return flush()
}

// panInGroups reports whether some span of whole consecutive groups holds
// 13 to 19 digits passing Luhn.
func panInGroups(groups []string) bool {
	for i := range groups {
		var b strings.Builder
		for j := i; j < len(groups); j++ {
			b.WriteString(groups[j])
			if b.Len() > 19 {
				break
			}
			if b.Len() >= 13 && luhn(b.String()) {
				return true
			}
		}
	}
	return false
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// uuidAt returns 36 when a canonical UUID starts at s[i] with no hex
// digit touching it on either side, and 0 otherwise.
func uuidAt(s string, i int) int {
	if i+36 > len(s) || s[i+8] != '-' || (i > 0 && isHex(s[i-1])) || (i+36 < len(s) && isHex(s[i+36])) || !isUUID(s[i:i+36]) {
		return 0
	}
	return 36
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// isUUID reports whether s is a UUID in its canonical 8-4-4-4-12 form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

// LooksPersonal reports whether s, one path segment or query value, looks
// like a card number, an IBAN or a Spanish identity document number
// (NIF, NIE, CIF), so that the request log can write "[redacted]" in its
// place. It errs on the side of redacting.
func LooksPersonal(s string) bool {
	if len(s) < 9 || isUUID(s) {
		return false // shorter than any of them; ids are UUIDs
	}
	if ContainsPAN(s) {
		return true
	}
	n := NormalizeDocumentNumber(s)
	if len(n) >= 15 && len(n) <= 34 && isUpperASCII(n[0]) && isUpperASCII(n[1]) && isDigit(n[2]) && isDigit(n[3]) {
		return true // the shape of an IBAN, valid or not
	}
	for _, t := range []string{"NIF", "NIE", "CIF"} {
		if CheckIdentityDocument(t, n) == "" {
			return true
		}
	}
	return false
}
