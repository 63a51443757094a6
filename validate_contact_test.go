package crm

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeCountryCallingCode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"+34", "+34"},
		{"34", "+34"},
		{"0034", "+34"},
		{" +34 ", "+34"},
		{"1", "+1"},
		{"001", "+1"},
		{"+1", "+1"},
		{"351", "+351"},
		{"00351", "+351"},
		{"+376", "+376"},
		{"+0", "+0"}, // right shape, left for CheckPhone to reject
		{"+999", "+999"},
		{"0", "0"},
		{"034", "034"},
		{"00", "00"},
		{"", ""},
		{"+", "+"},
		{"++34", "++34"},
		{"+3456", "+3456"},
		{"3456", "3456"},
		{"003456", "003456"},
		{"+ 34", "+ 34"},
		{"+34a", "+34a"},
		{"ES", "ES"},
		{"+３４", "+３４"}, // full-width digits are not digits here
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, NormalizeCountryCallingCode(tc.in)); diff != "" {
			t.Errorf("NormalizeCountryCallingCode(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckPhone(t *testing.T) {
	const (
		badCode  = "country code must be + followed by 1 to 3 digits"
		badChars = "number must contain only digits"
		badLen   = "number must have 4 to 14 digits"
	)
	cases := []struct{ code, number, want string }{
		{"+34", "615667898", ""},
		{"+34", "912345678", ""},
		{"+1", "2025550123", ""},
		{"+7", "4951234567", ""},
		{"+44", "7700900123", ""},
		{"+351", "912345678", ""},
		{"+376", "312345", ""},
		{"+39", "0612345678", ""}, // Italian numbers keep their leading 0
		{"+211", "912345678", ""},
		{"+383", "44123456", ""},
		{"+882", "1234567890", ""},
		{"+290", "1234", ""},
		{"+34", "1234", ""},
		{"+1", "12345678901234", ""}, // 1 + 14 = 15 digits
		{"+34", "1234567890123", ""}, // 2 + 13 = 15
		{"+351", "123456789012", ""}, // 3 + 12 = 15
		{"+34", "12345678901234", "number must have at most 15 digits including the country code"},
		{"+351", "1234567890123", "number must have at most 15 digits including the country code"},
		{"+34", "123", badLen},
		{"+1", "123456789012345", badLen},
		{"+34", "", badChars},
		{"+34", "615 667 898", badChars},
		{"+34", "615-667-898", badChars},
		{"+34", "+34615667898", badChars},
		{"+34", "６１５６６７８９８", badChars},
		{"+0", "615667898", "country code +0 is not an assigned calling code"},
		{"+999", "615667898", "country code +999 is not an assigned calling code"},
		{"+28", "615667898", "country code +28 is not an assigned calling code"},
		{"+42", "615667898", "country code +42 is not an assigned calling code"},
		{"+388", "615667898", "country code +388 is not an assigned calling code"},
		{"+034", "615667898", "country code +034 is not an assigned calling code"},
		{"34", "615667898", badCode}, // not normalised
		{"0034", "615667898", badCode},
		{"+", "615667898", badCode},
		{"", "615667898", badCode},
		{"+3456", "615667898", badCode},
		{"+3a", "615667898", badCode},
	}
	for _, tc := range cases {
		got := CheckPhone(tc.code, tc.number)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("CheckPhone(%q, %q) (-want +got):\n%s", tc.code, tc.number, diff)
		}
	}
}

