package jsonstrict

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"sync"
)

// decodeFast decodes b into dst with encoding/json, unknown fields refused,
// when that is sure to accept exactly what the strict walk accepts, and
// reports whether it did. That holds when every object key in b is spelled
// as a field name of dst's types (all lower case, so encoding/json's case
// folding cannot match a key another way), no value is an empty string
// (the walk refuses "" in fields tagged crm:"nonempty") and the types hold
// no map (whose keys the spelling check cannot know). It is several times
// faster than building and walking a generic tree (BenchmarkDecodeStrict);
// a body it refuses, or may not judge, goes to the walk, which names the
// problem. FuzzDecodeStrict holds the two paths to the same results.
func decodeFast(b []byte, dst any) bool {
	keys, ok := fastKeys(reflect.TypeOf(dst).Elem())
	if !ok || bytes.Contains(b, []byte(`""`)) || !keysKnown(b, keys) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(dst) != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// fastKeyCache holds, per type, its fastKeySet.
var fastKeyCache sync.Map // reflect.Type -> fastKeySet

type fastKeySet struct {
	keys map[string]bool
	ok   bool // the fast path may serve the type
}

// fastKeys returns the JSON keys of every struct t holds, and whether the
// fast path may serve t.
func fastKeys(t reflect.Type) (map[string]bool, bool) {
	if v, ok := fastKeyCache.Load(t); ok {
		s := v.(fastKeySet)
		return s.keys, s.ok
	}
	s := fastKeySet{keys: map[string]bool{}, ok: true}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		optional := false
		for {
			switch {
			case t.Implements(optionalIface):
				t = reflect.Zero(t).Interface().(optionalElem).OptionalElem()
				optional = true
				continue
			case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
				t = t.Elem()
				continue
			}
			break
		}
		if reflect.PointerTo(t).Implements(textUnmarshalerIface) {
			return // a string on the wire
		}
		if optional && t.Kind() == reflect.Struct {
			// Optional decodes its value with json.Unmarshal, which ignores
			// unknown fields: only the walk refuses them there.
			s.ok = false
		}
		if seen[t] {
			return
		}
		seen[t] = true
		switch {
		case t.Kind() == reflect.Map || t.Kind() == reflect.Interface:
			s.ok = false
		case reflect.PointerTo(t).Implements(jsonUnmarshalerIface):
			s.ok = false // decodes itself: the walk's rules may not be its
		case t.Kind() == reflect.Struct:
			for name, f := range jsonFields(t) {
				if name != strings.ToLower(name) || strings.ContainsAny(name, `"\`) {
					s.ok = false
				}
				s.keys[name] = true
				walk(f.typ)
			}
		}
	}
	walk(t)
	fastKeyCache.Store(t, s)
	return s.keys, s.ok
}

var jsonUnmarshalerIface = reflect.TypeFor[json.Unmarshaler]()

// keysKnown reports whether every object key in b is one of keys as
// spelled, without escapes.
func keysKnown(b []byte, keys map[string]bool) bool {
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
		if j < len(b) && b[j] == ':' && (escaped || !keys[string(key)]) {
			return false
		}
	}
	return true
}
