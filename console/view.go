package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{"label": label}

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

// displayName is who the customer is, from whichever info block its type
// has: a person's name and surnames, a company's legal name, else its id.
func displayName(c map[string]any) string {
	for _, block := range []string{"personal_info", "digital_personal_info"} {
		if p, ok := c[block].(map[string]any); ok {
			var parts []string
			for _, k := range []string{"name", "first_surname", "second_surname"} {
				if s := str(p[k]); s != "" {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				return strings.Join(parts, " ")
			}
		}
	}
	if p, ok := c["company_info"].(map[string]any); ok {
		if s := str(p["legal_name"]); s != "" {
			return s
		}
	}
	return fmt.Sprintf("Customer %s", str(c["id"]))
}
