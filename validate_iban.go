package crm

import (
	"strconv"
	"strings"
	"unicode"
)

// ibanLengths is the total IBAN length per country prefix in the SWIFT IBAN
// registry (ISO 13616), as of its December 2024 edition. Territories that
// the registry folds into a parent (AX into FI; GF, GP, MQ, RE and the other
// French overseas ones into FR; GG, IM, JE into GB) issue IBANs with the
// parent's prefix, so they are deliberately absent. Countries that only
// publish "experimental" IBANs outside the registry are absent too: their
// format can still change, and a wrong account costs a returned debit.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// NormalizeIBAN puts an IBAN in its electronic form (no spaces, upper case),
// the only one that is stored, so that the printed "ES91 2100 ..." grouping
// and a pasted lower-case copy compare equal. Any whitespace is dropped, as
// bank statements often group the digits with non-breaking spaces.
func NormalizeIBAN(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

// CheckIBAN tells why s is not a valid IBAN, or returns "" when it is.
// s must already have gone through NormalizeIBAN. Besides the registry
// length and the ISO 7064 check digits, Spanish IBANs get their national
// check digits verified too: most of the accounts this service sees are
// Spanish, and a typo that the mod-97 check misses is caught there.
func CheckIBAN(s string) string {
	if len(s) < 2 || !isUpperASCII(s[0]) || !isUpperASCII(s[1]) {
		return "IBAN must start with a two-letter country code"
	}
	country := s[:2]
	want, ok := ibanLengths[country]
	if !ok {
		return "IBAN country code " + country + " is not in the IBAN registry"
	}
	if _, ok := ibanMod97(s[2:]); !ok {
		return "IBAN must contain only upper-case letters and digits"
	}
	if len(s) != want {
		return "IBAN for " + country + " must be " + strconv.Itoa(want) + " characters"
	}
	// Valid check digits are 02 to 98; 00, 01 and 99 satisfy the mod-97
	// equation as aliases of 97, 98 and 02 but are never issued.
	cd, ok := asciiDigitsValue(s[2:4])
	if !ok || cd < 2 || cd > 98 {
		return "invalid IBAN check digits"
	}
	if r, _ := ibanMod97(s[4:] + s[:4]); r != 1 {
		return "invalid IBAN check digits"
	}
	if country == "ES" {
		bban := s[4:]
		if _, ok := asciiDigitsValue(bban); !ok {
			return "Spanish IBAN must have only digits after the country code"
		}
		if spanishCheckDigit("00"+bban[:8]) != bban[8] || spanishCheckDigit(bban[10:]) != bban[9] {
			return "invalid Spanish account check digits"
		}
	}
	return ""
}

// IBANCheckDigits returns the two ISO 7064 mod 97-10 check digits that turn
// countryCode and bban into an IBAN (countryCode + digits + bban), so that
// accounts this service issues are valid by construction. It returns "" when
// countryCode is not two upper-case letters or bban has anything other than
// upper-case letters and digits; it does not check the registry length.
func IBANCheckDigits(countryCode, bban string) string {
	if len(countryCode) != 2 || !isUpperASCII(countryCode[0]) || !isUpperASCII(countryCode[1]) {
		return ""
	}
	r, ok := ibanMod97(bban + countryCode + "00")
	if !ok {
		return ""
	}
	cd := 98 - r
	return string([]byte{byte('0' + cd/10), byte('0' + cd%10)})
}

// SpanishBBAN builds the 20-digit Spanish BBAN (CCC) for a bank, branch and
// account number, inserting the two national check digits; ok is false
// unless bank and branch are 4 digits and account is 10. Pass the result to
// IBANCheckDigits with "ES" to get a full IBAN.
func SpanishBBAN(bank, branch, account string) (bban string, ok bool) {
	if len(bank) != 4 || len(branch) != 4 || len(account) != 10 {
		return "", false
	}
	if _, ok := asciiDigitsValue(bank + branch + account); !ok {
		return "", false
	}
	first := spanishCheckDigit("00" + bank + branch)
	second := spanishCheckDigit(account)
	return bank + branch + string([]byte{first, second}) + account, true
}

// spanishCheckDigit computes one CCC check digit over 10 ASCII digits.
func spanishCheckDigit(ten string) byte {
	weights := [10]int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += int(ten[i]-'0') * weights[i]
	}
	d := 11 - sum%11
	switch d {
	case 11:
		d = 0
	case 10:
		d = 1
	}
	return byte('0' + d)
}

// ibanMod97 returns s, read as the ISO 7064 number (A=10 ... Z=35), modulo
// 97. It folds one digit (or letter pair) at a time so it never needs more
// than a few bits, instead of a 60-digit big integer. ok is false when s has
// anything other than digits and upper-case letters.
func ibanMod97(s string) (r int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case isUpperASCII(c):
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return 0, false
		}
	}
	return r, true
}
