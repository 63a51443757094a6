package crm_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/telcoops/crm"
)

// FuzzMask holds every mask to its promise on any input: it never panics,
// its output is empty only when there is nothing to hide, else valid UTF-8
// holding a '*', and it never holds the whole
// input once the input is longer than what the mask keeps. An input that
// holds a '*' is skipped for the last check: it may be a masked value
// already, which masking again leaves as it is. Seeds are in
// testdata/fuzz/FuzzMask.
func FuzzMask(f *testing.F) {
	f.Add("ES7921000813610123456789")
	f.Add("14861628V")
	f.Add("antonio@example.com")
	f.Add("+34 612 345 789")
	f.Add("1980-01-01")
	masks := []struct {
		name string
		mask func(string) string
		// kept is how many characters of s the mask may show.
		kept func(s string) int
	}{
		{"MaskIBAN", crm.MaskIBAN, func(string) int { return 8 }},
		{"MaskDocumentNumber", crm.MaskDocumentNumber, func(string) int { return 5 }},
		{"MaskEmail", crm.MaskEmail, func(s string) int {
			at := strings.LastIndexByte(s, '@')
			if at < 0 {
				return 0
			}
			return 1 + len(s) - at // the first character and "@domain"
		}},
		{"MaskPhone", crm.MaskPhone, func(string) int { return 4 + 3 }}, // "+" and a calling code, the last 3
		{"MaskBirthdate", crm.MaskBirthdate, func(string) int { return 0 }},
	}
	f.Fuzz(func(t *testing.T, in string) {
		meaningful := utf8.RuneCountInString(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || strings.ContainsRune("-.()", r) {
				return -1
			}
			return r
		}, in))
		for _, m := range masks {
			out := m.mask(in)
			if out == "" {
				// Nothing to hide: "" or, where separators are ignored, only those.
				if in != "" && (meaningful > 0 || m.name == "MaskEmail" || m.name == "MaskBirthdate") {
					t.Errorf("%s(%q) is empty", m.name, in)
				}
				continue
			}
			if !utf8.ValidString(out) || !crm.IsMasked(out) {
				t.Errorf("%s(%q) = %q: not valid UTF-8 holding a '*'", m.name, in, out)
			}
			if strings.ContainsRune(in, '*') || meaningful <= m.kept(in) {
				continue
			}
			if strings.Contains(out, in) || strings.Contains(out, strings.ToUpper(in)) {
				t.Errorf("%s(%q) = %q holds the whole input", m.name, in, out)
			}
		}
	})
}
