package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// readBody reads the whole body, refusing more than MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, crm.Errorf(crm.ETOOLARGE, "request body must be at most %d bytes", MaxBodyBytes)
		}
		return nil, crm.Errorf(crm.EMALFORMED, "could not read the request body")
	}
	return body, nil
}

// decodeJSON decodes the body into dst strictly: one JSON object, no
// unknown fields (matched exactly, unlike encoding/json's case folding), and
// every value of the type the field has. Problems name the field path.
func decodeJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return crm.Errorf(crm.EMALFORMED, "a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return crm.Errorf(crm.EMALFORMED, "request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return crm.Errorf(crm.EMALFORMED, "request body has data after the JSON value")
	}
	if fe := checkShape(tree, reflect.TypeOf(dst).Elem(), ""); fe != nil {
		return fe
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// checkShape mirrors encoding/json, so this is a gap in it: say so
		// plainly rather than leak decoder internals.
		return crm.Errorf(crm.EMALFORMED, "request body does not match the expected schema")
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
// path, e.g. contact_info.emails[0].email.
func checkShape(v any, t reflect.Type, path string) *crm.Error {
	if t.Implements(optionalIface) {
		if v == nil {
			return nil
		}
		return checkShape(v, reflect.Zero(t).Interface().(optionalElem).OptionalElem(), path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil // null leaves the Go zero value; required-ness is the domain's call
	}
	mismatch := func(want string) *crm.Error {
		return &crm.Error{Code: crm.EMALFORMED, Message: "invalid request body",
			Fields: []crm.FieldError{{Field: displayPath(path), Message: "must be " + want}}}
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
		for key, child := range obj {
			f, ok := fields[key]
			if !ok {
				return &crm.Error{Code: crm.EUNKNOWNFIELD, Message: "invalid request body",
					Fields: []crm.FieldError{{Field: joinPath(path, key), Message: "unknown field"}}}
			}
			if s, isString := child.(string); isString && s == "" && f.nonEmpty {
				return &crm.Error{Code: crm.EINVALID, Message: "invalid request body",
					Fields: []crm.FieldError{{Field: displayPath(joinPath(path, key)), Message: "must not be empty"}}}
			}
			if err := checkShape(child, f.typ, joinPath(path, key)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return mismatch("an array")
		}
		for i, child := range arr {
			if err := checkShape(child, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch("an object")
		}
		for key, child := range obj {
			if err := checkShape(child, t.Elem(), joinPath(path, key)); err != nil {
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
		out[name] = jsonField{typ: f.Type, nonEmpty: f.Tag.Get("crm") == "nonempty"}
	}
	return out
}

// jsonField is one JSON key of a struct: its Go type, and whether an empty
// string is refused (tag crm:"nonempty"): for optional strings whose
// absence and emptiness look alike once decoded, but where the contract
// forbids "".
type jsonField struct {
	typ      reflect.Type
	nonEmpty bool
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func displayPath(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
