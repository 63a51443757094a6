package sqlstore

import (
	"database/sql"
	"fmt"
	"reflect"
)

// An overview's rows come from one statement whose columns are shared by
// all its parts (overviewUnion), so a part's values are scanned as they
// come from the driver and then set into its scan functions' destinations
// here, as database/sql's Scan would have, so that a part decodes as its
// ordinary read does. skipSpace and valueEnd walk the JSON of an event's
// changes (changedPaths).

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// valueEnd is the length of the JSON value b starts with, 0 if it is not
// complete.
func valueEnd(b []byte) int {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
				if depth == 0 {
					return i + 1
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return i // the end of the row holding a scalar
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case c == ',' || c == ' ' || c == '\n':
			if depth == 0 {
				return i
			}
		}
	}
	return 0
}

// assign sets *d to v, converting as database/sql's Scan would between
// the kinds the overview's columns have.
func assign(d any, v any) error {
	switch d := d.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *[]byte:
		switch x := v.(type) {
		case nil:
			*d = nil
		case string:
			*d = []byte(x)
		case []byte:
			*d = x
		default:
			return fmt.Errorf("cannot scan %T into []byte", v)
		}
		return nil
	}
	p := reflect.ValueOf(d)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("destination %T is not a pointer", d)
	}
	dv := p.Elem()
	if dv.Kind() == reflect.Pointer {
		// A nullable column: nil for NULL, else a new value.
		if v == nil {
			dv.SetZero()
			return nil
		}
		nv := reflect.New(dv.Type().Elem())
		if err := assignValue(nv.Elem(), v); err != nil {
			return err
		}
		dv.Set(nv)
		return nil
	}
	return assignValue(dv, v)
}

// assignValue sets dv, a string, integer, float or bool, to v.
func assignValue(dv reflect.Value, v any) error {
	switch x := v.(type) {
	case string:
		if dv.Kind() == reflect.String {
			dv.SetString(x)
			return nil
		}
	case []byte:
		if dv.Kind() == reflect.String {
			dv.SetString(string(x))
			return nil
		}
	case int64:
		switch dv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			dv.SetInt(x)
			return nil
		case reflect.Float32, reflect.Float64:
			dv.SetFloat(float64(x))
			return nil
		case reflect.Bool:
			dv.SetBool(x != 0)
			return nil
		}
	case float64:
		if dv.Kind() == reflect.Float32 || dv.Kind() == reflect.Float64 {
			dv.SetFloat(x)
			return nil
		}
	case bool:
		if dv.Kind() == reflect.Bool {
			dv.SetBool(x)
			return nil
		}
	}
	return fmt.Errorf("cannot scan %T into %s", v, dv.Type())
}
