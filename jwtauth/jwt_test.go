package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"
)

// staticSet is one key of each type, configured as PKIX PEM.
type staticSet struct {
	rsa   *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	ed    ed25519.PrivateKey
	pem   []byte
	other *ecdsa.PrivateKey // a P-256 key that is not configured
}

func newStaticSet(t *testing.T) staticSet {
	r, e, d := rsaKey(t), ecKey(t), edKey(t)
	pemData := slices.Concat(pkixPEM(t, r.Public()), pkixPEM(t, e.Public()), pkixPEM(t, d.Public()))
	return staticSet{rsa: r, ec: e, ed: d, pem: pemData, other: ecKey(t)}
}

func TestVerifyValidEachAlg(t *testing.T) {
	s := newStaticSet(t)
	v := verifier(t, Config{PEM: s.pem, Issuer: "https://issuer.test"})
	for _, tc := range []struct {
		alg    string
		signer any
	}{{"RS256", s.rsa}, {"ES256", s.ec}, {"EdDSA", s.ed}} {
		t.Run(tc.alg, func(t *testing.T) {
			for _, kid := range []string{"", "some-kid"} {
				tok := sign(t, tc.signer, hdr(tc.alg, kid), claims(nil))
				c, err := v.Verify(context.Background(), tok)
				if err != nil {
					t.Fatalf("kid %q: %v", kid, err)
				}
				if c.Subject != "user-1" || c.Issuer != "https://issuer.test" || !c.ExpiresAt.Equal(t0().Add(time.Hour)) {
					t.Fatalf("claims = %+v", c)
				}
			}
		})
	}
}

