package crm_test

import (
	"strings"
	"testing"

	"github.com/telcoops/crm"
)

func TestContainsPAN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true},
		{"4111 1111 1111 1111", true},
		{"4111-1111-1111-1111", true},
		{"ref-4111111111111111-x", true},
		{"card 4111 1111 1111 1111 exp 12", true}, // a span of whole groups
		{"378282246310005", true},                 // 15 digits (Amex)
		{"6011111111111117", true},
		{"4222222222222", true},         // 13 digits
		{"6759649826438453", true},      // Maestro, 16
		{"4111111111111112", false},     // fails Luhn
		{"411111111111", false},         // 12 digits
		{"41111111111111111111", false}, // 20 run together: no PAN
		{"4111  1111 1111 1111", false}, // two spaces end a sequence
		{"ES7921000813610123456789", false},
		{"12345678-1234-1234-1234-123456789012", false}, // a UUID is not a PAN
		// Its groups 0000006, 1234 and 5678 make a Luhn-valid 15-digit
		// run, but inside a UUID they are no card number, in text or not.
		{"a0000006-1234-5678-9abc-def012345678", false},
		{"https://crm.example/v4/documents/a0000006-1234-5678-9abc-def012345678/x", false},
		{"ref a0000006-1234-5678-9abc-def012345678 4111 1111 1111 1111", true},
		{"0a0000006-1234-5678-9abc-def012345678", true}, // a hex digit before: no UUID
		{"1234567890", false},
		{"", false},
		{"José", false},
	}
	for _, tt := range tests {
		if got := crm.ContainsPAN(tt.in); got != tt.want {
			t.Errorf("ContainsPAN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLooksPersonal(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true},
		{"ES7921000813610123456789", true},
		{"es79 2100 0813 6101 2345 6789", true},
		{"14861628V", true}, // NIF
		{"X1234567L", true}, // NIE
		{"B12345674", true}, // CIF
		{"0198a0f1-4567-7d43-ab00-000000000001", false},
		{"customers", false},
		{"1001", false},
		{"acc-77", false},
	}
	for _, tt := range tests {
		if got := crm.LooksPersonal(tt.in); got != tt.want {
			t.Errorf("LooksPersonal(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzContainsPAN checks ContainsPAN against a naive rule: every span of
// 13 to 19 digits made of whole groups (one space or dash between groups)
// is tried with Luhn. It also checks that a found PAN stays found inside
// any text that does not touch it.
func FuzzContainsPAN(f *testing.F) {
	for _, s := range []string{"4111111111111111", "4111 1111 1111 1111 12", "x378282246310005y", "12-34", "1 2 3 4 5 6 7 8 9 0 1 2 3", "x a0000006-1234-5678-9abc-def012345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := crm.ContainsPAN(s)
		if want := naivePAN(s); got != want {
			t.Fatalf("ContainsPAN(%q) = %v, the naive rule says %v", s, got, want)
		}
		if got && !crm.ContainsPAN("a "+s+" z") {
			t.Fatalf("ContainsPAN(%q) but not with text around it", s)
		}
		if got && !crm.LooksPersonal(s) {
			t.Fatalf("ContainsPAN(%q) but LooksPersonal says no", s)
		}
	})
}

// naivePAN blanks out every canonical UUID no hex digit touches, splits
// what is left into sequences of digit groups and tries every span.
func naivePAN(s string) bool {
	hex := func(i int) bool {
		return i >= 0 && i < len(s) && strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i]))
	}
	b := []byte(s)
	for i := 0; i+36 <= len(s); i++ {
		if !hex(i-1) && !hex(i+36) && isCanonicalUUID(s[i:i+36]) {
			for k := i; k < i+36; k++ {
				b[k] = ' '
			}
			i += 35
		}
	}
	s = string(b)
	var seqs [][]string
	var cur []string
	digit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	for i := 0; i < len(s); i++ {
		if !digit(i) {
			continue
		}
		j := i
		for digit(j) {
			j++
		}
		cur = append(cur, s[i:j])
		if !(j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && digit(j+1)) {
			seqs, cur = append(seqs, cur), nil
		}
		i = j
	}
	for _, g := range seqs {
		for a := range g {
			for b := a; b < len(g); b++ {
				d := strings.Join(g[a:b+1], "")
				if len(d) >= 13 && len(d) <= 19 && luhnOK(d) {
					return true
				}
			}
		}
	}
	return false
}

func luhnOK(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
