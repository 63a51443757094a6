package crm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeDocumentNumber(t *testing.T) {
	cases := []struct{ in, want string }{
		{"14861628V", "14861628V"},
		{"14861628v", "14861628V"},
		{"14.861.628-v", "14861628V"},
		{" 14861628 V ", "14861628V"},
		{"14861628\tV", "14861628V"},
		{"14\u00a0861\u00a0628V", "14861628V"},
		{"x-1234567-l", "X1234567L"},
		{"b-14.507.610", "B14507610"},
		{"", ""},
		{" .-", ""},
		{"pa 123/456", "PA123/456"},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, NormalizeDocumentNumber(tc.in)); diff != "" {
			t.Errorf("NormalizeDocumentNumber(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckIdentityDocument(t *testing.T) {
	const (
		nifShape = "NIF must be 8 digits and a check letter, or K, L or M followed by 7 digits and a check letter"
		nieShape = "NIE must be X, Y or Z followed by 7 digits and a check letter"
		cifShape = "CIF must be an organisation letter followed by 7 digits and a control digit or letter"
		ppShape  = "passport number must be 5 to 20 letters or digits"
	)
	cases := []struct{ docType, number, want string }{
		// NIF: letters worked out by hand as n mod 23 and cross-checked
		// with an independent script.
		{"NIF", "14861628V", ""}, // the API documentation's example
		{"NIF", "12345678Z", ""},
		{"NIF", "00000000T", ""},
		{"NIF", "00000001R", ""},
		{"NIF", "99999999R", ""},
		{"NIF", "87654321X", ""},
		{"NIF", "50000000R", ""},
		{"NIF", "K1234567L", ""},
		{"NIF", "L7654321J", ""},
		{"NIF", "M0000001R", ""},
		{"NIF", "14861628A", "invalid NIF check letter"},
		{"NIF", "12345678A", "invalid NIF check letter"},
		{"NIF", "K1234567Z", "invalid NIF check letter"},
		{"NIF", "14.861.628-v", ""}, // normalised before checking
		{"NIE", "x-1234567-l", ""},
		{"CIF", "b-14507610", ""},
		{"NIF", "1486162V", nifShape},
		{"NIF", "148616280V", nifShape},
		{"NIF", "148616289", nifShape},
		{"NIF", "1486I628V", nifShape},
		{"NIF", "A1234567L", nifShape},
		{"NIF", "X1234567L", nifShape}, // an NIE sent as NIF
		{"NIF", "", nifShape},
		{"NIF", "14861628Ñ", nifShape},
		// NIE
		{"NIE", "X1234567L", ""},
		{"NIE", "Y1234567X", ""},
		{"NIE", "Z1234567R", ""},
		{"NIE", "X0000000T", ""},
		{"NIE", "Y7654321G", ""},
		{"NIE", "X1234567T", "invalid NIE check letter"},
		{"NIE", "Z1234567L", "invalid NIE check letter"},
		{"NIE", "W1234567L", nieShape},
		{"NIE", "X123456L", nieShape},
		{"NIE", "X12345678L", nieShape},
		{"NIE", "X12345671", nieShape},
		{"NIE", "14861628V", nieShape},
		{"NIE", "", nieShape},
		// CIF: the control is the digit c or the letter "JABCDEFGHI"[c].
		{"CIF", "B14507610", ""}, // the API documentation's example
		{"CIF", "A58818501", ""},
		{"CIF", "Q2826000H", ""},
		{"CIF", "P0800000B", ""},
		{"CIF", "S2800001F", ""},
		{"CIF", "N0032484H", ""},
		{"CIF", "W0184081H", ""},
		{"CIF", "R1000000H", ""},
		{"CIF", "H22222228", ""},
		{"CIF", "E33333337", ""},
		{"CIF", "G12345674", ""}, // G accepts either form
		{"CIF", "G1234567D", ""},
		{"CIF", "J98765431", ""},
		{"CIF", "J9876543A", ""},
		{"CIF", "U11111119", ""},
		{"CIF", "U1111111I", ""},
		{"CIF", "C00000000", ""},
		{"CIF", "C0000000J", ""},
		{"CIF", "D0000001H", ""},
		{"CIF", "F2000000F", ""},
		{"CIF", "V99999997", ""},
		{"CIF", "B1450761J", "CIF of this organisation type must end in a control digit"},
		{"CIF", "Q28260008", "CIF of this organisation type must end in a control letter"},
		{"CIF", "B14507611", "invalid CIF control character"},
		{"CIF", "Q2826000A", "invalid CIF control character"},
		{"CIF", "G1234567E", "invalid CIF control character"},
		{"CIF", "B24507610", "invalid CIF control character"},
		{"CIF", "I14507610", cifShape}, // I is not an organisation letter
		{"CIF", "K14507610", cifShape},
		{"CIF", "X1234567L", cifShape},
		{"CIF", "B1450761", cifShape},
		{"CIF", "B1450761-", cifShape},
		{"CIF", "B145O7610", cifShape},
		{"CIF", "14861628V", cifShape},
		{"CIF", "", cifShape},
		// PASSPORT
		{"PASSPORT", "PAA123456", ""},
		{"PASSPORT", "12345", ""},
		{"PASSPORT", "AB1234567890CDEFGHIJ", ""},
		{"PASSPORT", "ab12345", ""},
		{"PASSPORT", "1234", ppShape},
		{"PASSPORT", "AB1234567890CDEFGHIJK", ppShape},
		{"PASSPORT", "PA/123456", ppShape},
		{"PASSPORT", "PAÑ12345", ppShape},
		{"PASSPORT", "", ppShape},
		// Types
		{"DNI", "14861628V", "unknown identity document type; must be one of NIF, NIE, PASSPORT, CIF"},
		{"nif", "14861628V", "unknown identity document type; must be one of NIF, NIE, PASSPORT, CIF"},
		{"", "", "unknown identity document type; must be one of NIF, NIE, PASSPORT, CIF"},
	}
	for _, tc := range cases {
		got := CheckIdentityDocument(tc.docType, tc.number)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("CheckIdentityDocument(%q, %q) (-want +got):\n%s", tc.docType, tc.number, diff)
		}
	}
}

// TestCheckIdentityDocumentCatchesTypos relies on 23 being prime: changing
// any one digit changes the number mod 23, so every single-digit typo must
// be reported, never accepted as another valid document.
func TestCheckIdentityDocumentCatchesTypos(t *testing.T) {
	valid := []struct{ docType, number string }{
		{"NIF", "14861628V"}, {"NIF", "12345678Z"}, {"NIF", "K1234567L"},
		{"NIE", "X1234567L"}, {"NIE", "Y7654321G"},
		{"CIF", "B14507610"}, {"CIF", "Q2826000H"}, {"CIF", "G12345674"},
	}
	for _, v := range valid {
		for i := 0; i < len(v.number); i++ {
			c := v.number[i]
			if c < '0' || c > '9' {
				continue
			}
			for d := byte('0'); d <= '9'; d++ {
				if d == c {
					continue
				}
				typo := v.number[:i] + string(d) + v.number[i+1:]
				if CheckIdentityDocument(v.docType, typo) == "" {
					t.Errorf("%s %s accepted (typo of %s)", v.docType, typo, v.number)
				}
			}
		}
	}
}

func FuzzCheckIdentityDocument(f *testing.F) {
	for _, s := range [][2]string{
		{"NIF", "14861628V"}, {"NIF", "14.861.628-v"}, {"NIF", "K1234567L"},
		{"NIE", "x-1234567-l"}, {"CIF", "B14507610"}, {"CIF", "Q2826000H"},
		{"PASSPORT", "pa 123 456"}, {"DNI", "1"}, {"NIF", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, docType, number string) {
		why := CheckIdentityDocument(docType, number)
		norm := NormalizeDocumentNumber(number)
		if again := NormalizeDocumentNumber(norm); again != norm {
			t.Fatalf("NormalizeDocumentNumber not idempotent: %q -> %q -> %q", number, norm, again)
		}
		if strings.HasSuffix(why, ".") {
			t.Errorf("reason %q ends with a period", why)
		}
		if got := CheckIdentityDocument(docType, norm); got != why {
			t.Errorf("%s %q gives %q but its normal form %q gives %q", docType, number, why, norm, got)
		}
		if why == "" && docType != "PASSPORT" && len(norm) != 9 {
			t.Errorf("%s %q accepted as %q", docType, number, norm)
		}
	})
}
