package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// requestor is the Requestor-ID the tests send.
const requestor = "0198a0f1-4567-7d43-ab00-00000000a11c"

func loadProductsContract(t testing.TB) *contract { return productsContract.load(t) }

// penv is one products server on one engine, with an OAuth client of org
// telco and its secret.
type penv struct {
	t        *testing.T
	db       *sqlstore.DB
	clock    *crmtest.Clock
	handler  http.Handler
	contract *contract
	clientID string
	secret   string
}

// eachProducts runs fn against a fresh products server on every engine.
func eachProducts(t *testing.T, fn func(t *testing.T, e *penv)) {
	c := loadProductsContract(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		e := &penv{t: t, db: db, clock: clock, contract: c}
		e.handler = httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients, Tokens: db.AccessTokens,
			Idempotency: db.Idempotency, Clock: clock.Now}).Handler()
		e.clientID, e.secret = e.client("telco", crm.ProductScopes...)
		fn(t, e)
	})
}

// client creates an OAuth client and returns its id and secret.
func (e *penv) client(org string, scopes ...crm.Role) (string, string) {
	c, secret, err := e.db.OAuthClients.CreateOAuthClient(context.Background(), org, "test", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// token gets an access token for a client through POST /oauth2/token.
func (e *penv) token(id, secret string) string {
	e.t.Helper()
	r := e.form(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	wantStatus(e.t, r, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.json(e.t, &tok)
	return tok.AccessToken
}

// customer stores a customer of org, identified or not.
func (e *penv) customer(org string, nif int, identified bool) string {
	e.t.Helper()
	c, err := e.db.Customers.CreateCustomer(context.Background(), org, crmtest.Private(crmtest.NIF(nif)), crm.WriteOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	if identified {
		e.identify(org, c.ID)
	}
	return c.ID
}

func (e *penv) identify(org, customerID string) {
	e.t.Helper()
	blobs, err := blobstore.Open(e.t.TempDir())
	if err != nil {
		e.t.Fatal(err)
	}
	ids := e.db.Identifications(blobs)
	d, err := ids.StageDocument(context.Background(), "", strings.NewReader("%PDF-1.7\n%%EOF\n"))
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = ids.CreateIdentificationProcess(context.Background(), org, customerID, crm.NewIdentificationProcess{Type: crm.DocNIF, Document: d}, crm.WriteOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
}

// form posts a token request, checked against the contract.
func (e *penv) form(v url.Values, headers ...string) response {
	e.t.Helper()
	return e.send("POST", "/oauth2/token", "", []byte(v.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

// do sends a JSON request with a bearer token (none when empty), checks it
// and its answer against the products contract, and returns the answer.
func (e *penv) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	return request(e.t, e.handler, e.contract, method, path, token, body, headers...)
}

// send sends a raw body, as do does.
func (e *penv) send(method, path, token string, raw []byte, headers ...string) response {
	e.t.Helper()
	return send(e.t, e.handler, e.contract, method, path, token, raw, headers...)
}

// problem returns an ErrorMessage's errorCode and its fields, joined.
func (r response) problem(t *testing.T) string {
	t.Helper()
	var body httpapi.ErrorMessage
	r.json(t, &body)
	if body.RequestID == "" || body.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("requestId %q, X-Request-Id %q", body.RequestID, r.Header.Get("X-Request-Id"))
	}
	out := []string{body.ErrorCode}
	for _, d := range body.ErrorDetails {
		out = append(out, d.Field)
	}
	return strings.Join(out, " ")
}
