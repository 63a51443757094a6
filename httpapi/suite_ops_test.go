package httpapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/telcoops/crm"
)

// suiteOp is one operation of one of the service's OpenAPI documents, with
// what the isolation and bad-input suites need to know of it. The suites
// iterate these, so a route added to a document is tested (or the suites
// fail for want of its payload) without anyone remembering to add it.
type suiteOp struct {
	surface  string // "v4" or "products"
	key      string // "METHOD /path", as in the document
	method   string
	path     string
	roles    []crm.Role // x-required-roles (v4) or OAuth2 scopes (products)
	public   bool       // security: [] (no credential needed)
	success  int        // the lowest 2xx the document lists
	pathArgs []string   // path parameters, in order
	query    []*openapi3.Parameter
	body     *openapi3.Schema // the JSON request body's schema; nil if none
	bodyKind string           // "", "json", "multipart" or "form"
	contract *contract
}

// suiteOperations lists every operation of both documents, sorted by
// surface and key so that runs are reproducible, and fails the test for
// any that payloads does not say how to call.
func suiteOperations(t *testing.T) []suiteOp {
	t.Helper()
	var out []suiteOp
	for _, c := range []*contract{loadContract(t), loadProductsContract(t)} {
		for _, path := range c.doc.Paths.InMatchingOrder() {
			item := c.doc.Paths.Value(path)
			for method, op := range item.Operations() {
				out = append(out, newSuiteOp(t, c, method, path, item, op))
			}
		}
	}
	slices.SortFunc(out, func(a, b suiteOp) int { return strings.Compare(a.surface+a.key, b.surface+b.key) })
	for _, o := range out {
		if _, ok := payloads[o.key]; !ok {
			t.Errorf("%s %s has no entry in payloads (suite_payloads_test.go): add how to call it validly", o.surface, o.key)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func newSuiteOp(t *testing.T, c *contract, method, path string, item *openapi3.PathItem, op *openapi3.Operation) suiteOp {
	o := suiteOp{surface: c.name, key: method + " " + path, method: method, path: path, contract: c}
	o.public = op.Security != nil && len(*op.Security) == 0
	if raw, ok := op.Extensions["x-required-roles"].([]any); ok {
		for _, r := range raw {
			o.roles = append(o.roles, crm.Role(r.(string)))
		}
	}
	if op.Security != nil {
		for _, req := range *op.Security {
			for _, scopes := range req {
				for _, s := range scopes {
					o.roles = append(o.roles, crm.Role(s))
				}
			}
		}
	}
	if !o.public && len(o.roles) == 0 {
		t.Fatalf("%s %s: neither public nor requiring a role", c.name, o.key)
	}
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 && (o.success == 0 || n < o.success) {
			o.success = n
		}
	}
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		switch p.Value.In {
		case openapi3.ParameterInPath:
			o.pathArgs = append(o.pathArgs, p.Value.Name)
		case openapi3.ParameterInQuery:
			o.query = append(o.query, p.Value)
		}
	}
	if rb := op.RequestBody; rb != nil {
		for media, mt := range rb.Value.Content {
			switch media {
			case "application/json":
				o.bodyKind, o.body = "json", mt.Schema.Value
			case "multipart/form-data":
				o.bodyKind = "multipart"
			case "application/x-www-form-urlencoded":
				o.bodyKind = "form"
			}
		}
	}
	return o
}

// url is the operation's path with args for its path parameters and the
// given query string.
func (o suiteOp) url(args map[string]string, query string) string {
	p := o.path
	for _, name := range o.pathArgs {
		p = strings.Replace(p, "{"+name+"}", args[name], 1)
	}
	if query != "" {
		p += "?" + query
	}
	return p
}

// mutates says whether the operation may write.
func (o suiteOp) mutates() bool { return o.method != http.MethodGet }
