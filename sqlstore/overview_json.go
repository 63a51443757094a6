package sqlstore

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// An overview's parts come back as JSON arrays of rows, each row an array
// of the part's columns (dialect.jsonRows), so that one statement carries
// them all. jsonRow hands such a row to the scan functions the ordinary
// reads use (scanAccount, scanProduct, ...), as the driver would have, so
// that both reads decode a row the same way.

// jsonRows calls fn with each row of a part's JSON array; NULL (an empty
// json_agg on PostgreSQL) is no rows. The array is the database's own
// output, so it is split into rows and values without validating it again
// (encoding/json would spend as long on that as on the bodies themselves);
// a value that is not what its column expects fails in Scan.
func jsonRows(part []byte, fn func(rowScanner) error) error {
	rest := skipSpace(part)
	if len(rest) == 0 || rest[0] == 'n' {
		return nil
	}
	var row jsonRow
	for {
		if len(rest) > 0 && rest[0] == ']' {
			return nil // the end of the rows
		}
		if len(rest) == 0 || (rest[0] != '[' && rest[0] != ',') {
			return fmt.Errorf("overview part: malformed JSON rows")
		}
		rest = skipSpace(rest[1:])
		if len(rest) > 0 && rest[0] == ']' {
			return nil // the outer array's end
		}
		if len(rest) == 0 || rest[0] != '[' {
			return fmt.Errorf("overview part: malformed JSON row")
		}
		row = row[:0]
		for rest[0] != ']' {
			// rest[0] is the row's '[' or the ',' before a value.
			rest = skipSpace(rest[1:])
			if len(rest) > 0 && rest[0] == ']' {
				break // an empty row
			}
			n := valueEnd(rest)
			if n <= 0 {
				return fmt.Errorf("overview part: malformed JSON value")
			}
			row = append(row, json.RawMessage(rest[:n]))
			rest = skipSpace(rest[n:])
			if len(rest) == 0 {
				return fmt.Errorf("overview part: truncated JSON row")
			}
		}
		if err := fn(row); err != nil {
			return err
		}
		rest = skipSpace(rest[1:])
	}
}

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

// jsonRow is one row of a part: its columns' JSON values.
type jsonRow []json.RawMessage

// Scan sets dest from the row's values, as sql.Rows.Scan does for the
// destinations the store's scan functions use.
func (r jsonRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("overview row: %d values, %d destinations", len(r), len(dest))
	}
	for i, d := range dest {
		v, err := jsonValue(r[i])
		if err != nil {
			return fmt.Errorf("overview column %d: %w", i, err)
		}
		if err := assign(d, v); err != nil {
			return fmt.Errorf("overview column %d: %w", i, err)
		}
	}
	return nil
}

// jsonValue is a JSON value as a driver would give it: nil, string, int64,
// float64, bool, or, for an object or array (a JSON column embedded as
// such), its JSON text as []byte.
func jsonValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '{', '[':
		return []byte(raw), nil
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), nil
		}
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, nil
	}
	return strconv.ParseFloat(string(raw), 64)
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
