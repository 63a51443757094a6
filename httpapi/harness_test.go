package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// contract is a loaded OpenAPI document and a router over it.
type contract struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

func loadContract(t testing.TB) *contract { return v4Contract.load(t) }

// v4Contract and productsContract are the service's documents, each parsed
// and validated once per test binary: parsing takes about a second, and
// every test reads them, never changes them.
var (
	v4Contract       = &lazyContract{name: "v4", raw: httpapi.OpenAPIV4}
	productsContract = &lazyContract{name: "products", raw: httpapi.OpenAPIProducts}
)

// lazyContract parses a document on first use and keeps the result, or the
// error every later user fails with.
type lazyContract struct {
	name string
	raw  []byte
	once sync.Once
	c    *contract
	err  error
}

func (l *lazyContract) load(t testing.TB) *contract {
	t.Helper()
	l.once.Do(func() { l.c, l.err = parseContract(l.name, l.raw) })
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.c
}

// parseContract loads and validates one of the service's documents.
func parseContract(name string, raw []byte) (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load %s openapi: %v", name, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s openapi document invalid: %v", name, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s openapi router: %v", name, err)
	}
	return &contract{name: name, doc: doc, router: router}, nil
}

// env is one server on one engine, with keys for the tests to use.
type env struct {
	t        *testing.T
	db       *sqlstore.DB
	clock    *crmtest.Clock
	handler  http.Handler
	contract *contract
	admin    string // admin key of org telco
	reader   string // customers:read key of org telco
	otherOrg string // admin key of org other
}

// each runs fn against a fresh server on every engine.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	c := loadContract(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		e := &env{t: t, db: db, clock: clock, contract: c}
		e.handler = httpapi.New(e.config(crm.WebhookURLGuard{Resolver: testResolver})).Handler()
		e.admin = e.key("telco", crm.RoleAdmin)
		e.reader = e.key("telco", crm.RoleCustomersRead)
		e.otherOrg = e.key("other", crm.RoleAPIKey)
		fn(t, e)
	})
}

// config is the server's configuration in the tests, with the given
// webhook URL guard.
func (e *env) config(guard crm.WebhookURLGuard) httpapi.Config {
	db := e.db
	ic := identificationConfig(e.t, db)
	privacy := db.Privacy(ic.Service.(*sqlstore.Identifications))
	return httpapi.Config{Privacy: privacy, Erasure: privacy, Duplicates: db.Duplicates, Customers: db.Customers, Accounts: db.Accounts, Promotions: db.Promotions, Contracts: db.Contracts, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Ready: db.Ping, Events: db.Outbox,
		Credentials: db.Credentials, Classification: db.Classification, Identification: ic, Webhooks: db.Webhooks, WebhookGuard: guard,
		Clock: e.clock.Now, GatewayMode: true, AccessLog: accessLog(e.t, db),
		Overviews: db.Overviews}
}

func (e *env) key(org string, roles ...crm.Role) string {
	_, secret, err := e.db.APIKeys.CreateAPIKey(context.Background(), org, "test", roles)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorDetails returns the details of an error body, joined.
func (r response) details(t *testing.T) string {
	t.Helper()
	var body httpapi.ErrorResponse
	r.json(t, &body)
	var out []string
	for _, e := range body.Errors {
		out = append(out, e.Code+" "+e.Details)
	}
	return strings.Join(out, " | ")
}

// do sends a request with the given key (bearer; an "x-api-key" header can
// be passed in headers instead), checks it and its answer against the v4
// contract, and returns the answer. A request the contract rejects must be
// answered 4xx; one it accepts must get an answer the contract accepts.
func (e *env) do(method, path, key string, body any, headers ...string) response {
	e.t.Helper()
	return request(e.t, e.handler, e.contract, method, path, key, body, headers...)
}

// request is the request helper of both surfaces' tests: it encodes body (nil
// is none; a string or []byte is sent as it is; anything else as JSON),
// sends it as application/json (unless headers say otherwise) with send.
func request(t *testing.T, h http.Handler, c *contract, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	if raw != nil {
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	return send(t, h, c, method, path, token, raw, headers...)
}

// send sends raw to h with a bearer token (none when empty) and headers,
// checks the request and its answer against c, and returns the answer.
func send(t *testing.T, h http.Handler, c *contract, method, path, token string, raw []byte, headers ...string) response {
	t.Helper()
	if token != "" {
		headers = append([]string{"Authorization", "Bearer " + token}, headers...)
	}
	req, res := serve(h, method, path, raw, headers...)
	c.check(t, req, raw, res)
	return res
}

// serve makes one request to h, headers as name, value pairs applied in
// order (a later one replaces an earlier one; "Host" sets the host a client
// claims, as net/http would read it), and records the answer, unchecked.
func serve(h http.Handler, method, target string, raw []byte, headers ...string) (*http.Request, response) {
	req := httptest.NewRequest(method, target, bytes.NewReader(raw))
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return req, response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// check validates a request and its answer against the document: every
// answer has a request id and no 5xx; a request the document refuses must
// get a 4xx; every answer must match the document's response.
func (c *contract) check(t *testing.T, req *http.Request, raw []byte, res response) {
	t.Helper()
	if res.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s %s: no X-Request-Id", req.Method, req.URL)
	}
	if res.Status >= 500 {
		t.Errorf("%s %s: answered %d: %s", req.Method, req.URL, res.Status, res.Body)
	}
	c.validate(t, req, raw, res)
}

// validate checks a request and its answer against the document, 5xx
// included, for the tests that expect one.
func (c *contract) validate(t *testing.T, req *http.Request, raw []byte, res response) {
	t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s is not in the %s contract but answered %d", req.Method, req.URL.Path, c.name, res.Status)
		}
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && (res.Status < 400 || res.Status >= 500) {
		t.Errorf("%s %s: the %s contract rejects the request (%v) but the server answered %d", req.Method, req.URL, c.name, reqErr, res.Status)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: response %d breaks the %s contract: %v\nbody: %s", req.Method, req.URL, res.Status, c.name, err, res.Body)
	}
}

func example(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/examples/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}
