package crm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The masked forms of personal values, served to a principal that reads
// with RoleCustomersReadMasked alone (docs/privacy.md, "Masking by role").
// Each function is pure, takes any string (valid or not) and never panics;
// "" stays "" (there is nothing to hide, and absent stays absent). A masked
// form holds '*', which no valid IBAN, document number, phone or date has:
// IsMasked and IsMaskedEmail tell one apart so that it is never written
// back (the validation refuses it naming the field).

// MaskedBirthdate is the masked form of every birth date.
const MaskedBirthdate = "****-**-**"

// maskedPhoneBody is what replaces a phone number's digits but the last 3.
const maskedPhoneBody = "*** *** "

// MaskIBAN keeps the country code, the check digits and the last 4
// characters of an IBAN and stars the rest, printed in groups of 4
// separated by spaces: "ES7921000813610123456789" becomes
// "ES79 **** **** **** **** 6789". An IBAN of 8 characters or fewer (none
// is valid) is all stars. Spaces in the input are ignored.
func MaskIBAN(s string) string {
	r := []rune(NormalizeIBAN(s))
	if len(r) == 0 {
		return ""
	}
	for i := range r {
		if len(r) <= 8 || i >= 4 && i < len(r)-4 {
			r[i] = '*'
		}
	}
	var b strings.Builder
	for i, c := range r {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// MaskDocumentNumber keeps the last 5 characters of an identity document
// number behind exactly 4 stars: "14861628V" becomes "****1628V". A number
// of 5 characters or fewer keeps nothing: "*********".
func MaskDocumentNumber(s string) string {
	r := []rune(NormalizeDocumentNumber(s))
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 5:
		return "*********"
	}
	return "****" + string(r[len(r)-5:])
}

// MaskEmail keeps the first character of an email's local part and its
// domain, with always 4 stars between: "antonio@example.com" becomes
// "a****@example.com" whatever the local part's length. Text without an @
// (no valid email) is "****".
func MaskEmail(s string) string {
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "****"
	}
	local, domain := s[:at], strings.ToValidUTF8(s[at:], "\uFFFD")
	first, size := utf8.DecodeRuneInString(local)
	if size == 0 || first == utf8.RuneError {
		return "****" + domain
	}
	return string(first) + "****" + domain
}

// MaskPhone keeps a phone's international prefix and its last 3 digits,
// in a fixed shape that does not tell the number's length:
// "+34 612 345 789" (or "+34612345789", "0034612345789") becomes
// "+34 *** *** 789"; a national number without prefix, "612345789",
// becomes "*** *** 789". The prefix is "+" or "00" and an assigned calling
// code (calling codes are prefix-free, so it is read without separators);
// without one the number is national. A number of 3 digits or fewer keeps
// nothing: "*** *** ***". Spaces, dashes, dots and parentheses are ignored.
func MaskPhone(s string) string {
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("-.()", r) {
			return -1
		}
		return r
	}, s)
	if t == "" {
		return ""
	}
	var intl string
	if rest, ok := strings.CutPrefix(t, "+"); ok {
		intl = rest
	} else if rest, ok := strings.CutPrefix(t, "00"); ok {
		intl = rest
	}
	for n := 1; n <= 3 && n <= len(intl); n++ {
		if e164CountryCodes[intl[:n]] {
			return "+" + intl[:n] + " " + maskNationalPhone(intl[n:])
		}
	}
	return maskNationalPhone(t)
}

// maskNationalPhone masks a phone number without its calling code, as the
// structured phones of a customer hold it beside their country_code:
// "612345789" becomes "*** *** 789".
func maskNationalPhone(s string) string {
	r := []rune(s)
	if len(r) <= 3 {
		return maskedPhoneBody + "***"
	}
	return maskedPhoneBody + string(r[len(r)-3:])
}

// MaskBirthdate hides a birth date whole: "1980-01-01" becomes
// "****-**-**".
func MaskBirthdate(s string) string {
	if s == "" {
		return ""
	}
	return MaskedBirthdate
}

// IsMasked reports whether s holds the '*' of a masked form. No valid
// IBAN, document number, phone number or date has one, so such a value in
// a write is a masked one sent back, and refused.
func IsMasked(s string) bool { return strings.ContainsRune(s, '*') }

// IsMaskedEmail reports whether s has the masked form of an email: a local
// part of "****" after at most one character. '*' is valid in an email, so
// only that exact shape is taken for a masked one.
func IsMaskedEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s == "****"
	}
	local, ok := strings.CutSuffix(s[:at], "****")
	return ok && utf8.RuneCountInString(local) <= 1
}

// maskedWriteMessage is the problem a masked value in a write is refused
// with, naming the field.
const maskedWriteMessage = "is a masked value (as customers:read:masked reads it) and cannot be written back; send the full value"

// refuseMasked records the masked-value problem at path when masked, and
// reports whether it did, so that the field's other checks are skipped
// for a clearer message.
func refuseMasked(p *Problems, path string, masked bool) bool {
	if masked {
		p.Add(path, "%s", maskedWriteMessage)
	}
	return masked
}
