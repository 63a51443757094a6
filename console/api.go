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
)

// This file is the console's only view of the service: every read and
// write is a request to the v4 handler, served in-process with the agent's
// API key in Authorization exactly as a client would send it, so that the
// API's role checks, org scoping, masking, validation, If-Match and access
// log apply unchanged. When the v4 customer-360 (GET
// /customers/{id}/overview) and search (GET /customer-search?q=) endpoints
// land, customerPage and search below are what change.

// apiResult is one answer of the API.
type apiResult struct {
	Status int
	ETag   string
	Body   []byte
}

// ok reports a 2xx answer.
func (r apiResult) ok() bool { return r.Status >= 200 && r.Status < 300 }

// decode reads the answer's JSON body into v.
func (r apiResult) decode(v any) error { return json.Unmarshal(r.Body, v) }

// message is the API's error in words: its details joined (they name the
// field), or the status when the body has none.
func (r apiResult) message() string {
	var e struct {
		Errors []struct{ Title, Details string }
	}
	if json.Unmarshal(r.Body, &e) == nil && len(e.Errors) > 0 {
		parts := make([]string, len(e.Errors))
		for i, it := range e.Errors {
			parts[i] = it.Details
			if parts[i] == "" {
				parts[i] = it.Title
			}
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprintf("the API answered %d %s", r.Status, http.StatusText(r.Status))
}

// api calls the v4 handler in-process as one agent.
type api struct {
	h      http.Handler
	key    string
	org    string
	remote string // the agent's address, for the API's request log
}

// call sends one request to /v4/orgs/{org}+path and returns the answer.
func (a api) call(ctx context.Context, method, path string, hdr http.Header, body io.Reader) apiResult {
	req, err := http.NewRequestWithContext(ctx, method, "/v4/orgs/"+url.PathEscape(a.org)+path, body)
	if err != nil {
		return apiResult{Status: http.StatusBadRequest, Body: errorBody(err.Error())}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.RemoteAddr = a.remote
	rec := &recorder{header: http.Header{}}
	a.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return apiResult{Status: rec.status, ETag: rec.header.Get("ETag"), Body: rec.body.Bytes()}
}

// get reads path.
func (a api) get(ctx context.Context, path string) apiResult {
	return a.call(ctx, http.MethodGet, path, nil, nil)
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

// errorBody is a v4-shaped error body for a request the console could not
// even build.
func errorBody(msg string) []byte {
	raw, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"details": msg}}})
	return raw
}

// recorder is the http.ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// The endpoints. Paths are relative to /v4/orgs/{org}.

func customerPath(id string) string { return "/customers/" + url.PathEscape(id) }
func accountPath(id string) string  { return "/accounts/" + url.PathEscape(id) }

// checkKey proves the key is valid for the org: the org's categories are
// readable by every key that can read customers, masked or not.
func (a api) checkKey(ctx context.Context) apiResult { return a.get(ctx, "/categories") }

// findCustomer is today's search: one customer by identity document, email
// or username (v4 GET /customers). The answer holds {"customer": {"id"}}.
func (a api) findCustomer(ctx context.Context, field, value string) apiResult {
	return a.get(ctx, "/customers?"+url.Values{field: {value}}.Encode())
}

func (a api) customer(ctx context.Context, id string) apiResult { return a.get(ctx, customerPath(id)) }
func (a api) accounts(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/accounts")
}
func (a api) account(ctx context.Context, id string) apiResult { return a.get(ctx, accountPath(id)) }
func (a api) customerCategories(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/categories")
}
func (a api) categories(ctx context.Context) apiResult { return a.get(ctx, "/categories") }
func (a api) specialTreatment(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/special-treatment")
}
func (a api) identificationProcesses(ctx context.Context, id string) apiResult {
	return a.get(ctx, customerPath(id)+"/identification-processes")
}

// events reads one page of the org's feed after cursor.
func (a api) events(ctx context.Context, cursor string, limit int) apiResult {
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if cursor != "" {
		q.Set("after", cursor)
	}
	return a.get(ctx, "/events?"+q.Encode())
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
