package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore"
)

// TestProductsOpaqueTokens covers the stored access tokens through the
// HTTP surface: their form, and each way a bearer token is refused
// (401 UNAUTHORIZED with a Bearer challenge, as products.yaml documents).
func TestProductsOpaqueTokens(t *testing.T) {
	t.Parallel()
	eachProducts(t, func(t *testing.T, e *penv) {
		tok := e.token(e.clientID, e.secret)
		if !strings.HasPrefix(tok, "crmat_") || len(tok) != len("crmat_")+43 {
			t.Errorf("token %.10q…: want crmat_ and 32 random bytes in base64url", tok)
		}
		// What the table keeps (only the SHA-256) is read in sqlstore's
		// tests; here, that the hash is no credential.
		sum := sha256.Sum256([]byte(tok))
		hash := hex.EncodeToString(sum[:])

		cid := e.customer("telco", 1, true)
		path := "/customers/" + cid + "/products"
		wantStatus(t, e.do("GET", path, tok, nil), http.StatusOK)
		soon := e.token(e.clientID, e.secret) // for the expiry, unused until then
		revokedID, revokedSecret := e.client("telco", crm.ProductScopes...)
		revoked := e.token(revokedID, revokedSecret)
		wantStatus(t, e.do("GET", path, revoked, nil), http.StatusOK) // cached from here on
		if err := e.db.OAuthClients.RevokeOAuthClient(t.Context(), revokedID); err != nil {
			t.Fatal(err)
		}
		refused := func(name, token string) {
			t.Helper()
			r := e.do("GET", path, token, nil)
			if r.Status != http.StatusUnauthorized || r.problem(t) != "UNAUTHORIZED" ||
				r.Header.Get("WWW-Authenticate") != `Bearer realm="crm-products"` {
				t.Errorf("%s: %d %s %v, want 401 UNAUTHORIZED", name, r.Status, r.Body, r.Header)
			}
		}
		refused("unknown token", "crmat_"+strings.Repeat("A", 43))
		refused("the SHA-256 of a token", hash)
		refused("a revoked client's token", revoked)

		// Expiry by the injected clock: live until expires_in (and the
		// leeway for clock skew) has passed, then refused, cached or not.
		e.clock.Advance(crm.AccessTokenTTL + sqlstore.AccessTokenLeeway - 1)
		wantStatus(t, e.do("GET", path, tok, nil), http.StatusOK)
		e.clock.Advance(1)
		refused("an expired token, cached", tok)
		refused("an expired token, never used", soon)
	})
}
