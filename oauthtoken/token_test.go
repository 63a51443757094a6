package oauthtoken_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jwtauth"
	"github.com/telcoops/crm/oauthtoken"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newSigner(t testing.TB) *oauthtoken.Signer {
	t.Helper()
	pem, err := oauthtoken.GenerateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	s, err := oauthtoken.FromPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims() crm.AccessTokenClaims {
	return crm.AccessTokenClaims{ClientID: "0198a0f1-4567-7d43-ab00-0000000000c1", OrgID: "telco",
		Scopes: crm.ProductScopes, IssuedAt: t0, ExpiresAt: t0.Add(crm.AccessTokenTTL)}
}

func TestIssueAndVerify(t *testing.T) {
	s := newSigner(t)
	tok, err := s.Issue(claims())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, t0.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(claims(), got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	// Expired (past the leeway), from the future, or under another key.
	for name, at := range map[string]time.Time{"expired": t0.Add(time.Hour + time.Minute), "future": t0.Add(-time.Minute)} {
		if _, err := s.Verify(tok, at); crm.ErrorCodeOf(err) != crm.EUNAUTHORIZED {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := newSigner(t).Verify(tok, t0); crm.ErrorCodeOf(err) != crm.EUNAUTHORIZED {
		t.Errorf("another key: %v", err)
	}
	if _, err := s.Issue(crm.AccessTokenClaims{ClientID: "c", OrgID: "telco", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err == nil {
		t.Error("a token without scopes was issued")
	}
}

// forge signs arbitrary header and payload with the signer's own key, so
// that only the content can make Verify refuse them.
func forge(priv ed25519.PrivateKey, header, payload string) string {
	signed := b64(header) + "." + b64(payload)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed)))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerifyRefusesEveryVariant(t *testing.T) {
	pemKey, _ := oauthtoken.GenerateKeyPEM()
	priv, _ := oauthtoken.ParseKeyPEM(pemKey)
	s, _ := oauthtoken.New(priv)
	good, _ := s.Issue(claims())
	parts := strings.Split(good, ".")
	payload := func(mut func(m map[string]any)) string {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		json.Unmarshal(raw, &m)
		mut(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	header := `{"alg":"EdDSA","typ":"crm-products+jwt","kid":"` + s.KeyID() + `"}`
	same := payload(func(map[string]any) {})
	cases := map[string]string{
		"typ JWT":          forge(priv, `{"alg":"EdDSA","typ":"JWT","kid":"`+s.KeyID()+`"}`, same),
		"no typ":           forge(priv, `{"alg":"EdDSA","kid":"`+s.KeyID()+`"}`, same),
		"alg none":         b64(`{"alg":"none","typ":"crm-products+jwt","kid":"`+s.KeyID()+`"}`) + "." + parts[1] + ".",
		"other kid":        forge(priv, `{"alg":"EdDSA","typ":"crm-products+jwt","kid":"x"}`, same),
		"crit":             forge(priv, `{"alg":"EdDSA","typ":"crm-products+jwt","kid":"`+s.KeyID()+`","crit":["exp"]}`, same),
		"extra header":     forge(priv, `{"alg":"EdDSA","typ":"crm-products+jwt","kid":"`+s.KeyID()+`","jku":"http://x"}`, same),
		"other audience":   forge(priv, header, payload(func(m map[string]any) { m["aud"] = "v4" })),
		"other issuer":     forge(priv, header, payload(func(m map[string]any) { m["iss"] = "someone" })),
		"no org":           forge(priv, header, payload(func(m map[string]any) { delete(m, "org") })),
		"extra claim":      forge(priv, header, payload(func(m map[string]any) { m["roles"] = "admin" })),
		"org as array":     forge(priv, header, payload(func(m map[string]any) { m["org"] = []string{"telco"} })),
		"payload swapped":  parts[0] + "." + b64(payload(func(m map[string]any) { m["org"] = "other" })) + "." + parts[2],
		"two parts":        parts[0] + "." + parts[1],
		"padded signature": good + "=",
		"too large":        good + strings.Repeat("A", 5000),
	}
	for name, tok := range cases {
		if _, err := s.Verify(tok, t0); crm.ErrorCodeOf(err) != crm.EUNAUTHORIZED {
			t.Errorf("%s: %v, want EUNAUTHORIZED", name, err)
		}
	}
	// Unknown scopes are dropped, not granted.
	tok := forge(priv, header, payload(func(m map[string]any) { m["scope"] = "admin products:read" }))
	if c, err := s.Verify(tok, t0); err != nil || !cmp.Equal(c.Scopes, []crm.Role{crm.RoleProductsRead}) {
		t.Errorf("scopes %v, %v", c.Scopes, err)
	}
}

// TestV4VerifierRefusesProductsTokens checks the other direction of the
// separation: the verifier of v4 JWTs, even when trusting this key, does
// not take a products token.
func TestV4VerifierRefusesProductsTokens(t *testing.T) {
	s := newSigner(t)
	pub, err := s.PublicKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtauth.New(jwtauth.Config{PEM: pub, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.Issue(claims())
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, jwtauth.ErrInvalidToken) {
		t.Errorf("v4 verifier: %v, want ErrInvalidToken", err)
	}
}

func TestParseKeyPEM(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":       "",
		"public key":  "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
		"not pkcs8":   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"garbage pem": "hello",
	} {
		if _, err := oauthtoken.ParseKeyPEM([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// openssl genpkey -algorithm ed25519
	const openssl = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
	if _, err := oauthtoken.FromPEM([]byte("junk before\n" + openssl)); err != nil {
		t.Errorf("openssl key: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	pemKey := []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n")
	s, err := oauthtoken.FromPEM(pemKey)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.Issue(claims())
	f.Add(good)
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.Verify(tok, t0)
		if err != nil {
			if crm.ErrorCodeOf(err) != crm.EUNAUTHORIZED {
				t.Fatalf("error of code %s: %v", crm.ErrorCodeOf(err), err)
			}
			return
		}
		// Only a token this key signed verifies, and its claims are whole.
		if c.ClientID == "" || c.OrgID == "" || !c.ExpiresAt.After(t0.Add(-time.Minute)) {
			t.Fatalf("verified incomplete claims %+v from %q", c, tok)
		}
	})
}
