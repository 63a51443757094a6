package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/telcoops/crm/httpapi"
)

// badCase is one refused request: a target, a body and its media type.
type badCase struct {
	name, target string
	body         []byte
	contentType  string
}

// injections go into every id path segment and query parameter: SQL,
// path traversal, a literal %00, markup, a real NUL, and a value longer
// than PostgreSQL takes in an index (about 2.7 KB).
var injections = []struct{ name, raw string }{
	{"sql", "' OR 1=1--"}, {"traversal", "../../etc/passwd"}, {"literal %00", "%00"},
	{"script", "<script>alert(1)</script>"}, {"NUL", "\x00"}, {"4 KiB", strings.Repeat("a", 4<<10)},
}

// malformed are bodies no JSON operation takes.
var malformed = []struct{ name, body string }{
	{"truncated", `{"a":`}, {"not JSON", `hello`}, {"array", `[]`}, {"string", `"x"`},
	{"two objects", `{} {}`}, {"trailing comma", `{"a":1,}`}, {"null", `null`},
}

// Placeholders setField replaces once the body is encoded: by a string
// holding a raw 0xFF byte, and by strings of 1 MB and 60 KiB (which
// encoding would copy and scan for every case).
const (
	invalidUTF8 = "\x01bad-utf8\x01"
	megabyte    = "\x01megabyte\x01"
	sixtyKiB    = "\x0160KiB\x01"
)

// badCases are the cases of o in w: for each id path parameter and
// query parameter every injection, and for a body malformed JSON, a
// wrong type in every field its schema names, NUL, invalid UTF-8,
// 60 KiB (under the body limit) and 1 MB in every string field, 10,000
// levels of nesting, a body over the limit and the wrong media type.
func badCases(o suiteOp, w *world) []badCase {
	p := payloads[o.key]
	vals := map[string]string{}
	for _, name := range o.pathArgs {
		key := name
		if k, ok := p.args[name]; ok {
			key = k
		}
		vals[name] = url.PathEscape(w.ids[key])
	}
	var query string
	if p.query != nil {
		query = p.query(w)
	}
	body, ct := encodeBody(p, w)
	var out []badCase
	for _, name := range o.pathArgs {
		for _, in := range injections {
			bad := withArg(vals, name, url.PathEscape(in.raw))
			out = append(out, badCase{"path " + name + ": " + in.name, o.url(bad, query), body, ct})
		}
	}
	for _, q := range o.query {
		for _, in := range injections {
			out = append(out, badCase{"query " + q.Name + ": " + in.name, o.url(vals, url.Values{q.Name: {in.raw}}.Encode()), body, ct})
		}
	}
	target := o.url(vals, query)
	add := func(name string, b []byte, ct string) { out = append(out, badCase{name, target, b, ct}) }
	switch o.bodyKind {
	case "json":
		for _, m := range malformed {
			add("malformed: "+m.name, []byte(m.body), "application/json")
		}
		var valid any
		if err := json.Unmarshal(body, &valid); err != nil {
			panic(err)
		}
		for _, f := range schemaFields(o.body, "", nil) {
			add("wrong type: "+f.path, setField(valid, f.path, wrongType(f.schema)), ct)
			if f.schema.Type.Includes("string") {
				add("NUL: "+f.path, setField(valid, f.path, "a\x00b"), ct)
				add("invalid UTF-8: "+f.path, setField(valid, f.path, invalidUTF8), ct)
				add("1 MB: "+f.path, setField(valid, f.path, megabyte), ct)
				add("60 KiB: "+f.path, setField(valid, f.path, sixtyKiB), ct)
			}
		}
		add("nesting 10000", []byte(`{"x":`+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+`}`), ct)
		add("over-size", append(slices.Clone(body), bytes.Repeat([]byte(" "), httpapi.MaxBodyBytes)...), ct)
		add("media type text/plain", body, "text/plain")
	case "multipart":
		add("JSON instead of a form", []byte(`{"type":"NIF"}`), "application/json")
		add("malformed form", []byte("--x\r\nnot a part"), "multipart/form-data; boundary=x")
		add("no boundary", body, "multipart/form-data")
		data, mct := form(w.s.t, document("id.pdf", "application/pdf", testPDF), docType("NIF\x00"))
		add("NUL in type", data, mct)
		data, mct = form(w.s.t, document(strings.Repeat("n", 300)+".pdf", "application/pdf", testPDF), docType("NIF"))
		add("file name 304 bytes", data, mct)
		data, mct = form(w.s.t, document("id\xff.pdf", "application/pdf", testPDF), docType("NIF"))
		// form quotes the name with %q, which writes \xff as text.
		add("invalid UTF-8 file name", bytes.Replace(data, []byte(`id\xff.pdf`), []byte("id\xff.pdf"), 1), mct)
	case "form":
		for _, f := range []string{"%zz", "client_id=%00&client_secret=x&grant_type=client_credentials",
			"client_id=%FF&client_secret=x&grant_type=client_credentials", "grant_type=" + strings.Repeat("a", 1<<20)} {
			add(fmt.Sprintf("form %.24q", f), []byte(f), ct)
		}
	}
	return out
}

// withArg is a copy of m with k set to v.
func withArg(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	out[k] = v
	return out
}

// field is a property a request schema names, at a path such as
// "contact_info.emails[0].email".
type field struct {
	path   string
	schema *openapi3.Schema
}

// schemaFields walks a request schema (through allOf, oneOf and anyOf,
// into objects and array items) and lists its fields once each.
func schemaFields(s *openapi3.Schema, prefix string, seen map[string]bool) []field {
	if seen == nil {
		seen = map[string]bool{}
	}
	var out []field
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			out = append(out, schemaFields(sub.Value, prefix, seen)...)
		}
	}
	if s.Items != nil && s.Items.Value != nil {
		out = append(out, schemaFields(s.Items.Value, prefix+"[0]", seen)...)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		sub := s.Properties[name].Value
		path := strings.TrimPrefix(prefix+"."+name, ".")
		if !seen[path] {
			seen[path] = true
			out = append(out, field{path, sub})
		}
		out = append(out, schemaFields(sub, path, seen)...)
	}
	return out
}

// wrongType is a value of another JSON type than the schema's.
func wrongType(s *openapi3.Schema) any {
	if s.Type.Includes("string") {
		return 12345
	}
	return "wrong"
}
