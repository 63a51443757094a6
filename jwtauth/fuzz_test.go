package jwtauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzKeys are the keys FuzzVerify trusts. The Ed25519 and ECDSA keys are
// derived from fixed strings so that the tokens in testdata/fuzz stay
// validly signed; the RSA key is fresh, so only f.Add seeds use it.
type fuzzKeys struct {
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
}

func newFuzzKeys(t testing.TB) fuzzKeys {
	edSeed := sha256.Sum256([]byte("jwtauth fuzz ed25519"))
	ecScalar := sha256.Sum256([]byte("jwtauth fuzz p256"))
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), ecScalar[:])
	if err != nil {
		t.Fatal(err)
	}
	return fuzzKeys{ed: ed25519.NewKeyFromSeed(edSeed[:]), ec: ec, rsa: rsaKey(t)}
}

// signedBy reports whether sig over input verifies under the trusted key
// that alg names, checked directly with the crypto packages rather than
// through the code under test.
func (k fuzzKeys) signedBy(alg string, input, sig []byte) bool {
	h := sha256.Sum256(input)
	switch alg {
	case "EdDSA":
		return ed25519.Verify(k.ed.Public().(ed25519.PublicKey), input, sig)
	case "ES256":
		return len(sig) == 64 && ecdsa.Verify(&k.ec.PublicKey, h[:],
			new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	case "RS256":
		return rsa.VerifyPKCS1v15(&k.rsa.PublicKey, crypto.SHA256, h[:], sig) == nil
	}
	return false
}

// fuzzVerifier trusts k's public keys, with issuer and audience checks.
func fuzzVerifier(t testing.TB, k fuzzKeys) *Verifier {
	return verifier(t, Config{
		PEM:      slices.Concat(pkixPEM(t, k.ed.Public()), pkixPEM(t, k.ec.Public()), pkcs1PEM(&k.rsa.PublicKey)),
		Issuer:   "https://issuer.test",
		Audience: "crm",
	})
}

// TestFuzzCorpus checks the hand-made seeds in testdata: those named
// valid_* must verify (so the fuzzer starts from accepted tokens), the
// others must not.
func TestFuzzCorpus(t *testing.T) {
	v := fuzzVerifier(t, newFuzzKeys(t))
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no seeds: %v", err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		quoted, ok := strings.CutPrefix(string(data), "go test fuzz v1\nstring(")
		quoted, ok2 := strings.CutSuffix(strings.TrimSpace(quoted), ")")
		token, err := strconv.Unquote(quoted)
		if !ok || !ok2 || err != nil {
			t.Fatalf("%s: not a go test fuzz v1 string", e.Name())
		}
		_, err = v.Verify(context.Background(), token)
		if valid := strings.HasPrefix(e.Name(), "valid_"); valid != (err == nil) {
			t.Errorf("%s: err = %v", e.Name(), err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	k := newFuzzKeys(f)
	v := fuzzVerifier(f, k)
	full := claims(map[string]any{"aud": []string{"crm"}, "org": "acme", "orgs": []string{"globex"},
		"roles": "admin", "scope": "customers:read", "nbf": 1.5e9, "iat": 1.8e9})
	good := sign(f, k.rsa, hdr("RS256", "k1"), full)
	parts := strings.Split(good, ".")
	if _, err := v.Verify(context.Background(), good); err != nil {
		f.Fatalf("seed token rejected: %v", err)
	}
	for _, seed := range []string{
		good,
		sign(f, k.ec, hdr("ES256", ""), full),
		sign(f, k.ed, hdr("EdDSA", ""), full),
		sign(f, k.ed, map[string]any{"alg": "EdDSA", "typ": "at+jwt", "crit": []string{"b64"}}, full),
		sign(f, nil, hdr("none", ""), full),
		sign(f, pkcs1PEM(&k.rsa.PublicKey), hdr("HS256", ""), full),
		sign(f, k.ed, hdr("RS256", ""), full),
		parts[0] + "." + enc([]byte(`{"iss":"https://issuer.test","aud":"crm","exp":1e400}`)) + "." + parts[2],
		parts[0] + "." + parts[1],
		parts[0] + "." + parts[1] + "." + parts[2] + "=",
		"..",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error does not wrap ErrInvalidToken: %v", err)
			}
			if c.Subject != "" || c.Issuer != "" || c.Orgs != nil || c.Roles != nil || !c.ExpiresAt.IsZero() {
				t.Fatalf("claims returned with error: %+v", c)
			}
			return
		}
		// Accepted: it must be a compact JWS whose header names an allowed
		// alg and whose signature that alg's trusted key produced.
		parts := strings.Split(token, ".")
		if len(parts) != 3 || len(token) > maxTokenSize {
			t.Fatalf("accepted malformed token %q", token)
		}
		var h struct{ Alg string }
		raw, err1 := base64.RawURLEncoding.DecodeString(parts[0])
		sig, err2 := base64.RawURLEncoding.DecodeString(parts[2])
		if err1 != nil || err2 != nil || json.Unmarshal(raw, &h) != nil {
			t.Fatalf("accepted undecodable token %q", token)
		}
		if !k.signedBy(h.Alg, []byte(parts[0]+"."+parts[1]), sig) {
			t.Fatalf("accepted token not signed by the trusted %s key: %q", h.Alg, token)
		}
		if c.Issuer != "https://issuer.test" {
			t.Fatalf("accepted issuer %q", c.Issuer)
		}
	})
}
