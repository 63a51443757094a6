package crm

import "reflect"

// lineDecoding names an import line in the decoder's messages.
var lineDecoding = Decoding{What: "the line", Root: "line"}

// decodeImportLineStrict decodes a line with the strict decoder the API
// uses, which names the first problem.
func decodeImportLineStrict(b []byte) (*ImportLine, error) {
	var l ImportLine
	if err := DecodeStrict(b, &l, lineDecoding); err != nil {
		return nil, err
	}
	return &l, nil
}

var (
	importLineType = reflect.TypeFor[ImportLine]()
	// importKeys are the JSON keys of every struct a line holds.
	importKeys = map[string]bool{}
)

func init() {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for name, f := range jsonFields(t) {
			importKeys[name] = true
			walk(f.typ)
		}
	}
	walk(importLineType)
}

// importKeysKnown reports whether every object key in b, a line, is a
// field name of the line's types as spelled, without escapes.
func importKeysKnown(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start, escaped := i+1, false
		for i++; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				escaped = true
				i++
			}
		}
		if i >= len(b) {
			return false // unterminated: the strict walk names it
		}
		key := b[start:i]
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
			j++
		}
		if j < len(b) && b[j] == ':' && (escaped || !importKeys[string(key)]) {
			return false
		}
	}
	return true
}
