package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/jwtauth"
)

func TestOAuthTokenEndpoint(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		good := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID}, "client_secret": {e.secret}}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(e.clientID)+":"+url.QueryEscape(e.secret)))
		with := func(k, v string) url.Values {
			out := url.Values{}
			for name, vs := range good {
				out[name] = vs
			}
			if v == "" {
				delete(out, k)
			} else {
				out.Set(k, v)
			}
			return out
		}
		r := e.form(good)
		wantStatus(t, r, http.StatusOK)
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		r.json(t, &tok)
		if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.AccessToken == "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token answer %+v %v", tok, r.Header)
		}
		claims, err := e.db.AccessTokens.VerifyAccessToken(t.Context(), tok.AccessToken, e.clock.Now())
		if err != nil || claims.OrgID != "telco" || claims.ClientID != e.clientID || len(claims.Scopes) != 2 {
			t.Errorf("claims %+v, %v", claims, err)
		}
		wantStatus(t, e.form(url.Values{"grant_type": {"client_credentials"}}, "Authorization", basic), http.StatusOK)

		_, otherSecret := e.client("other", crm.RoleProductsRead)
		cases := []struct {
			name    string
			form    url.Values
			headers []string
			status  int
			code    string
		}{
			{"wrong secret", with("client_secret", e.secret+"0"), nil, 401, "invalid_client"},
			{"another client's secret", with("client_secret", otherSecret), nil, 401, "invalid_client"},
			{"unknown client", with("client_id", "0198a0f1-4567-7d43-ab00-000000000000"), nil, 401, "invalid_client"},
			{"client id not a uuid", with("client_id", "telco"), nil, 401, "invalid_client"},
			{"wrong Basic secret", url.Values{"grant_type": {"client_credentials"}}, []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(e.clientID+":x"))}, 401, "invalid_client"},
			{"no grant_type", with("grant_type", ""), nil, 400, "invalid_request"},
			{"no client_id", with("client_id", ""), nil, 400, "invalid_request"},
			{"no client_secret", with("client_secret", ""), nil, 400, "invalid_request"},
			{"password grant", with("grant_type", "password"), nil, 400, "unsupported_grant_type"},
			{"two auth methods", good, []string{"Authorization", basic}, 400, "invalid_request"},
			{"repeated parameter", url.Values{"grant_type": {"client_credentials", "client_credentials"}, "client_id": {e.clientID}, "client_secret": {e.secret}}, nil, 400, "invalid_request"},
			{"scope not granted", with("scope", "admin"), nil, 400, "invalid_scope"},
			{"bad Basic", url.Values{"grant_type": {"client_credentials"}}, []string{"Authorization", "Basic %%%"}, 400, "invalid_request"},
			{"not form-encoded", good, []string{"Content-Type", "application/json"}, 400, "invalid_request"},
		}
		for _, tc := range cases {
			r := e.form(tc.form, tc.headers...)
			var body struct {
				Error string `json:"error"`
			}
			r.json(t, &body)
			if r.Status != tc.status || body.Error != tc.code {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.code)
			}
		}

		// A narrower scope gives a token that cannot write.
		r = e.form(with("scope", "products:read"))
		wantStatus(t, r, http.StatusOK)
		r.json(t, &tok)
		cid := e.customer("telco", 1, true)
		wantStatus(t, e.do("GET", "/customers/"+cid+"/products", tok.AccessToken, nil), http.StatusOK)
		r = e.do("POST", "/customers/"+cid+"/products", tok.AccessToken, `{"productCode":"WALLET"}`, "Requestor-ID", requestor)
		if r.Status != http.StatusForbidden || r.problem(t) != "INSUFFICIENT_SCOPE" {
			t.Errorf("read-only token writing: %d %s", r.Status, r.Body)
		}
	})
}