// TestCallingCodeTable guards the embedded E.164 list: assigned codes are
// prefix-free by construction, so a typo usually shows up as an overlap.
func TestCallingCodeTable(t *testing.T) {
	var overlaps []string
	for a := range e164CountryCodes {
		for b := range e164CountryCodes {
			if a != b && strings.HasPrefix(b, a) {
				overlaps = append(overlaps, a+"<"+b)
			}
		}
	}
	sort.Strings(overlaps)
	if diff := cmp.Diff([]string(nil), overlaps); diff != "" {
		t.Errorf("codes that prefix others (-want +got):\n%s", diff)
	}
	for _, c := range []string{"1", "7", "20", "27", "34", "351", "376", "590", "800", "979", "998"} {
		if !e164CountryCodes[c] {
			t.Errorf("+%s missing", c)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		{"email@example.com", "email@example.com"},
		{" A@Example.COM ", "a@example.com"},
		{"\tJose.Carrero@Telco.ES\n", "jose.carrero@telco.es"},
		{"", ""},
		{"José@Example.com", "josé@example.com"},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, NormalizeEmail(tc.in)); diff != "" {
			t.Errorf("NormalizeEmail(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	const (
		invalid  = "is not a valid email address"
		nonASCII = "must not contain accented or non-ASCII characters"
		tooLong  = "must be at most 82 characters"
	)
	local64 := strings.Repeat("a", 64)
	label63 := strings.Repeat("b", 63)
	cases := []struct{ in, want string }{
		{"email@example.com", ""},
		{"a@b.es", ""},
		{"Jose.Carrero@Example.COM", ""},
		{"first.last+tag@sub.domain.example.org", ""},
		{"o'brien@example.ie", ""},
		{"!#$%&'*+/=?^_`{|}~-@example.com", ""},
		{"user@my-host.example.com", ""},
		{"user@123.example.com", ""},
		{local64 + "@example.com", ""},
		{"a@" + label63 + ".com", ""},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 14) + ".es", ""}, // 82
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 15) + ".es", tooLong},
		{strings.Repeat("á", 83), tooLong},
		{"josé@example.com", nonASCII},
		{"jose@exámple.com", nonASCII},
		{"jose@example.com\u00a0", nonASCII},
		{"\xff@example.com", nonASCII},
		{"", invalid},
		{"example.com", invalid},
		{"@example.com", invalid},
		{"a@", invalid},
		{"a@@example.com", invalid},
		{"a@b@example.com", invalid},
		{".a@example.com", invalid},
		{"a.@example.com", invalid},
		{"a..b@example.com", invalid},
		{"a b@example.com", invalid},
		{`"a b"@example.com`, invalid},
		{"a(comment)@example.com", invalid},
		{"a,b@example.com", invalid},
		{local64 + "a@example.com", invalid},
		{"a@localhost", invalid},
		{"a@example", invalid},
		{"a@example.c", invalid},
		{"a@example.c0m", invalid},
		{"a@example.123", invalid},
		{"a@[192.168.0.1]", invalid},
		{"a@192.168.0.1", invalid},
		{"a@.example.com", invalid},
		{"a@example.com.", invalid},
		{"a@example..com", invalid},
		{"a@-example.com", invalid},
		{"a@example-.com", invalid},
		{"a@exa_mple.com", invalid},
		{"a@" + label63 + "b.com", invalid},
		{"a@example.com ", invalid},
		{"a@example.com\n", invalid},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, CheckEmail(tc.in)); diff != "" {
			t.Errorf("CheckEmail(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestCheckAddressLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Calle Mayor 2, 3º A", ""},
		{"Avinguda Diagonal, 640", ""},
		{"x", ""},
		{strings.Repeat("ñ", 100), ""}, // 100 runes, 200 bytes
		{strings.Repeat("a", 100), ""},
		{"undefined street", ""},
		{"Undefinedstraße 1", ""},
		{strings.Repeat("ñ", 101), "must be at most 100 characters"},
		{strings.Repeat("a", 101), "must be at most 100 characters"},
		{"", "is required"},
		{" ", "must not be blank"},
		{"\t\n", "must not be blank"},
		{"undefined", `must not be "undefined"`},
		{" UNDEFINED ", `must not be "undefined"`},
		{"Undefined", `must not be "undefined"`},
		{"Calle \xff", "must be valid UTF-8"},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, CheckAddressLine(tc.in)); diff != "" {
			t.Errorf("CheckAddressLine(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
