// Package jsonstrict decodes JSON strictly for both API surfaces and the
// import: no unknown field (names matched exactly, unlike encoding/json's
// case folding), every value of its field's type, dates that parse, text a
// database can hold and no card number, each problem a *crm.Error naming
// the field path. It sits apart from the domain root, which stays on the
// domain's types and rules, so that it can move to encoding/json/v2 when
// that leaves the experiment without touching them.
package jsonstrict

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/telcoops/crm"
)

// Decoding names what Decode decodes, for its messages.
type Decoding struct {
	What string // "request body", "the line": starts the messages about the whole value
	Root string // the path that names the whole value: "body", "line"
}

func (d Decoding) invalid() string { return "invalid " + strings.TrimPrefix(d.What, "the ") }

func (d Decoding) path(p string) string {
	if p == "" {
		return d.Root
	}
	return p
}

// Decode decodes b, one JSON value, into dst (a pointer) strictly:
// no unknown fields (matched exactly, unlike encoding/json's case folding),
// every value of its field's type, dates that parse, and no empty string in
// a field tagged crm:"nonempty". Problems are *crm.Error naming the field path,
// e.g. contact_info.emails[0].email. Both API surfaces and the import use
// it, so a body and an imported line are held to the same rules. dst must
// hold its zero value.
func Decode(b []byte, dst any, d Decoding) error {
	if !mayNeedWalk(b) && decodeFast(b, dst) {
		return nil
	}
	// decodeFast may have filled part of dst before it gave up.
	v := reflect.ValueOf(dst).Elem()
	v.Set(reflect.Zero(v.Type()))
	return decodeWalk(b, dst, d)
}

// decodeWalk is Decode without the fast path: it decodes a generic
// tree, walks it beside dst's type to name the first problem, and only
// then decodes into dst.
func decodeWalk(b []byte, dst any, d Decoding) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return crm.Errorf(crm.EMALFORMED, "%s is not valid JSON: %s", d.What, strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return crm.Errorf(crm.EMALFORMED, "%s has data after the JSON value", d.What)
	}
	if !utf8.Valid(b) || hasBadEscape(b) {
		if fe := checkText(b, d); fe != nil {
			return fe
		}
	}
	if fe := checkShape(d, tree, reflect.TypeOf(dst).Elem(), "", false); fe != nil {
		return fe
	}
	if err := json.Unmarshal(b, dst); err != nil {
		// checkShape mirrors encoding/json, so this is a gap in it: say so
		// plainly rather than leak decoder internals.
		return crm.Errorf(crm.EMALFORMED, "%s does not match the expected schema", d.What)
	}
	return nil
}

type optionalElem interface{ OptionalElem() reflect.Type }

var (
	optionalIface        = reflect.TypeFor[optionalElem]()
	textUnmarshalerIface = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkShape walks a decoded JSON tree beside the Go type it will be
// decoded into, and reports the first unknown field or wrong type with its
// path, e.g. contact_info.emails[0].email. structured: the value is in a
// field tagged crm:"structured", where digits may run long.
func checkShape(d Decoding, v any, t reflect.Type, path string, structured bool) *crm.Error {
	if t.Implements(optionalIface) {
		if v == nil {
			return nil
		}
		return checkShape(d, v, reflect.Zero(t).Interface().(optionalElem).OptionalElem(), path, structured)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil // null leaves the Go zero value; required-ness is the domain's call
	}
	mismatch := func(want string) *crm.Error {
		return &crm.Error{Code: crm.EMALFORMED, Message: d.invalid(),
			Fields: []crm.FieldError{{Field: d.path(path), Message: "must be " + want}}}
	}
	// Types that parse themselves from a JSON string (time.Time) are
	// strings on the wire, not objects: check that the text parses, so a
	// bad date names its field instead of failing the decoder later.
	if reflect.PointerTo(t).Implements(textUnmarshalerIface) {
		s, ok := v.(string)
		if !ok {
			return mismatch("a string")
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			if t == reflect.TypeFor[time.Time]() {
				return mismatch("an RFC 3339 date-time such as 2026-01-31T00:00:00Z")
			}
			return mismatch("a valid value")
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch("an object")
		}
		fields := jsonFields(t)
		// In key order, so that of several problems the same one is named
		// every time.
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			child := obj[key]
			f, ok := fields[key]
			if !ok {
				return &crm.Error{Code: crm.EUNKNOWNFIELD, Message: d.invalid(),
					Fields: []crm.FieldError{{Field: joinPath(path, key), Message: "unknown field"}}}
			}
			if s, isString := child.(string); isString && s == "" && f.nonEmpty {
				return &crm.Error{Code: crm.EINVALID, Message: d.invalid(),
					Fields: []crm.FieldError{{Field: d.path(joinPath(path, key)), Message: "must not be empty"}}}
			}
			if err := checkShape(d, child, f.typ, joinPath(path, key), structured || f.structured); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return mismatch("an array")
		}
		for i, child := range arr {
			if err := checkShape(d, child, t.Elem(), fmt.Sprintf("%s[%d]", path, i), structured); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch("an object")
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if err := checkShape(d, obj[key], t.Elem(), joinPath(path, key), structured); err != nil {
				return err
			}
		}
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch("a string")
		}
		// The value is not echoed: it may be a real card number.
		if !structured && crm.ContainsPAN(s) {
			return &crm.Error{Code: crm.EINVALID, Message: d.invalid(),
				Fields: []crm.FieldError{{Field: d.path(path), Message: "must not contain a card number"}}}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return mismatch("a boolean")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch("an integer")
		}
		i, err := n.Int64()
		if err != nil || i < -(1<<(t.Bits()-1)) || i > 1<<(t.Bits()-1)-1 {
			return mismatch(fmt.Sprintf("an integer of at most %d bits", t.Bits()))
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch("a number")
		}
		if f, err := n.Float64(); err != nil || math.IsInf(f, 0) {
			return mismatch("a finite number")
		}
	}
	return nil
}

// jsonFields lists the JSON keys of a struct the way encoding/json sees
// them, embedded structs included.
func jsonFields(t reflect.Type) map[string]jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	out := map[string]jsonField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
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
		tags := strings.Split(f.Tag.Get("crm"), ",")
		out[name] = jsonField{typ: f.Type, nonEmpty: slices.Contains(tags, "nonempty"), structured: slices.Contains(tags, "structured")}
	}
	fieldCache.Store(t, out)
	return out
}

var fieldCache sync.Map // reflect.Type -> map[string]jsonField

// jsonField is one JSON key of a struct: its Go type, and whether an empty
// string is refused (tag crm:"nonempty"): for optional strings whose
// absence and emptiness look alike once decoded, but where the contract
// forbids "". structured (tag crm:"structured"): the field's own rule
// validates it, and the card-number rule does not apply in it.
type jsonField struct {
	typ        reflect.Type
	nonEmpty   bool
	structured bool
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
