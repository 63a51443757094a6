package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/httpapi"
)

// TestInputHygiene (hole 10): a JSON body not declared application/json
// is a 415, a body of null, an array or a scalar is a 400, and an unknown
// query parameter is the same 400 on every route.
func TestInputHygiene(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		tests := []struct {
			method, path, body string
			headers            []string
			status             int
			want               string // the details, joined
		}{
			{"POST", base + "/customers", `{"type":"PRIVATE_CUSTOMER"}`, []string{"Content-Type", "text/plain"}, 415, "MCUS.415.001 Content-Type must be application/json"},
			{"POST", base + "/customers", `{"type":"PRIVATE_CUSTOMER"}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "MCUS.415.001 Content-Type must be application/json"},
			{"PATCH", base + "/customers/" + cid, `{}`, []string{"Content-Type", ""}, 415, "MCUS.415.001 Content-Type must be application/json"},
			{"PATCH", base + "/customers/" + cid, `{}`, []string{"Content-Type", "application/json; charset=latin1"}, 415, "MCUS.415.001 Content-Type must be application/json with no charset or charset=utf-8"},
			{"PATCH", base + "/customers/" + cid, `null`, nil, 400, "MCUS.400.002 body: must be an object"},
			{"PATCH", base + "/customers/" + cid, ` null `, nil, 400, "MCUS.400.002 body: must be an object"},
			{"PATCH", base + "/customers/" + cid, `[]`, nil, 400, "MCUS.400.002 body: must be an object"},
			{"PATCH", base + "/customers/" + cid, `"x"`, nil, 400, "MCUS.400.002 body: must be an object"},
			{"PATCH", base + "/customers/" + cid, `7`, nil, 400, "MCUS.400.002 body: must be an object"},
			{"PATCH", base + "/special-treatment", `null`, nil, 400, "MCUS.400.002 body: must be an object"},
			{"GET", base + "/customers/" + cid + "?verbose=1", "", nil, 400, "MCUS.400.005 verbose: unknown query parameter"},
			{"GET", base + "/customers?email=a@b.es&debug=1", "", nil, 400, "MCUS.400.005 debug: unknown query parameter"},
			{"GET", base + "/events?limit=1&x=1", "", nil, 400, "MCUS.400.005 x: unknown query parameter"},
			{"GET", base + "/webhooks?after=x", "", nil, 400, "MCUS.400.005 after: unknown query parameter"},
			{"POST", base + "/customers?dry_run=true", `{"type":"PRIVATE_CUSTOMER"}`, nil, 400, "MCUS.400.005 dry_run: unknown query parameter"},
			{"GET", "/healthz?x=1", "", nil, 400, "MCUS.400.005 x: unknown query parameter"},
			{"GET", base + "/customers?email=%zz", "", nil, 400, "MCUS.400.005 query: is not a valid query string"},
			{"GET", base + "/customers?4111111111111111=1", "", nil, 400, "MCUS.400.005 query: has a parameter name that is not valid"},
		}
		for _, tt := range tests {
			r := e.do(tt.method, tt.path, e.admin, nilIfEmpty(tt.body), tt.headers...)
			if r.Status != tt.status {
				t.Errorf("%s %s %s: %d %s, want %d", tt.method, tt.path, tt.body, r.Status, r.Body, tt.status)
				continue
			}
			if got := detailsWithCodes(t, r); got != tt.want {
				t.Errorf("%s %s %s: %q, want %q", tt.method, tt.path, tt.body, got, tt.want)
			}
		}
	})
}

func detailsWithCodes(t *testing.T, r response) string {
	t.Helper()
	var body httpapi.ErrorResponse
	r.json(t, &body)
	var out []string
	for _, e := range body.Errors {
		out = append(out, e.Code+" "+e.Details)
	}
	return strings.Join(out, " | ")
}

// TestProductsInputHygiene: the same rules on the products surface, in its
// own error body.
func TestProductsInputHygiene(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, true)
		pid := e.create(tok, cid, "WALLET")
		list := "/customers/" + cid + "/products"
		tests := []struct {
			method, path, body string
			headers            []string
			status             int
			want               string
		}{
			{"POST", list, `{"productCode":"WALLET"}`, []string{"Requestor-ID", requestor, "Content-Type", "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
			{"PATCH", "/products/" + pid, `{"status":"CLOSED"}`, []string{"Requestor-ID", requestor, "Content-Type", "text/json"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
			{"PATCH", "/products/" + pid, `null`, []string{"Requestor-ID", requestor}, 400, "MALFORMED_REQUEST body"},
			{"PATCH", "/products/" + pid, `["CLOSED"]`, []string{"Requestor-ID", requestor}, 400, "MALFORMED_REQUEST body"},
			{"GET", "/products/" + pid + "?expand=all", "", nil, 400, "INVALID_PARAMETER expand"},
			{"GET", list + "?status=ACTIVE&sort=asc", "", nil, 400, "INVALID_PARAMETER sort"},
			{"GET", list + "?productCode=%00", "", nil, 400, "INVALID_PARAMETER productCode"},
			{"POST", list, `{"productCode":"WALLET\u0000"}`, []string{"Requestor-ID", requestor}, 400, "MALFORMED_REQUEST productCode"},
			{"POST", list, `{"productCode":"WALLET"}`, []string{"Requestor-ID", requestor, "Idempotency-Key", "4111-1111-1111-1111"}, 400, "INVALID_PARAMETER Idempotency-Key"},
		}
		for _, tt := range tests {
			r := e.do(tt.method, tt.path, tok, nilIfEmpty(tt.body), tt.headers...)
			if r.Status != tt.status {
				t.Errorf("%s %s %s: %d %s, want %d", tt.method, tt.path, tt.body, r.Status, r.Body, tt.status)
				continue
			}
			if got := r.problem(t); got != tt.want {
				t.Errorf("%s %s %s: %q, want %q", tt.method, tt.path, tt.body, got, tt.want)
			}
		}
	})
}

// TestQueryParametersAreDocumented: the query parameters each route
// declares (and takes) are exactly those its operation documents, on both
// surfaces, so that the unknown-parameter 400 never refuses a documented
// parameter nor lets an undocumented one through.
func TestQueryParametersAreDocumented(t *testing.T) {
	t.Parallel()
	surfaces := []struct {
		c      *contract
		routes []string
	}{
		{loadContract(t), httpapi.New(httpapi.Config{}).Routes()},
		{loadProductsContract(t), httpapi.NewProducts(httpapi.ProductsConfig{}).Routes()},
	}
	declared := map[string]bool{}
	for _, s := range surfaces {
		for _, route := range s.routes {
			declared[route] = true
			method, path, _ := strings.Cut(route, " ")
			item := s.c.doc.Paths.Find(path)
			if item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s is not in the %s document", route, s.c.name)
				continue
			}
			var documented []string
			for _, p := range append(item.GetOperation(method).Parameters, item.Parameters...) {
				if p.Value.In == "query" {
					documented = append(documented, p.Value.Name)
				}
			}
			got := slices.Sorted(slices.Values(httpapi.RouteQuery[route]))
			slices.Sort(documented)
			if diff := cmp.Diff(documented, got); diff != "" {
				t.Errorf("%s: query parameters (-documented +declared):\n%s", route, diff)
			}
		}
	}
	for route := range httpapi.RouteQuery {
		if !declared[route] {
			t.Errorf("query parameters declared for %s, which is not a route", route)
		}
	}
}
