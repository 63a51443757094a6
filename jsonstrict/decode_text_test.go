package jsonstrict_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jsonstrict"
)

// TestDecodeStrictRefusesBadText: text no database may hold, and card
// numbers, are refused with the field named and the value not echoed,
// where encoding/json would store U+FFFD or the number.
func TestDecodeStrictRefusesBadText(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // ErrorStrings; nil: accepted
	}{
		{"raw invalid UTF-8", "{\"type\":\"PRIVATE_CUSTOMER\",\"personal_info\":{\"name\":\"Jos\xe9\"}}",
			[]string{"personal_info.name: must be valid UTF-8"}},
		{"escaped NUL", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"a\u0000b"}}`,
			[]string{"personal_info.name: must not contain the NUL character"}},
		{"lone high surrogate", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"\ud800"}}`,
			[]string{"personal_info.name: must be valid UTF-8"}},
		{"lone low surrogate", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"x\uDC00"}}`,
			[]string{"personal_info.name: must be valid UTF-8"}},
		{"in an array", `{"type":"PRIVATE_CUSTOMER","contact_info":{"emails":[{"email":"a@b.es"},{"email":"\u0000"}]}}`,
			[]string{"contact_info.emails[1].email: must not contain the NUL character"}},
		{"in a field name", "{\"type\":\"PRIVATE_CUSTOMER\",\"personal_info\":{\"na\xffme\":\"x\"}}",
			[]string{"personal_info: field names must be valid UTF-8"}},
		{"surrogate pair", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"\ud83d\ude00"}}`, nil},
		{"escaped backslash before u0000", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"a\\u0000"}}`, nil},
		{"card number", `{"type":"PRIVATE_CUSTOMER","external_id":"4111 1111 1111 1111"}`,
			[]string{"external_id: must not contain a card number"}},
		{"card number in a name", `{"type":"PRIVATE_CUSTOMER","personal_info":{"name":"pay 4111111111111111"}}`,
			[]string{"personal_info.name: must not contain a card number"}},
		{"long phone number is structured", `{"type":"PRIVATE_CUSTOMER","contact_info":{"phone_numbers":[{"country_code":"+34","number":"4111111111111111","type":"MOBILE"}]}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, decode := range []func([]byte, any, jsonstrict.Decoding) error{jsonstrict.Decode, jsonstrict.DecodeWalk} {
				err := decode([]byte(tt.body), new(crm.NewCustomer), bodyDecoding)
				var got []string
				if err != nil {
					got = crm.ErrorStrings(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				if err != nil && strings.Contains(err.Error(), "4111") {
					t.Errorf("the error echoes the value: %v", err)
				}
			}
		})
	}
}

// FuzzDecodeText holds the decoder's reading of raw JSON string literals
// to CheckText and ContainsPAN: a string is refused exactly when one of
// them refuses it, whether written raw or with \u escapes.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"José", "Jos\xe9", "a\x00b", "\xed\xa0\x80", "😀", "4111 1111 1111 1111", `\u0000`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := crm.CheckText(s) != "" || crm.ContainsPAN(s)
		for _, lit := range []string{rawLiteral(s, false), rawLiteral(s, true)} {
			err := jsonstrict.Decode([]byte(`{"country_code":`+lit+`}`), new(crm.MobilePhoneNumber), bodyDecoding)
			if (err != nil) != want {
				t.Fatalf("%q as %s: error %v, want refused %v", s, lit, err, want)
			}
		}
	})
}

// rawLiteral writes s as a JSON string literal byte for byte, escaping
// only what JSON requires, or (escapeAll) every non-ASCII rune as \u
// escapes, surrogate pairs included; invalid bytes stay raw.
func rawLiteral(s string, escapeAll bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if s[i] >= 0x80 {
			r, size = decodeRune(s[i:])
		}
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00` + hex2(byte(r)))
		case escapeAll && r >= 0x80 && size > 0:
			if r >= 0x10000 {
				r -= 0x10000
				b.WriteString(`\u` + hex4(0xD800+(r>>10)) + `\u` + hex4(0xDC00+(r&0x3FF)))
			} else {
				b.WriteString(`\u` + hex4(r))
			}
		default:
			b.WriteString(s[i : i+max(size, 1)])
		}
		i += max(size, 1)
	}
	b.WriteByte('"')
	return b.String()
}

// decodeRune is utf8.DecodeRuneInString, with size 0 for an invalid byte
// (which stays raw) instead of U+FFFD.
func decodeRune(s string) (rune, int) {
	r, size := []rune(s[:min(len(s), 4)])[0], 0
	if r != '\uFFFD' || strings.HasPrefix(s, "\uFFFD") {
		size = len(string(r))
	}
	return r, size
}

func hex2(c byte) string { return string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]) }
func hex4(r rune) string { return hex2(byte(r>>8)) + hex2(byte(r)) }

// TestImportLineRefusesBadText: the import holds a line to the same text
// rules as a request body.
func TestImportLineRefusesBadText(t *testing.T) {
	tests := map[string][]string{
		`{"type":"PRIVATE_CUSTOMER","external_id":"4111111111111111"}`:              {"external_id: must not contain a card number"},
		`{"type":"PRIVATE_CUSTOMER","external_id":"a\u0000"}`:                       {"external_id: must not contain the NUL character"},
		"{\"type\":\"PRIVATE_CUSTOMER\",\"accounts\":[{\"external_id\":\"\xff\"}]}": {"accounts[0].external_id: must be valid UTF-8"},
	}
	for line, want := range tests {
		_, err := jsonstrict.DecodeImportLine([]byte(line))
		if err == nil {
			t.Errorf("%q accepted", line)
			continue
		}
		if diff := cmp.Diff(want, crm.ErrorStrings(err)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", line, diff)
		}
	}
}
