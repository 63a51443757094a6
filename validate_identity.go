package crm

import (
	"strings"
	"unicode"
)

// idCheckLetters is the official Spanish table that maps a document number
// modulo 23 to its check letter; NIF and NIE share it.
const idCheckLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// cifOrgLetters are the organisation-type letters a CIF can start with. K, L,
// M and X, Y, Z are missing on purpose: they start personal NIFs and NIEs,
// so such a number sent as a CIF is the wrong document type.
const cifOrgLetters = "ABCDEFGHJNPQRSUVW"

// cifControlLetters gives the letter form of a CIF control value c.
const cifControlLetters = "JABCDEFGHI"

// NormalizeDocumentNumber puts a document number in the form it is stored
// and searched by, so "14.861.628-v" and "14861628V" are the same customer.
// Any kind of whitespace is dropped, not only ' ', because numbers pasted
// from PDFs and spreadsheets carry tabs and non-breaking spaces.
func NormalizeDocumentNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

// CheckIdentityDocument tells why number is not a valid document of type
// docType ("NIF", "NIE", "PASSPORT" or "CIF"), or returns "" when it is.
// number is meant to have gone through NormalizeDocumentNumber already, but
// it is normalised again here: some callers (sqlstore's PutAssociatedUsers)
// validate before normalising, and "x1234567l" must not be refused there
// for a spelling that storage fixes anyway.
func CheckIdentityDocument(docType, number string) string {
	number = NormalizeDocumentNumber(number)
	switch docType {
	case "NIF":
		return checkNIF(number)
	case "NIE":
		return checkNIE(number)
	case "CIF":
		return checkCIF(number)
	case "PASSPORT":
		return checkPassport(number)
	}
	return "unknown identity document type; must be one of NIF, NIE, PASSPORT, CIF"
}

func checkNIF(n string) string {
	const shape = "NIF must be 8 digits and a check letter, or K, L or M followed by 7 digits and a check letter"
	if len(n) != 9 || !isUpperASCII(n[8]) {
		return shape
	}
	digits := n[:8]
	// K (under-14s), L (non-residents) and M (foreigners without NIE) NIFs
	// replace the first digit with the letter and compute over the rest.
	if strings.IndexByte("KLM", n[0]) >= 0 {
		digits = n[1:8]
	}
	v, ok := asciiDigitsValue(digits)
	if !ok {
		return shape
	}
	if idCheckLetters[v%23] != n[8] {
		return "invalid NIF check letter"
	}
	return ""
}

func checkNIE(n string) string {
	const shape = "NIE must be X, Y or Z followed by 7 digits and a check letter"
	if len(n) != 9 || !isUpperASCII(n[8]) {
		return shape
	}
	prefix := strings.IndexByte("XYZ", n[0])
	v, ok := asciiDigitsValue(n[1:8])
	if prefix < 0 || !ok {
		return shape
	}
	// The prefix letter stands for a leading digit (X=0, Y=1, Z=2) so that
	// NIEs and NIFs draw from one number space for the check letter.
	v += prefix * 10_000_000
	if idCheckLetters[v%23] != n[8] {
		return "invalid NIE check letter"
	}
	return ""
}

func checkCIF(n string) string {
	const shape = "CIF must be an organisation letter followed by 7 digits and a control digit or letter"
	if len(n) != 9 || strings.IndexByte(cifOrgLetters, n[0]) < 0 {
		return shape
	}
	if _, ok := asciiDigitsValue(n[1:8]); !ok {
		return shape
	}
	sum := 0
	for i := 1; i <= 7; i++ {
		d := int(n[i] - '0')
		if i%2 == 1 { // i counts from 1 here, so these are the odd positions
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	c := (10 - sum%10) % 10
	digit, letter := byte('0'+c), cifControlLetters[c]
	got := n[8]
	switch n[0] {
	case 'P', 'Q', 'R', 'S', 'W', 'N':
		// Public bodies, religious orders, foreign entities and branches of
		// non-residents: the Agencia Tributaria only issues the letter form.
		if got == letter {
			return ""
		}
		if got == digit {
			return "CIF of this organisation type must end in a control letter"
		}
	case 'A', 'B', 'E', 'H':
		// Public and private limited companies and communities of goods or
		// owners: only the digit form is issued.
		if got == digit {
			return ""
		}
		if got == letter {
			return "CIF of this organisation type must end in a control digit"
		}
	default:
		if got == digit || got == letter {
			return ""
		}
	}
	if !isUpperASCII(got) && (got < '0' || got > '9') {
		return shape
	}
	return "invalid CIF control character"
}

func checkPassport(n string) string {
	// Passport numbers follow each issuing country's own scheme, so only
	// the ICAO character set and a sane length can be checked.
	if len(n) < 5 || len(n) > 20 {
		return "passport number must be 5 to 20 letters or digits"
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !isUpperASCII(c) && (c < '0' || c > '9') {
			return "passport number must be 5 to 20 letters or digits"
		}
	}
	return ""
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }

// asciiDigitsValue reads s as a decimal number; callers pass at most 8
// digits, well within int, so there is no overflow to guard against.
func asciiDigitsValue(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
