package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
)

// suite is both servers of one engine, as the isolation and bad-input
// suites drive them: every request goes through send, which checks it
// against its document and counts it.
type suite struct {
	t        *testing.T
	db       *sqlstore.DB
	clock    *crmtest.Clock
	handlers map[string]http.Handler // by surface
	docs     map[string]*contract
	requests int
}

// suiteServers builds the v4 and products handlers the suites test. It is
// the only place the suites configure a server, and it reuses the
// harness's env.config, so a change to the servers' configuration (the
// identification uploads' PublicURL, say) is made once.
func suiteServers(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) (v4, products http.Handler) {
	t.Helper()
	e := &env{t: t, db: db, clock: clock}
	cfg := e.config(crm.WebhookURLGuard{Resolver: testResolver})
	v4 = httpapi.New(cfg).Handler()
	products = httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients, Tokens: db.AccessTokens,
		Idempotency: db.Idempotency, Clock: clock.Now, AccessLog: cfg.AccessLog}).Handler()
	return v4, products
}

func newSuite(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) *suite {
	v4, products := suiteServers(t, db, clock)
	return &suite{t: t, db: db, clock: clock,
		handlers: map[string]http.Handler{"v4": v4, "products": products},
		docs:     map[string]*contract{"v4": loadContract(t), "products": loadProductsContract(t)}}
}

// send makes one request to a surface: body as is (Content-Type given in
// headers, else application/json when there is a body), headers as
// name, value pairs. Request and answer are checked against the
// surface's document.
func (s *suite) send(surface, method, target string, body []byte, headers ...string) response {
	s.t.Helper()
	req, res := s.serve(surface, method, target, body, headers...)
	checked := body
	if len(body) > 8<<10 {
		// Only the bad-input suite's long strings are this big. kin-openapi
		// validates and formats them into its errors at length (most of the
		// suite's time); without the body the request is still one the
		// document refuses, and the answer is checked in full.
		checked = nil
	}
	s.docs[surface].check(s.t, req, checked, res)
	return res
}

// serve makes a request, counted but not checked against the document:
// for the snapshots' reads, repeated dozens of times and checked by
// send the first time.
func (s *suite) serve(surface, method, target string, body []byte, headers ...string) (*http.Request, response) {
	if body != nil {
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	s.requests++
	return serve(s.handlers[surface], method, target, body, headers...)
}

// bearer is the Authorization header pair of a token or key.
func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// must sends a request that has to answer want, and decodes its JSON
// answer into out (when not nil).
func (s *suite) must(want int, surface, method, target string, body any, out any, headers ...string) response {
	s.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		raw = mustJSON(b)
	}
	r := s.send(surface, method, target, raw, headers...)
	if r.Status != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, target, r.Status, want, r.Body)
	}
	if out != nil {
		r.json(s.t, out)
	}
	return r
}

// apiKey makes a key of org with roles, and returns its secret and id.
func (s *suite) apiKey(org string, roles ...crm.Role) (secret, id string) {
	s.t.Helper()
	k, secret, err := s.db.APIKeys.CreateAPIKey(context.Background(), org, "suite", roles)
	if err != nil {
		s.t.Fatal(err)
	}
	return secret, k.ID
}

// oauthClient makes an OAuth client of org with scopes and returns an
// access token of it and its id and secret.
func (s *suite) oauthClient(org string, scopes ...crm.Role) (token, id, secret string) {
	s.t.Helper()
	c, secret, err := s.db.OAuthClients.CreateOAuthClient(context.Background(), org, "suite", scopes)
	if err != nil {
		s.t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form := "grant_type=client_credentials&client_id=" + c.ID + "&client_secret=" + secret
	s.must(http.StatusOK, "products", "POST", "/oauth2/token", []byte(form), &tok,
		"Content-Type", "application/x-www-form-urlencoded")
	return tok.AccessToken, c.ID, secret
}

// strings collects every string in a JSON document, keys excluded.
func jsonStrings(raw []byte, into map[string]bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			into[v] = true
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
}

// call sends o as own's credential headers give, with args's ids in its
// path and query and own's body, and returns the answer and what was
// sent (path, query and body).
func call(s *suite, o suiteOp, own, args *world, headers []string) (response, string) {
	s.t.Helper()
	p := payloads[o.key]
	vals := map[string]string{}
	for _, name := range o.pathArgs {
		key := name
		if k, ok := p.args[name]; ok {
			key = k
		}
		from := args
		if name == "org_id" {
			from = own // the other org's ids go in this org's path
		}
		v, ok := from.ids[key]
		if !ok {
			s.t.Fatalf("%s: the world has no %s for path parameter %s", o.key, key, name)
		}
		vals[name] = v
	}
	var query string
	if p.query != nil {
		query = p.query(args)
	}
	target := o.url(vals, query)
	body, ct := encodeBody(p, own)
	hs := append(slices.Clone(p.headers), headers...)
	if ct != "" {
		hs = append(hs, "Content-Type", ct)
	}
	return s.send(o.surface, o.method, target, body, hs...), target + " " + string(body)
}

// encodeBody is the payload's valid body for w, and its media type.
func encodeBody(p payload, w *world) ([]byte, string) {
	if p.body == nil {
		return nil, ""
	}
	switch b := p.body(w).(type) {
	case rawBody:
		return b.data, b.contentType
	default:
		return mustJSON(b), "application/json"
	}
}

// The documents describe the bodies of /docs (text/html) and of
// /openapi/products.yaml as strings; kin-openapi has no decoder for the
// first and decodes the second into a structure.
func init() {
	asString := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		raw, err := io.ReadAll(body)
		return string(raw), err
	}
	openapi3filter.RegisterBodyDecoder("text/html", asString)
	openapi3filter.RegisterBodyDecoder("application/yaml", asString)
}