func TestVerifyTyp(t *testing.T) {
	s := newStaticSet(t)
	v := verifier(t, Config{PEM: s.pem})
	for typ, ok := range map[string]bool{
		"JWT": true, "jwt": true, "at+jwt": true, "AT+JWT": true, "application/jwt": true,
		"application/at+jwt": true, "JOSE": false, "": false, "application/": false, "dpop+jwt": false,
	} {
		h := hdr("EdDSA", "")
		h["typ"] = typ
		_, err := v.Verify(context.Background(), sign(t, s.ed, h, claims(nil)))
		if ok && err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
		if !ok {
			wantInvalid(t, err, "unsupported typ")
		}
	}
	h := hdr("EdDSA", "")
	delete(h, "typ")
	if _, err := v.Verify(context.Background(), sign(t, s.ed, h, claims(nil))); err != nil {
		t.Errorf("no typ: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	s := newStaticSet(t)
	v := verifier(t, Config{PEM: s.pem})
	good := sign(t, s.rsa, hdr("RS256", ""), claims(nil))
	parts := strings.Split(good, ".")
	// tamper flips one character of a base64url string to another valid one.
	tamper := func(p string, i int) string {
		c := byte('A')
		if p[i] == 'A' {
			c = 'B'
		}
		return p[:i] + string(c) + p[i+1:]
	}
	forged := claims(map[string]any{"sub": "admin"})
	crit := hdr("EdDSA", "")
	crit["crit"] = []string{"exp"}
	asn1Sig := func() string {
		h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		der, err := ecdsa.SignASN1(nil, s.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		in := enc(mustJSON(t, hdr("ES256", ""))) + "." + parts[1]
		return in + "." + enc(der)
	}()
	for _, tc := range []struct {
		name, token, reason string
	}{
		{"alg none", sign(t, nil, hdr("none", ""), forged), "unsupported alg"},
		{"alg none with signature", sign(t, s.ed, hdr("none", ""), forged), "unsupported alg"},
		{"alg NONE", sign(t, nil, hdr("NONE", ""), forged), "unsupported alg"},
		{"HS256 keyed with RSA PEM", sign(t, pkixPEM(t, s.rsa.Public()), hdr("HS256", ""), forged), "unsupported alg"},
		{"HS256 keyed with all PEM", sign(t, s.pem, hdr("HS256", ""), forged), "unsupported alg"},
		{"RS512", sign(t, s.rsa, hdr("RS512", ""), forged), "unsupported alg"},
		{"RS256 header, EdDSA signature", sign(t, s.ed, hdr("RS256", ""), forged), "bad signature"},
		{"ES256 header, RSA signature", sign(t, s.rsa, hdr("ES256", ""), forged), "bad signature"},
		{"EdDSA header, ES256 signature", sign(t, s.ec, hdr("EdDSA", ""), forged), "bad signature"},
		{"unconfigured key", sign(t, s.other, hdr("ES256", ""), forged), "bad signature"},
		{"ES256 ASN.1 signature", asn1Sig, "bad signature"},
		{"tampered payload", parts[0] + "." + enc(mustJSON(t, forged)) + "." + parts[2], "bad signature"},
		{"tampered payload char", parts[0] + "." + tamper(parts[1], 10) + "." + parts[2], "bad signature"},
		{"tampered header", enc(mustJSON(t, hdr("RS256", "x"))) + "." + parts[1] + "." + parts[2], "bad signature"},
		{"tampered header char", tamper(parts[0], 3) + "." + parts[1] + "." + parts[2], ""},
		{"tampered signature", parts[0] + "." + parts[1] + "." + tamper(parts[2], 20), "bad signature"},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:340], "bad signature"},
		{"empty signature", parts[0] + "." + parts[1] + ".", "bad signature"},
		{"padded signature", good + "==", "malformed token"},
		{"std base64", parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+/", "malformed token"},
		{"newline in signature", parts[0] + "." + parts[1] + "." + parts[2][:8] + "\n" + parts[2][8:], "malformed token"},
		{"space", " " + good, "malformed token"},
		{"bad base64 length", parts[0] + "." + parts[1] + ".A", "malformed signature"},
		{"non-canonical base64", parts[0] + "." + parts[1] + "." + "AB", "malformed signature"},
		{"bad header base64", "A." + parts[1] + "." + parts[2], "malformed header"},
		{"header not an object", enc([]byte(`["RS256"]`)) + "." + parts[1] + "." + parts[2], "malformed header"},
		{"crit header", sign(t, s.ed, crit, claims(nil)), "crit"},
		{"two parts", parts[0] + "." + parts[1], "want 3 parts"},
		{"one part", parts[0], "want 3 parts"},
		{"four parts", good + "." + parts[2], "want 3 parts"},
		{"JWE-like five parts", good + ".." + parts[2], "want 3 parts"},
		{"empty", "", "want 3 parts"},
		{"dots only", "..", "malformed header"},
		{"oversized", sign(t, s.ed, hdr("EdDSA", ""), claims(map[string]any{"pad": strings.Repeat("x", 16<<10)})), "too large"},
		{"signed non-object payload", sign(t, s.ed, hdr("EdDSA", ""), nil), "malformed payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.token)
			wantInvalid(t, err, tc.reason)
			if c.Subject != "" {
				t.Fatalf("claims returned with error: %+v", c)
			}
		})
	}
}

func TestVerifySizeLimit(t *testing.T) {
	s := newStaticSet(t)
	v := verifier(t, Config{PEM: s.pem})
	// Base64 lengths skip some values, so vary the kid too until a token of
	// exactly the wanted length comes out.
	tokenOfLen := func(want int) string {
		base := len(sign(t, s.ed, hdr("EdDSA", ""), claims(map[string]any{"pad": ""})))
		for kid := ""; len(kid) < 8; kid += "k" {
			for n := (want-base)*3/4 - 16; n < (want-base)*3/4+16; n++ {
				tok := sign(t, s.ed, hdr("EdDSA", kid), claims(map[string]any{"pad": strings.Repeat("x", n)}))
				if len(tok) == want {
					return tok
				}
			}
		}
		t.Fatalf("no token of length %d", want)
		return ""
	}
	if _, err := v.Verify(context.Background(), tokenOfLen(maxTokenSize)); err != nil {
		t.Fatalf("token of exactly %d bytes: %v", maxTokenSize, err)
	}
	_, err := v.Verify(context.Background(), tokenOfLen(maxTokenSize+1))
	wantInvalid(t, err, "too large")
}
