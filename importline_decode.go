package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// decodeImportLineStrict walks the decoded line beside its Go type, to
// name the first problem.
func decodeImportLineStrict(b []byte) (*ImportLine, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, Errorf(EMALFORMED, "the line is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errorf(EMALFORMED, "the line has data after the JSON value")
	}
	if err := checkImportShape(tree, importLineType, ""); err != nil {
		return nil, err
	}
	var l ImportLine
	if err := json.Unmarshal(b, &l); err != nil {
		// checkImportShape mirrors encoding/json, so this is a gap in it.
		return nil, Errorf(EMALFORMED, "the line does not match the expected schema")
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
		for name, ft := range importFields(t) {
			importKeys[name] = true
			walk(ft)
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

// checkImportShape walks a decoded JSON tree beside the Go type it will be
// decoded into and reports the first unknown field or wrong type with its
// path. The line types hold only structs, slices, pointers, strings,
// booleans and integers.
func checkImportShape(v any, t reflect.Type, path string) *Error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil // null leaves the zero value; required-ness is Validate's call
	}
	mismatch := func(want string) *Error {
		return &Error{Code: EMALFORMED, Message: "invalid line",
			Fields: []FieldError{{Field: shapePath(path), Message: "must be " + want}}}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch("an object")
		}
		fields := importFields(t)
		for key, child := range obj {
			at := key
			if path != "" {
				at = path + "." + key
			}
			ft, ok := fields[key]
			if !ok {
				return &Error{Code: EUNKNOWNFIELD, Message: "invalid line",
					Fields: []FieldError{{Field: at, Message: "unknown field"}}}
			}
			if err := checkImportShape(child, ft, at); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return mismatch("an array")
		}
		for i, child := range arr {
			if err := checkImportShape(child, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return mismatch("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return mismatch("a boolean")
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch("an integer")
		}
		i, err := n.Int64()
		if err != nil || i < -(1<<(t.Bits()-1)) || i > 1<<(t.Bits()-1)-1 {
			return mismatch(fmt.Sprintf("an integer of at most %d bits", t.Bits()))
		}
	default:
		return mismatch("a value of a supported type")
	}
	return nil
}

func shapePath(path string) string {
	if path == "" {
		return "line"
	}
	return path
}

var importFieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// importFields lists the JSON keys of a struct the way encoding/json sees
// them, embedded structs included.
func importFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := importFieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range importFields(f.Type) {
				if _, dup := out[k]; !dup {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	importFieldCache.Store(t, out)
	return out
}
