package crm

import (
	"strings"
	"unicode/utf8"
)

// Length limits: the first two come from the API contract, which is
// stricter than the RFCs; the last is ITU-T E.164's, country code included.
const (
	maxEmailLength       = 82
	maxAddressLineLength = 100
	maxE164Digits        = 15
)

// NormalizeCountryCallingCode turns the usual spellings of a calling code
// ("+34", "34", "0034", with surrounding spaces) into "+34", so that phone
// numbers compare equal whatever form the client sent. Anything else is
// returned unchanged, for CheckPhone to reject with a precise reason rather
// than for a guess here to turn garbage into a plausible code.
func NormalizeCountryCallingCode(s string) string {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	case strings.HasPrefix(t, "00"):
		// International dialling prefix: read "001" as +1, never as +001.
		t = t[2:]
	case t != "" && t[0] == '0':
		// No code starts with 0, so a lone leading 0 is not a code at all.
		return s
	}
	if len(t) < 1 || len(t) > 3 || !isASCIIDigits(t) {
		return s
	}
	return "+" + t
}

// CheckPhone tells why number is not a valid phone number under the calling
// code countryCode, or returns "" when it is. countryCode must already have
// gone through NormalizeCountryCallingCode. The national number is checked
// only against the E.164 limits, not each country's numbering plan, which
// changes too often to embed.
func CheckPhone(countryCode, number string) string {
	if len(countryCode) < 2 || len(countryCode) > 4 || countryCode[0] != '+' || !isASCIIDigits(countryCode[1:]) {
		return "country code must be + followed by 1 to 3 digits"
	}
	code := countryCode[1:]
	if !e164CountryCodes[code] {
		return "country code " + countryCode + " is not an assigned calling code"
	}
	if !isASCIIDigits(number) {
		return "number must contain only digits"
	}
	if len(number) < 4 || len(number) > 14 {
		return "number must have 4 to 14 digits"
	}
	if len(code)+len(number) > maxE164Digits {
		return "number must have at most 15 digits including the country code"
	}
	return ""
}

// NormalizeEmail puts an address in the form it is stored and searched by.
// The whole address is lower-cased, although RFC 5321 lets the local part
// be case-sensitive, because mailbox providers ignore that case in practice
// and customers that differ only in case must be found as duplicates.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// CheckEmail tells why s is not an acceptable email address, or returns ""
// when it is. It accepts the dot-atom form of RFC 5322 with a DNS domain and
// rejects what downstream systems cannot carry: quoted local parts, IP
// literals, non-ASCII (internationalised) addresses and anything over 82
// characters.
func CheckEmail(s string) string {
	if utf8.RuneCountInString(s) > maxEmailLength {
		return "must be at most 82 characters"
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "must not contain accented or non-ASCII characters"
		}
	}
	const invalid = "is not a valid email address"
	local, domain, found := strings.Cut(s, "@")
	if !found || strings.Contains(domain, "@") {
		return invalid
	}
	if !validEmailLocal(local) || !validEmailDomain(domain) {
		return invalid
	}
	return ""
}

// emailLocalSpecials are the atext characters of RFC 5322 besides letters
// and digits; '.' is handled apart because of its placement rules.
const emailLocalSpecials = "!#$%&'*+/=?^_`{|}~-"

func validEmailLocal(local string) bool {
	// 64 is the RFC 5321 limit; servers may refuse longer local parts.
	if local == "" || len(local) > 64 {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isASCIIAlnum(c) && c != '.' && strings.IndexByte(emailLocalSpecials, c) < 0 {
			return false
		}
	}
	return true
}

func validEmailDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isASCIIAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	// An all-letter TLD rules out IP addresses and typos like "gmail.c0m";
	// IDN TLDs (xn--...) are excluded with the rest of non-ASCII mail.
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if c := tld[i] | 0x20; c < 'a' || c > 'z' { // | 0x20 folds case
			return false
		}
	}
	return true
}

// CheckAddressLine tells why s cannot be a postal address line, or returns
// "" when it can. Besides the length, it rejects the literal "undefined",
// which JavaScript front ends send when a form field was never filled in
// and which would otherwise end up printed on letters.
func CheckAddressLine(s string) string {
	switch {
	case s == "":
		return "is required"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > maxAddressLineLength:
		return "must be at most 100 characters"
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return "must not be blank"
	}
	if strings.EqualFold(t, "undefined") {
		return `must not be "undefined"`
	}
	return ""
}

func isASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
