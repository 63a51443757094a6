package crm

import (
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets of the identity checks live beside their table tests;
// these cover the IBAN and contact checks, whose invariants span several
// functions.

func FuzzCheckIBAN(f *testing.F) {
	f.Add("ES91 2100 0418 4502 0005 1332", 0, "21000418450200051332")
	f.Add("gb82west12345698765432", 1, "WEST12345698765432")
	f.Add("FR1420041010050500013M02606", 2, "2004101005050001")
	f.Add("ES00", 3, "")
	f.Add("\xff\x00", -7, "\x80")
	countries := make([]string, 0, len(ibanLengths))
	for cc := range ibanLengths {
		countries = append(countries, cc)
	}
	sort.Strings(countries)
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	f.Fuzz(func(t *testing.T, raw string, pick int, seed string) {
		why := CheckIBAN(raw)
		norm := NormalizeIBAN(raw)
		if again := NormalizeIBAN(norm); again != norm {
			t.Fatalf("NormalizeIBAN not idempotent: %q -> %q -> %q", raw, norm, again)
		}
		if why == "" && CheckIBAN(norm) != "" {
			t.Errorf("%q valid but its normal form %q is not", raw, norm)
		}

		// Whatever the seed, an IBAN issued with IBANCheckDigits for a
		// registry country and a BBAN of the right length must pass.
		cc := countries[uint(pick)%uint(len(countries))]
		n := ibanLengths[cc] - 4
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			var c byte = 'A'
			if i < len(seed) {
				c = seed[i]
			}
			if cc == "ES" {
				b.WriteByte('0' + c%10)
			} else {
				b.WriteByte(alnum[int(c)%len(alnum)])
			}
		}
		bban := b.String()
		if cc == "ES" {
			var ok bool
			if bban, ok = SpanishBBAN(bban[:4], bban[4:8], bban[10:]); !ok {
				t.Fatalf("SpanishBBAN rejected digits %q", b.String())
			}
		}
		iban := cc + IBANCheckDigits(cc, bban) + bban
		if why := CheckIBAN(iban); why != "" {
			t.Errorf("issued IBAN %s rejected: %s", iban, why)
		}
	})
}

func FuzzCheckPhone(f *testing.F) {
	f.Add("+34", "615667898")
	f.Add("0034", "615667898")
	f.Add(" 34 ", "912345678")
	f.Add("001", "2025550123")
	f.Add("+999", "1234")
	f.Add("+", "")
	f.Fuzz(func(t *testing.T, code, number string) {
		why := CheckPhone(code, number)
		norm := NormalizeCountryCallingCode(code)
		if again := NormalizeCountryCallingCode(norm); again != norm {
			t.Fatalf("NormalizeCountryCallingCode not idempotent: %q -> %q -> %q", code, norm, again)
		}
		if norm != code && (len(norm) < 2 || norm[0] != '+') {
			t.Errorf("NormalizeCountryCallingCode(%q) = %q, neither unchanged nor +digits", code, norm)
		}
		if why != "" {
			return
		}
		if CheckPhone(norm, number) != "" {
			t.Errorf("%q %q valid but not with its normal form %q", code, number, norm)
		}
		if len(code)-1+len(number) > 15 || !isASCIIDigits(number) {
			t.Errorf("%q %q accepted beyond E.164", code, number)
		}
	})
}

func FuzzCheckEmail(f *testing.F) {
	f.Add("email@example.com")
	f.Add(" A@Example.COM ")
	f.Add("josé@example.com")
	f.Add("a..b@example.com")
	f.Add("a@b@c.es")
	f.Add("İ@example.com")
	f.Fuzz(func(t *testing.T, s string) {
		why := CheckEmail(s)
		norm := NormalizeEmail(s)
		if again := NormalizeEmail(norm); again != norm {
			t.Fatalf("NormalizeEmail not idempotent: %q -> %q -> %q", s, norm, again)
		}
		if why != "" {
			return
		}
		if got := CheckEmail(norm); got != "" {
			t.Errorf("%q valid but its normal form %q is not: %s", s, norm, got)
		}
		if len(s) > 82 || strings.Count(s, "@") != 1 || !utf8.ValidString(s) {
			t.Errorf("%q accepted", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf || s[i] <= ' ' {
				t.Fatalf("%q accepted with byte %#x", s, s[i])
			}
		}
	})
}
