package crm

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Optional is a PATCH field: absent (Set false), null (Set and Null), or a
// value. It lets a merge tell "leave it" from "clear it".
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Some returns an Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// UnmarshalJSON is called only when the key is present, which is what makes
// absence observable.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// MarshalJSON writes the value or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// OptionalElem reports the type inside the Optional, so that a decoder that
// walks a schema by reflection can see through it.
func (o Optional[T]) OptionalElem() reflect.Type { return reflect.TypeFor[T]() }
