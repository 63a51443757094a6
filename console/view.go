package console

import (
	"encoding/json"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{"label": label, "dict": dict}

// dict is a map of its key, value arguments, to pass several values to a
// template.
func dict(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// label is an API code as an agent reads it: PRIVATE_CUSTOMER as
// "Private customer", identity_document as "Identity document".
func label(code string) string {
	s := strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(code))
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// field is one value of a JSON answer, named by its path
// (contact_info.emails[0].email), for the pages' definition lists.
type field struct {
	Name, Value string
}

// flatten lists v's leaves by path, objects' keys sorted, so that every
// field the API answers is shown without the console knowing the schema.
func flatten(v any) []field {
	var out []field
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, x[k])
			}
		case []any:
			if len(x) == 0 {
				out = append(out, field{path, "(none)"})
			}
			for i, e := range x {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		case nil:
			if path != "" {
				out = append(out, field{path, "—"})
			}
		default:
			out = append(out, field{path, str(x)})
		}
	}
	walk("", v)
	return out
}

// str is a JSON scalar as text; "" for nil.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
}

// displayName is who the customer is: a person's name and surnames, a
// company's legal name, else its id.
func displayName(c customerDoc) string {
	for _, p := range []*personDoc{c.PersonalInfo, c.DigitalPersonalInfo} {
		if p != nil && fullName(p) != "" {
			return fullName(p)
		}
	}
	if c.CompanyInfo != nil && c.CompanyInfo.LegalName != "" {
		return c.CompanyInfo.LegalName
	}
	return "Customer " + c.ID
}
