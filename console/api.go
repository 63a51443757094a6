package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/telcoops/crm"
)

// This file is the console's only view of the service: every read and
// write is a request to the service's handler, served in-process with the
// agent's credentials in Authorization exactly as a client would send
// them (the API key on v4, an access token of the agent's OAuth client on
// products), so that the API's role checks, org scoping, masking,
// validation, If-Match and access log apply unchanged.
//
// The search page is one customer-search call; the customer page reads
// the customer-360 overview, plus the GETs whose ETags its forms send back
// as If-Match (the overview carries no versions).

// api calls the service in-process as one agent: v4 with the agent's API
// key, products with the access token of the agent's OAuth client.
type api struct {
	h         http.Handler
	key       string
	org       string
	reason    string                                        // X-Access-Reason, when the agent gave one
	remote    string                                        // the agent's address, for the API's request log
	products  func(ctx context.Context) (string, apiResult) // the products access token, or why there is none
	requestor string                                        // Requestor-ID of product changes
}

// call sends one request to /v4/orgs/{org}+path.
func (a api) call(ctx context.Context, method, path string, hdr http.Header, body io.Reader) apiResult {
	if hdr == nil {
		hdr = http.Header{}
	}
	hdr.Set("Authorization", "Bearer "+a.key)
	if a.reason != "" {
		hdr.Set(crm.AccessReasonHeader, a.reason)
	}
	return serve(ctx, a.h, a.remote, method, "/v4/orgs/"+url.PathEscape(a.org)+path, hdr, body)
}

// send writes v as JSON to path with method, under If-Match when etag is
// set and a fresh Idempotency-Key on a POST.
func (a api) send(ctx context.Context, method, path, etag string, v any) apiResult {
	raw, err := json.Marshal(v)
	if err != nil {
		return apiResult{Status: http.StatusBadRequest, Body: errorBody(err.Error())}
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if etag != "" {
		hdr.Set("If-Match", etag)
	}
	if method == http.MethodPost {
		hdr.Set("Idempotency-Key", randomToken())
	}
	return a.call(ctx, method, path, hdr, bytes.NewReader(raw))
}

// The v4 endpoints. Paths are relative to /v4/orgs/{org}.

func customerPath(id string) string { return "/customers/" + url.PathEscape(id) }
func accountPath(id string) string  { return "/accounts/" + url.PathEscape(id) }

// checkKey proves the key is valid for the org: the org's categories are
// readable by every key that can read customers, masked or not.
func (a api) checkKey(ctx context.Context) apiResult { return a.get(ctx, "/categories") }

// searchPageSize is how many customers a page of search results shows.
const searchPageSize = 20

// search is the agents' search box (v4 GET /customer-search): one page of
// the customers q matches, after the cursor of the previous page.
func (a api) search(ctx context.Context, q, after string, limit int) apiResult {
	v := url.Values{"q": {q}, "limit": {fmt.Sprint(limit)}}
	if after != "" {
		v.Set("after", after)
	}
	return a.get(ctx, "/customer-search?"+v.Encode())
}

// overview is the customer-360 read: the customer, its accounts,
// products, categories, identification and latest events in one answer.
func (a api) overview(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/overview")
}

// merge merges other into the customer id (the survivor, whose ETag is
// etag).
func (a api) merge(ctx context.Context, id, etag, other string) apiResult {
	return a.send(ctx, http.MethodPost, customerPath(id)+"/merge", etag, map[string]string{"merged_customer_id": other})
}

func (a api) customer(ctx context.Context, id string) apiResult { return a.get(ctx, customerPath(id)) }
func (a api) account(ctx context.Context, id string) apiResult  { return a.get(ctx, accountPath(id)) }
func (a api) customerCategories(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/categories")
}
func (a api) categories(ctx context.Context) apiResult { return a.get(ctx, "/categories") }

// customerEvents reads one page of a customer's history (v4 GET
// /customers/{id}/events), newest first, older than cursor ("": the
// newest).
func (a api) customerEvents(ctx context.Context, id, cursor string, limit int) apiResult {
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return a.get(ctx, customerPath(id)+"/events?"+q.Encode())
}

func (a api) patchCustomer(ctx context.Context, id, etag string, patch any) apiResult {
	return a.send(ctx, http.MethodPatch, customerPath(id), etag, patch)
}
func (a api) deactivate(ctx context.Context, id, etag string) apiResult {
	hdr := http.Header{}
	if etag != "" {
		hdr.Set("If-Match", etag)
	}
	return a.call(ctx, http.MethodDelete, customerPath(id), hdr, nil)
}
func (a api) addCategory(ctx context.Context, id string, body any) apiResult {
	return a.send(ctx, http.MethodPost, customerPath(id)+"/categories", "", body)
}
func (a api) patchCategory(ctx context.Context, id string, category int64, etag string, body any) apiResult {
	return a.send(ctx, http.MethodPatch, customerPath(id)+"/categories/"+fmt.Sprint(category), etag, body)
}
func (a api) putBillingAddress(ctx context.Context, account, etag string, body any) apiResult {
	return a.send(ctx, http.MethodPut, accountPath(account)+"/billing-address", etag, body)
}
func (a api) patchPaymentMethod(ctx context.Context, account, etag string, body any) apiResult {
	return a.send(ctx, http.MethodPatch, accountPath(account)+"/payment-method", etag, body)
}

// uploadDocument streams a multipart body (contentType names its boundary)
// to the identification-process upload.
func (a api) uploadDocument(ctx context.Context, id, contentType string, body io.Reader) apiResult {
	hdr := http.Header{"Content-Type": {contentType}, "Idempotency-Key": {randomToken()}}
	return a.call(ctx, http.MethodPost, customerPath(id)+"/identification-processes", hdr, body)
}

// The products endpoints, under the access token of the agent's OAuth
// client; writes carry the agent's Requestor-ID.

// productsToken asks the products surface for an access token with the
// client-credentials grant, as any client of it does.
func productsToken(ctx context.Context, h http.Handler, remote, clientID, secret string) apiResult {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return serve(ctx, h, remote, http.MethodPost, "/oauth2/token", hdr, strings.NewReader(form.Encode()))
}

// product sends one request to the products surface.
func (a api) product(ctx context.Context, method, path, etag string, body any) apiResult {
	if a.products == nil {
		return apiResult{Status: http.StatusUnauthorized, Body: errorBody("sign in with an OAuth client of the products API to use products")}
	}
	token, failed := a.products(ctx)
	if token == "" {
		return failed
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	if a.reason != "" {
		hdr.Set(crm.AccessReasonHeader, a.reason)
	}
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Requestor-ID", a.requestor)
	}
	if etag != "" {
		hdr.Set("If-Match", etag)
	}
	if method == http.MethodPost {
		hdr.Set("Idempotency-Key", randomToken())
	}
	return serve(ctx, a.h, a.remote, method, path, hdr, rd)
}

func (a api) customerProducts(ctx context.Context, id string) apiResult {
	return a.product(ctx, http.MethodGet, customerPath(id)+"/products", "", nil)
}
func (a api) customerProduct(ctx context.Context, id string) apiResult {
	return a.product(ctx, http.MethodGet, "/products/"+url.PathEscape(id), "", nil)
}
func (a api) openProduct(ctx context.Context, customer, code string) apiResult {
	return a.product(ctx, http.MethodPost, customerPath(customer)+"/products", "", map[string]string{"productCode": code})
}
func (a api) closeProduct(ctx context.Context, id, etag string) apiResult {
	return a.product(ctx, http.MethodPatch, "/products/"+url.PathEscape(id), etag, map[string]string{"status": "CLOSED"})
}
