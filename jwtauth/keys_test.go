package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPEMKinds(t *testing.T) {
	r, e, d := rsaKey(t), ecKey(t), edKey(t)
	otherRSA := rsaKey(t)
	for _, tc := range []struct {
		name   string
		pem    []byte
		alg    string
		signer any
		other  any // a key of the same type that is not configured
	}{
		{"PKIX RSA", pkixPEM(t, r.Public()), "RS256", r, otherRSA},
		{"PKIX ECDSA", pkixPEM(t, e.Public()), "ES256", e, ecKey(t)},
		{"PKIX Ed25519", pkixPEM(t, d.Public()), "EdDSA", d, edKey(t)},
		{"PKCS1 RSA", pkcs1PEM(&r.PublicKey), "RS256", r, otherRSA},
		{"certificate RSA", certPEM(t, r), "RS256", r, otherRSA},
		{"certificate ECDSA", certPEM(t, e), "ES256", e, ecKey(t)},
		{"certificate Ed25519", certPEM(t, d), "EdDSA", d, edKey(t)},
		{"bundle with text between blocks", slices.Concat(
			[]byte("# issuer A\n"), certPEM(t, e), []byte("subject=CN=x\n"), pkcs1PEM(&otherRSA.PublicKey),
			[]byte("\n"), pkixPEM(t, r.Public()), []byte("\n\n")), "RS256", r, rsaKey(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verifier(t, Config{PEM: tc.pem})
			if _, err := v.Verify(context.Background(), sign(t, tc.signer, hdr(tc.alg, ""), claims(nil))); err != nil {
				t.Fatalf("configured key: %v", err)
			}
			_, err := v.Verify(context.Background(), sign(t, tc.other, hdr(tc.alg, ""), claims(nil)))
			wantInvalid(t, err, "bad signature")
		})
	}
}

func TestPEMKeysIgnoreKid(t *testing.T) {
	r1, r2 := rsaKey(t), rsaKey(t)
	v := verifier(t, Config{PEM: slices.Concat(pkixPEM(t, r1.Public()), pkixPEM(t, r2.Public()))})
	// PEM keys have no kid, so every RSA key is tried whatever the kid says.
	for _, k := range []*rsa.PrivateKey{r1, r2} {
		if _, err := v.Verify(context.Background(), sign(t, k, hdr("RS256", "unknown"), claims(nil))); err != nil {
			t.Fatal(err)
		}
	}
	_, err := v.Verify(context.Background(), sign(t, edKey(t), hdr("EdDSA", ""), claims(nil)))
	wantInvalid(t, err, "no key for kid and alg")
}

func TestNewErrors(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	good := pkixPEM(t, ecKey(t).Public())
	der, err := x509.MarshalPKCS8PrivateKey(edKey(t))
	if err != nil {
		t.Fatal(err)
	}
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"nothing configured", Config{}, "no PEM keys and no JWKS URL"},
		{"whitespace PEM only", Config{PEM: []byte(" \n\t")}, "no PEM keys and no JWKS URL"},
		{"not PEM", Config{PEM: []byte("hello")}, "malformed PEM"},
		{"truncated block", Config{PEM: good[:len(good)-30]}, "malformed PEM"},
		{"truncated second block", Config{PEM: slices.Concat(good, good[:40])}, "malformed PEM"},
		{"corrupt DER", Config{PEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})}, "PEM block 1"},
		{"corrupt certificate", Config{PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})}, "PEM block 1 (CERTIFICATE)"},
		{"private key", Config{PEM: slices.Concat(good, privPEM)}, "PEM block 2 (PRIVATE KEY): unsupported PEM block type"},
		{"P-384", Config{PEM: pkixPEM(t, p384.Public())}, "not on P-256"},
		{"RSA 1024", Config{PEM: pkcs1PEM(&small.PublicKey)}, "smaller than 2048"},
		{"JWKS URL relative", Config{JWKSURL: "/keys"}, "absolute http(s)"},
		{"JWKS URL file", Config{JWKSURL: "file:///etc/keys.json"}, "absolute http(s)"},
		{"negative leeway", Config{PEM: good, Leeway: -1}, "negative"},
		{"negative TTL", Config{JWKSURL: "https://x.test/jwks", CacheTTL: -1}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(tc.cfg)
			if err == nil || v != nil {
				t.Fatalf("New = %v, %v; want error", v, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %q, want %q", err, tc.want)
			}
			if errors.Is(err, ErrInvalidToken) {
				t.Fatalf("config error wraps ErrInvalidToken")
			}
		})
	}
}

func TestNewAcceptsJWKSOnly(t *testing.T) {
	if _, err := New(Config{JWKSURL: "https://issuer.test/.well-known/jwks.json"}); err != nil {
		t.Fatal(err)
	}
}