func TestProductsAuthentication(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, true)
		pid := e.create(tok, cid, "BALANCE_ACCOUNT")
		path := "/products/" + pid

		apiKey, _, _ := e.db.APIKeys.CreateAPIKey(t.Context(), "telco", "v4", []crm.Role{crm.RoleAdmin})
		_, v4Secret, _ := e.db.APIKeys.CreateAPIKey(t.Context(), "telco", "v4", []crm.Role{crm.RoleAdmin})
		_ = apiKey
		otherID, otherSecret := e.client("other", crm.ProductScopes...)
		otherTok := e.token(otherID, otherSecret)

		cases := []struct {
			name    string
			token   string
			headers []string
			status  int
		}{
			{"no token", "", nil, 401},
			{"a v4 API key as bearer", v4Secret, nil, 401},
			{"a v4 API key as x-api-key", "", []string{"x-api-key", v4Secret}, 401},
			{"gateway roles header", "", []string{"x-auth-roles", "API_KEY"}, 401},
			{"garbage", "abc.def.ghi", nil, 401},
			{"Basic instead of Bearer", "", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(e.clientID+":"+e.secret))}, 401},
			{"another org's token", otherTok, nil, 404},
			{"valid", tok, nil, 200},
		}
		for _, tc := range cases {
			r := e.do("GET", path, tc.token, nil, tc.headers...)
			if r.Status != tc.status {
				t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			}
			if r.Status == 401 && (r.problem(t) != "UNAUTHORIZED" || r.Header.Get("WWW-Authenticate") == "") {
				t.Errorf("%s: 401 without its form: %s %v", tc.name, r.Body, r.Header)
			}
		}
		// Another org can neither change nor list telco's products.
		wantStatus(t, e.do("PATCH", path, otherTok, `{"status":"CLOSED"}`, "Requestor-ID", requestor), http.StatusNotFound)
		wantStatus(t, e.do("GET", "/customers/"+cid+"/products", otherTok, nil), http.StatusNotFound)
		wantStatus(t, e.do("POST", "/customers/"+cid+"/products", otherTok, `{"productCode":"WALLET"}`, "Requestor-ID", requestor), http.StatusNotFound)
		if got := e.get(tok, pid); got.Status != "ACTIVE" {
			t.Errorf("product after another org's attempts %+v", got)
		}

		// Tokens expire; a revoked client's tokens stop at once.
		e.clock.Advance(time.Hour + time.Minute)
		wantStatus(t, e.do("GET", path, tok, nil), http.StatusUnauthorized)
		tok = e.token(e.clientID, e.secret)
		wantStatus(t, e.do("GET", path, tok, nil), http.StatusOK)
		if err := e.db.OAuthClients.RevokeOAuthClient(t.Context(), e.clientID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.do("GET", path, tok, nil), http.StatusUnauthorized)
		r := e.form(url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID}, "client_secret": {e.secret}})
		wantStatus(t, r, http.StatusUnauthorized)
	})
}

// TestProductsTokenDoesNotOpenV4 presents a products access token to v4:
// refused without JWT keys, and refused by a v4 that verifies JWTs, since
// the token is not a JWT at all.
func TestProductsTokenDoesNotOpenV4(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		cid := e.customer("telco", 1, true)
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jwtauth.New(jwtauth.Config{PEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		for name, tokens := range map[string]crm.TokenAuthenticator{"no JWT keys": nil, "verifying JWTs": jwtauth.Authenticator{V: v}} {
			v4 := httpapi.New(httpapi.Config{Customers: e.db.Customers, APIKeys: e.db.APIKeys, Tokens: tokens, Clock: e.clock.Now}).Handler()
			for _, path := range []string{"/v4/orgs/telco/customers/" + cid, "/v4/orgs/telco/customers/" + cid + "/accounts"} {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				v4.ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("%s: GET %s with a products token: %d %s", name, path, rec.Code, rec.Body)
				}
			}
		}
	})
}

// TestV4DeleteCustomerRefusedWhileProductsOpen: a v4 customer with a
// product that is not closed cannot be deactivated (409), and can once it
// is closed.
func TestV4DeleteCustomerRefusedWhileProductsOpen(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		ctx := crm.WithRequestInfo(t.Context(), crm.RequestInfo{RequestorID: requestor})
		p, err := e.db.Products.CreateCustomerProduct(ctx, "telco", cid, crm.ProductDepositoryAccount, crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("DELETE", base+"/customers/"+cid, e.admin, nil)
		wantStatus(t, r, http.StatusConflict)
		if d := r.details(t); !strings.HasPrefix(d, "MCUS.409.002") || !strings.Contains(d, "product") {
			t.Errorf("details %s", d)
		}
		if err := e.db.Products.CloseCustomerProduct(ctx, "telco", p.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
	})
}
