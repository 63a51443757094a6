package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is the fixed "now" of the tests.
func t0() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }

// fakeClock is an injected clock that tests move by hand; safe for
// concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func edKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hdr is a JOSE header with typ JWT and, if kid is not empty, a kid.
func hdr(alg, kid string) map[string]any {
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return h
}

// sign is the test-only signer: it serializes header and claims and signs
// them with signer, whatever alg the header claims, so tests can build
// mismatched tokens. signer is an RSA, ECDSA or Ed25519 private key, a
// []byte HMAC secret, or nil for an empty signature.
func sign(t testing.TB, signer any, header, claims map[string]any) string {
	t.Helper()
	input := enc(mustJSON(t, header)) + "." + enc(mustJSON(t, claims))
	return input + "." + enc(rawSign(t, signer, []byte(input)))
}

func rawSign(t testing.TB, signer any, input []byte) []byte {
	t.Helper()
	h := sha256.Sum256(input)
	switch k := signer.(type) {
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	case ed25519.PrivateKey:
		return ed25519.Sign(k, input)
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write(input)
		return m.Sum(nil)
	case nil:
		return nil
	}
	t.Fatalf("unknown signer %T", signer)
	return nil
}

// pkixPEM encodes pub as a "PUBLIC KEY" block.
func pkixPEM(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// pkcs1PEM encodes pub as an "RSA PUBLIC KEY" block.
func pkcs1PEM(pub *rsa.PublicKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})
}

// certPEM returns a self-signed certificate for priv as a "CERTIFICATE"
// block.
func certPEM(t testing.TB, priv crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    t0().Add(-time.Hour),
		NotAfter:     t0().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// verifier builds a Verifier on the fixed clock, failing the test on error.
func verifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = t0
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantInvalid fails unless err wraps ErrInvalidToken, not
// ErrKeysUnavailable, and mentions reason.
func wantInvalid(t testing.TB, err error, reason string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrInvalidToken", err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("err = %q, want reason %q", err, reason)
	}
}

// claims returns valid claims for the fixed clock, with extra's values
// replacing them (a nil value removes the claim).
func claims(extra map[string]any) map[string]any {
	c := map[string]any{"sub": "user-1", "iss": "https://issuer.test", "exp": t0().Add(time.Hour).Unix()}
	for k, v := range extra {
		c[k] = v
		if v == nil {
			delete(c, k)
		}
	}
	return c
}
