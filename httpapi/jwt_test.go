package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"testing"

	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/jwtauth"
)

// TestJWTNamesRealOrgsOnly presents JWTs to v4 whose org claims try to mean
// "all orgs": each is 401, while a token naming the org itself opens it and
// one naming another org is 403.
func TestJWTNamesRealOrgsOnly(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
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
		e.handler = httpapi.New(httpapi.Config{Customers: e.db.Customers, APIKeys: e.db.APIKeys, Tokens: jwtauth.Authenticator{V: v}, Clock: e.clock.Now}).Handler()
		var c created
		r := e.do("POST", "/v4/orgs/other/customers", e.otherOrg, example(t, "NewPrivateCustomer"))
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &c)
		path := "/v4/orgs/other/customers/" + c.ID

		for _, tc := range []struct {
			name   string
			claims map[string]any
			status int
		}{
			{"org *", map[string]any{"org": "*"}, http.StatusUnauthorized},
			{"orgs [*]", map[string]any{"orgs": []string{"*"}}, http.StatusUnauthorized},
			{"orgs [telco, *]", map[string]any{"orgs": []string{"telco", "*"}}, http.StatusUnauthorized},
			{"org and orgs *", map[string]any{"org": "telco", "orgs": "*"}, http.StatusUnauthorized},
			{"no org", map[string]any{}, http.StatusUnauthorized},
			{"org telco", map[string]any{"org": "telco"}, http.StatusForbidden},
			{"org other", map[string]any{"org": "other"}, http.StatusOK},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.claims["sub"] = "agent-1"
				tc.claims["roles"] = []string{"admin"}
				tc.claims["exp"] = e.clock.Now().Unix() + 600
				wantStatus(t, e.do("GET", path, signEdDSA(t, priv, tc.claims), nil), tc.status)
			})
		}
	})
}

// signEdDSA makes a compact JWS of claims signed with key.
func signEdDSA(t *testing.T, key ed25519.PrivateKey, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	input := b64([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." + b64(payload)
	return input + "." + b64(ed25519.Sign(key, []byte(input)))
}
