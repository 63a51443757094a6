package httpapi_test

import (
	"fmt"
	"net/http"
	"time"
)

// payload is how the suites call one operation validly in a world: the
// ids its path takes, its body and query, and where its answer differs
// from the document's lowest 2xx. Every operation of both documents must
// have one (TestIsolation fails otherwise), so a new route is covered.
type payload struct {
	// args maps a path parameter to the world id it takes when not the
	// one of its own name (a DELETE removes a spare, say).
	args map[string]string
	// body is a valid body: a value encoded as JSON, or rawBody.
	body func(w *world) any
	// query is a valid query string.
	query func(w *world) string
	// headers are extra headers a valid call needs.
	headers []string
	// success is the status of a valid call when not the document's
	// lowest 2xx; otherIDs the status with the other org's ids in the
	// path or query, when not 404; withAuth, for a public operation, the
	// status when an Authorization header is sent anyway.
	success, otherIDs, withAuth int
}

// rawBody is a body sent as is, with its media type.
type rawBody struct {
	data        []byte
	contentType string
}

const (
	v4p       = "/v4/orgs/{org_id}"
	requestID = "Requestor-ID"
)

var payloads = map[string]payload{
	"GET /docs": {}, "GET /healthz": {}, "GET /readyz": {}, "GET /openapi/v4.yaml": {}, "GET /openapi/products.yaml": {},
	"GET /metrics": {success: http.StatusNotFound}, // no Prometheus handler in the tests

	"POST " + v4p + "/customers": {body: func(w *world) any { return w.privateCustomer() }},
	"GET " + v4p + "/customers": {query: func(w *world) string {
		return "identity_document=" + w.ids["nif"] + "&identity_document_type=NIF"
	}},
	"GET " + v4p + "/customers/{customer_id}": {},
	// Another org's document finds nothing there: an empty page.
	"GET " + v4p + "/customer-search": {otherIDs: http.StatusOK, query: func(w *world) string { return "q=" + w.ids["nif"] }},
	"PATCH " + v4p + "/customers/{customer_id}": {body: func(w *world) any {
		return map[string]any{"personal_info": map[string]any{"name": "Renamed" + w.tag}}
	}},
	"DELETE " + v4p + "/customers/{customer_id}": {args: map[string]string{"customer_id": "spare_customer_id"}},
	"PUT " + v4p + "/customers/{customer_id}/associated-users": {args: map[string]string{"customer_id": "corporate_customer_id"},
		body: func(w *world) any { return map[string]any{"associated_users": []any{w.associatedUser()}} }},
	"GET " + v4p + "/external-customers/{customer_external_id}": {},
	"GET " + v4p + "/customers/{customer_id}/accounts":          {},
	"POST " + v4p + "/customers/{customer_id}/accounts":         {body: func(w *world) any { return w.account() }},
	"DELETE " + v4p + "/customers/{customer_id}/accounts/{account_id}": {
		args: map[string]string{"account_id": "spare_account_id"}},
	"GET " + v4p + "/customers/{customer_id}/accounts/{account_id}/payment-methods": {},
	"GET " + v4p + "/customers/{customer_id}/credit-cards":                          {},
	"GET " + v4p + "/accounts/{account_id}":                                         {},
	"PATCH " + v4p + "/accounts/{account_id}/payment-method": {success: http.StatusNoContent, body: func(w *world) any {
		return map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": w.ids["iban"]}}
	}},
	"PUT " + v4p + "/accounts/{account_id}/billing-address":         {body: func(w *world) any { return w.address() }},
	"GET " + v4p + "/accounts/{account_id}/billing-address/history": {},
	"GET " + v4p + "/accounts/{account_id}/invoice-recipient":       {},
	"GET " + v4p + "/accounts/{account_id}/tokenization-requests":   {},
	"POST " + v4p + "/tokenization-requests/{reference_id}/result": {body: func(w *world) any {
		return map[string]any{"status": "FAILED"}
	}},
	"GET " + v4p + "/accounts/{account_id}/promotions": {},
	"POST " + v4p + "/accounts/{account_id}/promotions": {body: func(w *world) any {
		n := w.fresh()
		return map[string]any{"promotion_code": fmt.Sprintf("P%s%d", w.tag, n), "name": fmt.Sprintf("Promo %s %d", w.tag, n), "start_date": "2026-11-01"}
	}},
	"GET " + v4p + "/accounts/{account_id}/promotions/history": {},
	"PATCH " + v4p + "/accounts/{account_id}/promotions/{account_promotion_id}": {body: func(w *world) any {
		return map[string]any{"cancellation_date": "2026-12-31"}
	}},
	"POST " + v4p + "/accounts/{account_id}/contracts": {args: map[string]string{"account_id": "card_account_id"}, body: func(w *world) any {
		return map[string]any{"start_date": w.clock().Add(-time.Hour).Format(time.RFC3339), "requests": []any{w.contractRequest()}}
	}},
	"POST " + v4p + "/accounts/{account_id}/contracts/{contract_id}/requests":  {body: func(w *world) any { return w.contractRequest() }},
	"GET " + v4p + "/external-accounts/{account_external_id}":                  {},
	"GET " + v4p + "/external-accounts/{account_external_id}/contracts":        {},
	"GET " + v4p + "/external-accounts/{account_external_id}/contracts/active": {},
	"GET " + v4p + "/customers/{customer_id}/credentials":                      {},
	"POST " + v4p + "/customers/{customer_id}/credentials": {body: func(w *world) any {
		return map[string]any{"username": fmt.Sprintf("user%d.%s@example.com", w.fresh(), w.tag)}
	}},
	"POST " + v4p + "/customers/{customer_id}/credentials/migration": {args: map[string]string{"customer_id": "digital_customer_id"},
		body: func(w *world) any {
			return map[string]any{"username": w.ids["migrate_username"]}
		}},
	"DELETE " + v4p + "/customers/{customer_id}/credentials/{credential_id}": {
		args: map[string]string{"credential_id": "spare_credential_id"}},
	"GET " + v4p + "/customers/{customer_id}/identification-processes":                             {},
	"POST " + v4p + "/customers/{customer_id}/identification-processes":                            {body: func(w *world) any { return w.upload() }},
	"GET " + v4p + "/customers/{customer_id}/identification-processes/{identification_process_id}": {},
	"GET " + v4p + "/documents/{document_id}":                                                      {otherIDs: http.StatusForbidden, query: func(w *world) string { return w.ids["document_query"] }},
	"GET " + v4p + "/events":     {otherIDs: http.StatusBadRequest, query: func(w *world) string { return "limit=5&after=" + w.ids["events_cursor"] }},
	"GET " + v4p + "/categories": {},
	"POST " + v4p + "/categories": {body: func(w *world) any {
		return map[string]any{"categories": []any{map[string]any{"name": fmt.Sprintf("cat%d%s", w.fresh(), w.tag)}}}
	}},
	"GET " + v4p + "/categories/{category_id}": {},
	"PATCH " + v4p + "/categories/{category_id}": {body: func(w *world) any {
		return map[string]any{"description": "Risk of " + w.tag, "valid_values": []any{"high", "low"}}
	}},
	"GET " + v4p + "/customers/{customer_id}/categories": {},
	"POST " + v4p + "/customers/{customer_id}/categories": {args: map[string]string{"customer_id": "corporate_customer_id"},
		body: func(w *world) any { return w.customerCategory() }},
	"GET " + v4p + "/customers/{customer_id}/categories/historical": {},
	"PATCH " + v4p + "/customers/{customer_id}/categories/{category_id}": {body: func(w *world) any {
		return map[string]any{"value": "low", "reason": "Reviewed for " + w.tag}
	}},
	"GET " + v4p + "/special-treatment": {},
	"PATCH " + v4p + "/special-treatment": {body: func(w *world) any {
		return map[string]any{"values": []any{"gold", "vip"}}
	}},
	"GET " + v4p + "/customers/{customer_id}/special-treatment": {},
	"GET " + v4p + "/customers/{customer_id}/export":            {},
	"GET " + v4p + "/customers/{customer_id}/overview":          {},
	"GET " + v4p + "/customers/{customer_id}/events":            {query: func(w *world) string { return "limit=5" }},
	"POST " + v4p + "/customers/{customer_id}/erasure":          {args: map[string]string{"customer_id": "erased_customer_id"}, success: http.StatusNoContent},
	"GET " + v4p + "/customers/{customer_id}/erasure":           {args: map[string]string{"customer_id": "erased_customer_id"}},
	"POST " + v4p + "/customers/{customer_id}/merge": {body: func(w *world) any {
		return map[string]any{"merged_customer_id": w.ids["merged_customer_id"]}
	}},
	// Another org's customer id reads an empty log: nothing leaks.
	"GET " + v4p + "/customers/{customer_id}/access-log": {otherIDs: http.StatusOK},
	"GET " + v4p + "/access-log":                         {otherIDs: http.StatusOK, query: func(w *world) string { return "credential_id=gateway" }},
	"PUT " + v4p + "/customers/{customer_id}/special-treatment": {body: func(w *world) any {
		return map[string]any{"values": []any{"vip"}}
	}},
	"GET " + v4p + "/webhooks":                                                    {},
	"POST " + v4p + "/webhooks":                                                   {body: func(w *world) any { return w.webhook() }},
	"GET " + v4p + "/webhooks/{webhook_id}":                                       {},
	"DELETE " + v4p + "/webhooks/{webhook_id}":                                    {args: map[string]string{"webhook_id": "spare_webhook_id"}},
	"GET " + v4p + "/webhooks/{webhook_id}/dead-letters":                          {query: func(w *world) string { return "after=" + w.ids["dead_letter_cursor"] }},
	"POST " + v4p + "/webhooks/{webhook_id}/dead-letters/{dead_letter_id}/replay": {},

	"POST /oauth2/token": {withAuth: http.StatusBadRequest, body: func(w *world) any {
		return rawBody{[]byte("grant_type=client_credentials&client_id=" + w.ids["client_id"] + "&client_secret=" + w.clientSecret),
			"application/x-www-form-urlencoded"}
	}},
	"GET /customers/{customerId}/products":  {},
	"POST /customers/{customerId}/products": {headers: []string{requestID, requestor}, body: func(w *world) any { return map[string]any{"productCode": "WALLET"} }},
	"GET /products/{customerProductId}":     {},
	"PATCH /products/{customerProductId}": {headers: []string{requestID, requestor}, body: func(w *world) any {
		return map[string]any{"status": "CLOSED"}
	}},
}
