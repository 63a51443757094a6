package crm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"
)

// MaxImportLineBytes bounds one line of an import file, as the API bounds a
// request body.
const MaxImportLineBytes = 1 << 20

// ImportLine is one line of a bulk import (crmd import): a customer as
// POST /v4/orgs/{org}/customers takes it, its optional external_id
// included, with the accounts to open for it as POST
// .../customers/{id}/accounts takes them.
type ImportLine struct {
	NewCustomer
	Accounts []NewAccount `json:"accounts,omitempty"`
}

// ImportRejection is one line of an import's report: a line that was not
// imported, and why, one "field.path: message" per problem.
type ImportRejection struct {
	Line       int      `json:"line"`
	ExternalID *string  `json:"external_id"`
	Errors     []string `json:"errors"`
}

// DecodeImportLine decodes one line strictly, as the API decodes a body:
// one JSON object, no unknown field (names match exactly, not folded),
// every value of its field's type. Its errors are *Error naming the field
// path, e.g. accounts[0].payment_method.type.
func DecodeImportLine(b []byte) (*ImportLine, error) {
	if len(b) > MaxImportLineBytes {
		return nil, Errorf(EMALFORMED, "the line is longer than %d bytes", MaxImportLineBytes)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, Errorf(EMALFORMED, "the line is empty")
	}
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

// ImportLineExternalID digs the customer's external_id out of a line that
// may not decode strictly, so that its rejection still names it.
func ImportLineExternalID(b []byte) *string {
	var probe struct {
		ExternalID any `json:"external_id"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return nil
	}
	if s, ok := probe.ExternalID.(string); ok {
		return &s
	}
	return nil
}

// Normalize puts the customer and its accounts in canonical form.
func (l *ImportLine) Normalize() {
	l.CustomerData.Normalize()
	for i := range l.Accounts {
		l.Accounts[i].Normalize()
	}
}

// Validate checks the line with the API's rules for a new customer and for
// each new account (problems of accounts[i] are named under it). A
// CREDIT_CARD payment method is refused: it needs a token of one of the
// customer's cards, and a customer being created has none yet.
func (l *ImportLine) Validate(now time.Time) error {
	var p Problems
	addAll := func(prefix string, err error) {
		var e *Error
		if !errors.As(err, &e) {
			if err != nil {
				p.Add(strings.TrimSuffix(prefix, "."), "%s", err.Error())
			}
			return
		}
		for _, f := range e.Fields {
			p.Add(prefix+f.Field, "%s", f.Message)
		}
	}
	addAll("", l.NewCustomer.Validate(now))
	for i := range l.Accounts {
		a := &l.Accounts[i]
		at := fmt.Sprintf("accounts[%d].", i)
		addAll(at, a.Validate())
		if pm := a.PaymentMethod; pm != nil && pm.Type == PaymentCreditCard && pm.Details != nil &&
			pm.Details.TokenID != nil && IsUUID(*pm.Details.TokenID) {
			p.Add(at+"payment_method.details.token_id", "is not a tokenized card of this customer")
		}
	}
	return p.Err()
}

// ErrorStrings lists err as the report shows it: one "field.path: message"
// per problem, or its message.
func ErrorStrings(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return []string{"internal error"}
	}
	if len(e.Fields) == 0 {
		return []string{e.Message}
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.String()
	}
	return out
}

var importLineType = reflect.TypeFor[ImportLine]()

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
