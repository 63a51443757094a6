package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/client"
	"github.com/telcoops/crm/client/products"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// counter is the transport under the client in these tests: it counts
// token requests and refused (401) calls on their way to the real server.
type counter struct {
	mu            sync.Mutex
	tokens, nopes int
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.HasSuffix(req.URL.Path, "/oauth2/token") {
		c.tokens++
	} else if err == nil && res.StatusCode == http.StatusUnauthorized {
		c.nopes++
	}
	return res, err
}

func (c *counter) counts() [2]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return [2]int{c.tokens, c.nopes}
}

// TestClientCredentials runs the OAuth2 layer against the products
// surface on a real database, the client's clock and the server's apart:
// one token for many calls, a new one shortly before expiry, a refused
// token replaced once, and a revoked client failing with an error that
// does not hold its secret.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, serverClock *crmtest.Clock) {
		ctx := context.Background()
		srv := httptest.NewServer(httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients,
			Tokens: db.AccessTokens, Idempotency: db.Idempotency, Clock: serverClock.Now}).Handler())
		defer srv.Close()
		oc, secret, err := db.OAuthClients.CreateOAuthClient(ctx, "telco", "test", crm.ProductScopes)
		if err != nil {
			t.Fatal(err)
		}
		customer, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		clientClock := crmtest.NewClock(serverClock.Now())
		tr := &counter{}
		httpc := &http.Client{Transport: tr}
		auth := &client.ClientCredentials{TokenURL: srv.URL + "/oauth2/token", ClientID: oc.ID, ClientSecret: secret,
			HTTPClient: httpc, Now: clientClock.Now}
		p, err := client.NewProducts(srv.URL, auth, client.WithHTTPClient(httpc))
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			name   string
			before func()
			want   [2]int // token requests and 401s so far
			fails  bool
		}{
			{name: "the first call requests a token", want: [2]int{1, 0}},
			{name: "the next call reuses it", want: [2]int{1, 0}},
			{name: "a minute before expiry a new one is requested", before: func() { clientClock.Advance(59*time.Minute + time.Second) }, want: [2]int{2, 0}},
			{name: "59 minutes later it is still in use", before: func() { clientClock.Advance(58 * time.Minute) }, want: [2]int{2, 0}},
			{name: "a token the service refuses is replaced once", before: func() { serverClock.Advance(3 * time.Hour) }, want: [2]int{3, 1}},
			{name: "a revoked client fails the call", before: func() {
				if err := db.OAuthClients.RevokeOAuthClient(ctx, oc.ID); err != nil {
					t.Fatal(err)
				}
			}, want: [2]int{4, 2}, fails: true},
		} {
			if step.before != nil {
				step.before()
			}
			res, err := p.GetCustomerProductsWithResponse(ctx, uuid.MustParse(customer.ID), nil)
			switch {
			case step.fails && err == nil:
				t.Errorf("%s: answered %d, want an error", step.name, res.StatusCode())
			case step.fails && strings.Contains(err.Error(), secret):
				t.Errorf("%s: the error holds the client secret: %v", step.name, err)
			case !step.fails && err != nil:
				t.Errorf("%s: %v", step.name, err)
			case !step.fails && res.StatusCode() != http.StatusOK:
				t.Errorf("%s: answered %d: %s", step.name, res.StatusCode(), res.Bytes())
			}
			if diff := cmp.Diff(step.want, tr.counts()); diff != "" {
				t.Errorf("%s: token requests and 401s (-want +got):\n%s", step.name, diff)
			}
		}
	})
}

// TestClientCredentialsScopes: the token carries the scopes asked for
// (none: all the client's), so a read-only token cannot write.
func TestClientCredentialsScopes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		srv := httptest.NewServer(httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients,
			Tokens: db.AccessTokens, Idempotency: db.Idempotency, Clock: clock.Now}).Handler())
		defer srv.Close()
		oc, secret, err := db.OAuthClients.CreateOAuthClient(ctx, "telco", "test", crm.ProductScopes)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range []struct {
			scopes            []string
			wantGet, wantPost int
		}{
			{scopes: nil, wantGet: http.StatusOK, wantPost: http.StatusOK},
			{scopes: []string{"products:read"}, wantGet: http.StatusOK, wantPost: http.StatusForbidden},
			{scopes: []string{"products:write"}, wantGet: http.StatusForbidden, wantPost: http.StatusOK},
		} {
			customer, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(10+i)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			id := uuid.MustParse(customer.ID)
			auth := &client.ClientCredentials{TokenURL: srv.URL + "/oauth2/token", ClientID: oc.ID, ClientSecret: secret, Scopes: tc.scopes}
			p, err := client.NewProducts(srv.URL, auth)
			if err != nil {
				t.Fatal(err)
			}
			get, err := p.GetCustomerProductsWithResponse(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			post, err := p.CreateCustomerProductWithResponse(ctx, id, &products.CreateCustomerProductParams{RequestorID: uuid.New()},
				products.CreateCustomerProductJSONRequestBody{ProductCode: "WALLET"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]int{tc.wantGet, tc.wantPost}, [2]int{get.StatusCode(), post.StatusCode()}); diff != "" {
				t.Errorf("scopes %v: read and write statuses (-want +got):\n%s", tc.scopes, diff)
			}
		}
	})
}

// TestClientCredentialsConcurrentRefusals: calls refused together with
// the same token request one new token between them, and all succeed.
func TestClientCredentialsConcurrentRefusals(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, serverClock *crmtest.Clock) {
		ctx := context.Background()
		srv := httptest.NewServer(httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients,
			Tokens: db.AccessTokens, Idempotency: db.Idempotency, Clock: serverClock.Now,
			Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}).Handler())
		defer srv.Close()
		oc, secret, err := db.OAuthClients.CreateOAuthClient(ctx, "telco", "test", crm.ProductScopes)
		if err != nil {
			t.Fatal(err)
		}
		customer, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		id := uuid.MustParse(customer.ID)
		tr := &counter{}
		httpc := &http.Client{Transport: tr}
		auth := &client.ClientCredentials{TokenURL: srv.URL + "/oauth2/token", ClientID: oc.ID, ClientSecret: secret,
			HTTPClient: httpc, Now: crmtest.NewClock(serverClock.Now()).Now}
		p, err := client.NewProducts(srv.URL, auth, client.WithHTTPClient(httpc))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := p.GetCustomerProductsWithResponse(ctx, id, nil); err != nil || res.StatusCode() != http.StatusOK {
			t.Fatalf("first call: %v %v", res, err)
		}
		serverClock.Advance(3 * time.Hour) // the service no longer takes the token
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				res, err := p.GetCustomerProductsWithResponse(ctx, id, nil)
				if err != nil {
					t.Error(err)
				} else if res.StatusCode() != http.StatusOK {
					t.Errorf("answered %d: %s", res.StatusCode(), res.Bytes())
				}
			})
		}
		wg.Wait()
		if got := tr.counts(); got[0] != 2 || got[1] < 1 {
			t.Errorf("%d token requests and %d refusals, want 2 tokens and at least one refusal", got[0], got[1])
		}
	})
}
