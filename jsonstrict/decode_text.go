package jsonstrict

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/telcoops/crm"
)

// mayNeedWalk reports whether b may hold a string that the fast path
// cannot judge: invalid UTF-8 (which encoding/json silently replaces), any
// \u escape (which may hide a NUL, a surrogate or the digits of a card
// number), or a string literal holding a card number (which only the walk,
// knowing the fields tagged crm:"structured", may accept). It may say yes
// wrongly, never no wrongly. An IBAN's long digit run is no card number,
// so account bodies keep the fast path.
func mayNeedWalk(b []byte) bool {
	return !utf8.Valid(b) || bytes.Contains(b, []byte(`\u`)) || hasPANLiteral(b)
}

// hasPANLiteral reports whether a string literal of b, as written,
// contains a card number.
func hasPANLiteral(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start := i + 1
		for i++; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				i++
			}
		}
		lit := b[start:min(i, len(b))]
		if hasLongDigitRun(lit) && crm.ContainsPAN(string(lit)) {
			return true
		}
	}
	return false
}

// hasBadEscape reports whether b holds \u0000 or a \u escape of a
// surrogate, which CheckText's rule forbids once decoded.
func hasBadEscape(b []byte) bool {
	for i := bytes.Index(b, []byte(`\u`)); i >= 0; {
		if r, ok := hexRune(b[i+2:]); ok && (r == 0 || r >= 0xD800 && r <= 0xDFFF) {
			return true
		}
		j := bytes.Index(b[i+2:], []byte(`\u`))
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// hasLongDigitRun reports whether b holds 13 or more digits in a row, one
// space or dash allowed between two of them.
func hasLongDigitRun(b []byte) bool {
	n := 0
	for i, c := range b {
		switch {
		case isDigit(c):
			if n++; n >= 13 {
				return true
			}
		case (c == ' ' || c == '-') && n > 0 && i+1 < len(b) && isDigit(b[i+1]):
		default:
			n = 0
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hexRune(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(v), err == nil
}

// checkText finds the first string of b, one valid JSON value, that
// CheckText's rule refuses as written (raw invalid UTF-8, \u0000, a lone
// surrogate escape), and names its path. encoding/json would replace such
// text with U+FFFD, so this reads the raw literals.
func checkText(b []byte, d Decoding) *crm.Error {
	type frame struct {
		base    string // the container's path
		object  bool
		wantKey bool
		key     string // in an object, the member being read
		index   int    // in an array, the element being read
	}
	var stack []frame
	valuePath := func() string { // the path of the value about to be read
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return joinPath(f.base, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.base, f.index)
	}
	done := func() { // a value ended: its container moves on
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		f.wantKey = f.object
		f.index++
	}
	refuse := func(path, msg string) *crm.Error {
		return &crm.Error{Code: crm.EMALFORMED, Message: d.invalid(), Fields: []crm.FieldError{{Field: d.path(path), Message: msg}}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or a syntax error, named before
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, frame{base: valuePath(), object: t == '{', wantKey: t == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			raw := b[start:dec.InputOffset()]
			raw = raw[bytes.IndexByte(raw, '"'):]
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				if msg := rawTextProblem(raw); msg != "" {
					return refuse(stack[n-1].base, "field names "+msg)
				}
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			if msg := rawTextProblem(raw); msg != "" {
				return refuse(valuePath(), msg)
			}
		}
		done()
	}
}

// rawTextProblem says why the JSON string literal raw (quotes included)
// decodes to text crm.CheckText refuses, or "".
func rawTextProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "must be valid UTF-8"
	}
	for i := 1; i < len(raw)-1; i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if raw[i] != 'u' {
			continue
		}
		r, _ := hexRune(raw[i+1:])
		i += 4
		switch {
		case r == 0:
			return "must not contain the NUL character"
		case r >= 0xDC00 && r <= 0xDFFF:
			return "must be valid UTF-8"
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return "must be valid UTF-8"
			}
			if lo, _ := hexRune(raw[i+3:]); lo < 0xDC00 || lo > 0xDFFF {
				return "must be valid UTF-8"
			}
			i += 6
		}
	}
	return ""
}
