package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestJWKSKidSelection(t *testing.T) {
	ra, rb, e, d := rsaKey(t), rsaKey(t), ecKey(t), edKey(t)
	srv := newJWKSServer(t, toJWK(t, ra.Public(), "a"), toJWK(t, rb.Public(), "b"),
		toJWK(t, e.Public(), "e"), toJWK(t, d.Public(), "d"))
	v := jwksVerifier(t, srv, newClock(t0()))
	for _, tc := range []struct {
		name, alg, kid string
		signer         any
		reason         string
	}{
		{"RSA kid a", "RS256", "a", ra, ""},
		{"RSA kid b", "RS256", "b", rb, ""},
		{"ECDSA", "ES256", "e", e, ""},
		{"Ed25519", "EdDSA", "d", d, ""},
		{"no kid tries every RSA key", "RS256", "", rb, ""},
		{"unknown kid tries every RSA key", "RS256", "zz", rb, ""},
		{"kid names another key", "RS256", "b", ra, "bad signature"},
		{"kid of an RSA key on an EdDSA token", "EdDSA", "a", d, ""},
		{"kid of an RSA key, alg RS256, signed by EC", "RS256", "a", e, "bad signature"},
		{"ES256 alg with the RSA key's kid", "ES256", "a", ra, "bad signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(t, tc.signer, hdr(tc.alg, tc.kid), claims(nil)))
			if tc.reason != "" {
				wantInvalid(t, err, tc.reason)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	// The clock never moved, so unknown kids could not trigger refetches.
	srv.wantHits(t, 1)
}

func TestJWKSSkipsUnusableKeys(t *testing.T) {
	good, enc1, rs512, padded := rsaKey(t), rsaKey(t), rsaKey(t), rsaKey(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384b, err := p384.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	e := ecKey(t)
	ecJWK := toJWK(t, e.Public(), "offcurve")
	ecJWK["y"] = ecJWK["x"] // a point that is almost surely not on the curve
	pj := toJWK(t, padded.Public(), "padded")
	pj["n"] = pj["n"].(string) + strings.Repeat("=", (4-len(pj["n"].(string))%4)%4)
	body := mustJSON(t, map[string]any{"keys": []any{
		toJWK(t, good.Public(), "ok"),
		with(toJWK(t, enc1.Public(), "enc"), map[string]any{"use": "enc"}),
		with(toJWK(t, rs512.Public(), "rs512"), map[string]any{"alg": "RS512"}),
		with(toJWK(t, small.Public(), "small"), nil),
		with(toJWK(t, good.Public(), "nouse"), map[string]any{"use": nil, "alg": "RS256"}),
		pj,
		ecJWK,
		map[string]any{"kty": "EC", "kid": "p384", "crv": "P-384", "x": enc(p384b[1:49]), "y": enc(p384b[49:])},
		map[string]any{"kty": "OKP", "kid": "ed448", "crv": "Ed448", "x": enc(make([]byte, 57))},
		map[string]any{"kty": "oct", "kid": "hmac", "k": enc([]byte("secret"))},
		map[string]any{"kty": "RSA", "kid": "badn", "n": "!!", "e": "AQAB"},
		map[string]any{"kty": "RSA", "kid": "bige", "n": toJWK(t, good.Public(), "")["n"], "e": enc([]byte{1, 0, 0, 0, 1})},
		42,
	}})
	keys, err := parseJWKS(body)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range keys {
		kids = append(kids, k.kid)
	}
	if want := []string{"ok", "rs512", "nouse", "padded"}; !slices.Equal(kids, want) {
		t.Fatalf("kept kids %q, want %q", kids, want)
	}

	srv := newJWKSServer(t)
	srv.setBody(body)
	v := jwksVerifier(t, srv, newClock(t0()))
	for _, tc := range []struct {
		kid    string
		signer *rsa.PrivateKey
		ok     bool
	}{{"ok", good, true}, {"padded", padded, true}, {"enc", enc1, false}, {"rs512", rs512, false}, {"small", small, false}} {
		_, err := v.Verify(context.Background(), sign(t, tc.signer, hdr("RS256", tc.kid), claims(nil)))
		if tc.ok && err != nil {
			t.Errorf("kid %s: %v", tc.kid, err)
		}
		if !tc.ok {
			wantInvalid(t, err, "bad signature")
		}
	}
	if _, err := parseJWKS([]byte(`{"keys": {}}`)); err == nil {
		t.Error("malformed JWKS accepted")
	}
}

func TestJWKSRefreshOnUnknownKid(t *testing.T) {
	ka, kb := edKey(t), edKey(t)
	srv := newJWKSServer(t, toJWK(t, ka.Public(), "a"))
	clock := newClock(t0())
	v := jwksVerifier(t, srv, clock)
	ctx := context.Background()
	tokA, tokB := sign(t, ka, hdr("EdDSA", "a"), claims(nil)), sign(t, kb, hdr("EdDSA", "b"), claims(nil))

	if _, err := v.Verify(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	srv.wantHits(t, 1)
	srv.setKeys(t, toJWK(t, ka.Public(), "a"), toJWK(t, kb.Public(), "b"))
	// Within MinRefresh of the first fetch, b's kid cannot cause a refetch.
	clock.Advance(29 * time.Second)
	_, err := v.Verify(ctx, tokB)
	wantInvalid(t, err, "bad signature")
	srv.wantHits(t, 1)

	clock.Advance(time.Second)
	if _, err := v.Verify(ctx, tokB); err != nil {
		t.Fatal(err)
	}
	srv.wantHits(t, 2)
	for _, tok := range []string{tokA, tokB, tokA} {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	srv.wantHits(t, 2)
}

func TestJWKSRefreshRateLimited(t *testing.T) {
	k := edKey(t)
	srv := newJWKSServer(t, toJWK(t, k.Public(), "a"))
	clock := newClock(t0())
	v := verifier(t, Config{JWKSURL: srv.URL, Now: clock.Now, MinRefresh: 5 * time.Second})
	flood := func() {
		t.Helper()
		for i := range 50 {
			// Unknown kids signed by the known key: each would like a refetch.
			tok := sign(t, k, hdr("EdDSA", "x"+strings.Repeat("y", i)), claims(nil))
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	flood()
	srv.wantHits(t, 1)
	clock.Advance(4 * time.Second)
	flood()
	srv.wantHits(t, 1)
	clock.Advance(time.Second)
	flood()
	srv.wantHits(t, 2)
	clock.Advance(5 * time.Second)
	flood()
	srv.wantHits(t, 3)
}

func TestJWKSCacheTTL(t *testing.T) {
	ka, kb := ecKey(t), ecKey(t)
	srv := newJWKSServer(t, toJWK(t, ka.Public(), "a"))
	clock := newClock(t0())
	v := jwksVerifier(t, srv, clock)
	tokA := sign(t, ka, hdr("ES256", "a"), claims(nil))
	if _, err := v.Verify(context.Background(), tokA); err != nil {
		t.Fatal(err)
	}
	// The issuer revokes a and publishes b; the cache keeps a until it is
	// 10 minutes old.
	srv.setKeys(t, toJWK(t, kb.Public(), "b"))
	clock.Advance(10*time.Minute - time.Second)
	if _, err := v.Verify(context.Background(), sign(t, ka, hdr("ES256", ""), claims(nil))); err != nil {
		t.Fatal(err)
	}
	srv.wantHits(t, 1)
	clock.Advance(time.Second)
	_, err := v.Verify(context.Background(), sign(t, ka, hdr("ES256", ""), claims(nil)))
	wantInvalid(t, err, "bad signature")
	srv.wantHits(t, 2)
	if _, err := v.Verify(context.Background(), sign(t, kb, hdr("ES256", "b"), claims(nil))); err != nil {
		t.Fatal(err)
	}
	srv.wantHits(t, 2)
}

func TestJWKSDeclaredAlg(t *testing.T) {
	d, e, r := edKey(t), ecKey(t), rsaKey(t)
	srv := newJWKSServer(t,
		with(toJWK(t, d.Public(), "ed-new"), map[string]any{"alg": "Ed25519"}),
		with(toJWK(t, d.Public(), "ed-old"), map[string]any{"alg": "EdDSA"}),
		with(toJWK(t, e.Public(), "ec"), map[string]any{"alg": "ES256"}),
		with(toJWK(t, e.Public(), "ec384"), map[string]any{"alg": "ES384"}),
		with(toJWK(t, r.Public(), "rsa"), map[string]any{"alg": "RS256"}),
		with(toJWK(t, r.Public(), "ps256"), map[string]any{"alg": "PS256"}),
	)
	v := jwksVerifier(t, srv, newClock(t0()))
	for _, tc := range []struct {
		alg, kid string
		signer   any
		ok       bool
	}{
		{"EdDSA", "ed-new", d, true}, {"EdDSA", "ed-old", d, true},
		{"ES256", "ec", e, true}, {"RS256", "rsa", r, true},
		// The kid names a key declared for another alg, so the fallback to
		// every key of the type finds the key published for ES256 / RS256.
		{"ES256", "ec384", e, true}, {"RS256", "ps256", r, true},
	} {
		_, err := v.Verify(context.Background(), sign(t, tc.signer, hdr(tc.alg, tc.kid), claims(nil)))
		if tc.ok != (err == nil) {
			t.Errorf("%s kid %s: err = %v", tc.alg, tc.kid, err)
		}
	}
	keys, err := parseJWKS(mustJSON(t, map[string]any{"keys": []any{
		with(toJWK(t, e.Public(), "ec384"), map[string]any{"alg": "ES384"}),
	}}))
	if err != nil || len(keys) != 1 || keys[0].usableFor("ES256") {
		t.Fatalf("a key declared ES384 is usable for ES256: %v", err)
	}
}
