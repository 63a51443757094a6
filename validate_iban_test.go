package crm

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validIBANs are registry and bank examples, each verified with an
// independent big-integer mod-97 computation.
var validIBANs = []string{
	"GB82WEST12345698765432",
	"GB29NWBK60161331926819",
	"DE89370400440532013000",
	"FR1420041010050500013M02606",
	"ES9121000418450200051332",
	"ES7921000813610123456789",
	"NL91ABNA0417164300",
	"BE68539007547034",
	"NO9386011117947",
	"CH9300762011623852957",
	"IT60X0542811101000000123456",
	"PT50000201231234567890154",
	"AD1200012030200359100100",
	"AT611904300234573201",
	"PL61109010140000071219812874",
	"SE4550000000058398257466",
	"MT84MALT011000012345MTLCAST001S",
	"LC55HEMM000100010012001200023015",
	"RU0304452522540817810538091310419",
	"BR1800360305000010009795493C1",
	"EG380019000500000000263180002",
	"HN88CABF00000000000250005469",
	"YE15CBYE0001018861234567891234",
	"XK051212012345678906",
	"SD2129010501234001",
}

func TestNormalizeIBAN(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"},
		{"es9121000418450200051332", "ES9121000418450200051332"},
		{" gb82 west 1234 5698 7654 32 ", "GB82WEST12345698765432"},
		{"FR14\u00a02004\t1010", "FR1420041010"},
		{"", ""},
		{"ES91-2100", "ES91-2100"}, // dashes are not a grouping IBANs use
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, NormalizeIBAN(tc.in)); diff != "" {
			t.Errorf("NormalizeIBAN(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckIBAN(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "IBAN must start with a two-letter country code"},
		{"E", "IBAN must start with a two-letter country code"},
		{"91ES21000418450200051332", "IBAN must start with a two-letter country code"},
		{"es9121000418450200051332", "IBAN must start with a two-letter country code"},
		{"US64SVBKUS6S3300958879", "IBAN country code US is not in the IBAN registry"},
		{"GF1420041010050500013M02606", "IBAN country code GF is not in the IBAN registry"},
		{"ZZ00", "IBAN country code ZZ is not in the IBAN registry"},
		{"ES912100041845020005133", "IBAN for ES must be 24 characters"},
		{"ES91210004184502000513321", "IBAN for ES must be 24 characters"},
		{"GB82WEST1234569876543", "IBAN for GB must be 22 characters"},
		{"NO93860111179470", "IBAN for NO must be 15 characters"},
		{"ES", "IBAN for ES must be 24 characters"},
		{"GB82WEST1234569876543-", "IBAN must contain only upper-case letters and digits"},
		{"GB82west12345698765432", "IBAN must contain only upper-case letters and digits"},
		{"GB82 WEST12345698765432", "IBAN must contain only upper-case letters and digits"},
		{"GB83WEST12345698765432", "invalid IBAN check digits"},
		{"GB82WEST12345698765433", "invalid IBAN check digits"},
		{"GB82WEST12345698765423", "invalid IBAN check digits"},
		{"GBX2WEST12345698765432", "invalid IBAN check digits"},
		{"DE88370400440532013000", "invalid IBAN check digits"},
		{"FR1420041010050500013N02606", "invalid IBAN check digits"},
		// 01 is congruent to the correct 98, 00 to 97 and 99 to 02: they
		// pass mod 97 but ISO 13616 never issues them.
		{"GB98BARC20039534740039", ""},
		{"GB01BARC20039534740039", "invalid IBAN check digits"},
		{"GB97BARC20039534740057", ""},
		{"GB00BARC20039534740057", "invalid IBAN check digits"},
		{"GB02BARC20039534740021", ""},
		{"GB99BARC20039534740021", "invalid IBAN check digits"},
		{"ES9121000418450200051331", "invalid IBAN check digits"},
		// Right mod 97 but wrong national check digits: IBANs computed
		// with the correct ISO digits over a broken Spanish CCC.
		{"ES2921000418460200051332", "invalid Spanish account check digits"},
		{"ES5621000418440200051332", "invalid Spanish account check digits"},
		{"ES7821000418XX0200051332", "Spanish IBAN must have only digits after the country code"},
	}
	for _, iban := range validIBANs {
		cases = append(cases, struct{ in, want string }{iban, ""})
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, CheckIBAN(tc.in)); diff != "" {
			t.Errorf("CheckIBAN(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestCheckIBANCatchesTypos relies on ISO 7064 mod 97-10 detecting every
// substitution of a digit for a digit or a letter for a letter, and every
// swap of two neighbouring digits or letters: each changes the expanded
// number by k×10^j where the prime 97 divides neither factor. Mixing the
// two kinds shifts the expansion, so such typos are caught only almost
// always (1B for B1 slips through), and are left out.
func TestCheckIBANCatchesTypos(t *testing.T) {
	for _, iban := range validIBANs {
		for i := 2; i < len(iban); i++ {
			for _, c := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
				if byte(c) == iban[i] || (c > '9') != (iban[i] > '9') {
					continue
				}
				typo := iban[:i] + string(c) + iban[i+1:]
				if CheckIBAN(typo) == "" {
					t.Errorf("%s accepted (typo of %s)", typo, iban)
				}
			}
			if i+1 < len(iban) && iban[i] != iban[i+1] && (iban[i] > '9') == (iban[i+1] > '9') {
				swapped := iban[:i] + string(iban[i+1]) + string(iban[i]) + iban[i+2:]
				if CheckIBAN(swapped) == "" {
					t.Errorf("%s accepted (transposition in %s)", swapped, iban)
				}
			}
		}
	}
}

func TestIBANCheckDigits(t *testing.T) {
	cases := []struct{ country, bban, want string }{
		{"GB", "WEST12345698765432", "82"},
		{"DE", "370400440532013000", "89"},
		{"FR", "20041010050500013M02606", "14"},
		{"ES", "21000418450200051332", "91"},
		{"ES", "21000813610123456789", "79"},
		{"NO", "86011117947", "93"},
		{"GB", "BARC20039534740039", "98"}, // the highest pair issued
		{"GB", "BARC20039534740021", "02"}, // the lowest
		{"es", "21000418450200051332", ""},
		{"E", "21000418450200051332", ""},
		{"ES", "2100-0418", ""},
		{"ES", "west", ""},
	}
	for _, tc := range cases {
		got := IBANCheckDigits(tc.country, tc.bban)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("IBANCheckDigits(%q, %q) (-want +got):\n%s", tc.country, tc.bban, diff)
		}
	}
	for _, iban := range validIBANs {
		if got := IBANCheckDigits(iban[:2], iban[4:]); got != iban[2:4] {
			t.Errorf("IBANCheckDigits for %s = %q, want %q", iban, got, iban[2:4])
		}
	}
}

func TestSpanishBBAN(t *testing.T) {
	type result struct {
		BBAN string
		OK   bool
	}
	cases := []struct {
		bank, branch, account string
		want                  result
	}{
		{"2100", "0418", "0200051332", result{"21000418450200051332", true}},
		{"2100", "0813", "0123456789", result{"21000813610123456789", true}},
		{"0000", "0000", "0000000000", result{"00000000000000000000", true}},
		{"0049", "1500", "0512345678", result{"00491500010512345678", true}},
		{"210", "0418", "0200051332", result{}},
		{"2100", "04180", "0200051332", result{}},
		{"2100", "0418", "020005133", result{}},
		{"2100", "0418", "02000513X2", result{}},
		{"21 0", "0418", "0200051332", result{}},
		{"", "", "", result{}},
	}
	for _, tc := range cases {
		bban, ok := SpanishBBAN(tc.bank, tc.branch, tc.account)
		if diff := cmp.Diff(tc.want, result{bban, ok}); diff != "" {
			t.Errorf("SpanishBBAN(%q, %q, %q) (-want +got):\n%s", tc.bank, tc.branch, tc.account, diff)
		}
		if ok {
			iban := "ES" + IBANCheckDigits("ES", bban) + bban
			if why := CheckIBAN(iban); why != "" {
				t.Errorf("issued IBAN %s rejected: %s", iban, why)
			}
		}
	}
}

// TestIBANLengthsTable guards the embedded registry against typos: every
// prefix is an ISO country (or XK, which the registry uses for Kosovo) and
// every length is within ISO 13616's 15 to 34.
func TestIBANLengthsTable(t *testing.T) {
	var bad []string
	for cc, n := range ibanLengths {
		if !(IsCountryCode(cc) || cc == "XK") || n < 15 || n > 34 {
			bad = append(bad, cc)
		}
	}
	sort.Strings(bad)
	if diff := cmp.Diff([]string(nil), bad); diff != "" {
		t.Errorf("bad registry entries (-want +got):\n%s", diff)
	}
	if len(ibanLengths) < 80 {
		t.Errorf("only %d registry countries", len(ibanLengths))
	}
}
