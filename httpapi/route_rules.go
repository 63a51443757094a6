package httpapi

import (
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/telcoops/crm"
)

// routeQuery declares, per route of either surface ("METHOD pattern" as
// registered), the query parameters it takes; a route not listed takes
// none. Any other parameter is refused with the same 400 on every route,
// before the handler runs. TestQueryParametersAreDocumented holds this to
// the OpenAPI documents.
var routeQuery = map[string][]string{
	"GET /v4/orgs/{org_id}/customers":                                     {"identity_document", "identity_document_type", "email", "username"},
	"GET /v4/orgs/{org_id}/accounts/{account_id}/billing-address/history": {"from", "to"},
	"GET /v4/orgs/{org_id}/accounts/{account_id}/promotions":              {"account_promotion_type"},
	"GET /v4/orgs/{org_id}/accounts/{account_id}/promotions/history":      {"start_date"},
	"GET /v4/orgs/{org_id}/documents/{document_id}":                       {"expires", "signature"},
	"GET /v4/orgs/{org_id}/events":                                        {"after", "limit"},
	"GET /v4/orgs/{org_id}/customers/{customer_id}/events":                {"cursor", "limit"},
	"GET /v4/orgs/{org_id}/customers/{customer_id}/access-log":            {"after", "limit"},
	"GET /v4/orgs/{org_id}/access-log":                                    {"credential_id", "after", "limit"},
	"GET /v4/orgs/{org_id}/webhooks/{webhook_id}/dead-letters":            {"status", "after", "limit"},
	"GET /customers/{customerId}/products":                                {"productType", "productCode", "status", "iban"},
	"GET /v4/orgs/{org_id}/customer-search":                               {"q", "limit", "after"},
}

// panExempt are the parameters whose own rule validates them, where long
// digit runs are expected: an IBAN filter, opaque cursors, the signature
// of a document link, and the search box's q (crm.ParseSearchQuery refuses
// card numbers, but not the IBANs and phones whose digits look like one).
var panExempt = map[string]bool{"iban": true, "after": true, "cursor": true, "expires": true, "signature": true, "q": true}

// wildcardPattern finds the wildcards of a ServeMux pattern.
var wildcardPattern = regexp.MustCompile(`\{([A-Za-z0-9_]+)(?:\.\.\.)?\}`)

// checkInput wraps the handler of route (as registered) so that its path
// and query parameters are checked before it runs: no parameter the route
// does not declare, and no value holding text a database would refuse
// (crm.CheckText) or a card number (crm.ContainsPAN). Problems are 400s
// naming the parameter, never echoing a suspect value.
func checkInput(route string, h http.HandlerFunc, writeError func(http.ResponseWriter, *http.Request, error)) http.HandlerFunc {
	var wildcards []string
	for _, m := range wildcardPattern.FindAllStringSubmatch(route, -1) {
		wildcards = append(wildcards, m[1])
	}
	allowed := routeQuery[route]
	return func(w http.ResponseWriter, r *http.Request) {
		if err := inputProblem(r, wildcards, allowed); err != nil {
			writeError(w, r, err)
			return
		}
		h(w, r)
	}
}

func inputProblem(r *http.Request, wildcards, allowed []string) error {
	for _, name := range wildcards {
		if err := checkParam(name, r.PathValue(name), true); err != nil {
			return err
		}
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return paramError("query", "is not a valid query string")
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if crm.CheckText(name) != "" || crm.ContainsPAN(name) {
			return paramError("query", "has a parameter name that is not valid")
		}
		if !slices.Contains(allowed, name) {
			return paramError(name, "unknown query parameter")
		}
		for _, v := range q[name] {
			if err := checkParam(name, v, !panExempt[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkParam refuses a parameter value no database may hold, or (pan) a
// card number.
func checkParam(name, v string, pan bool) error {
	if why := crm.CheckText(v); why != "" {
		return paramError(name, "%s", why)
	}
	if pan && crm.ContainsPAN(v) {
		return paramError(name, "must not contain a card number")
	}
	return nil
}
