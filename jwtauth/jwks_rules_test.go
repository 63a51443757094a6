package jwtauth

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJWKSLibraryRules pins which JWKs parseJWKS keeps now that jwkset
// parses and validates them. Rows marked "changed" were treated the other
// way by the hand-written parser this package had before: it ignored
// x5c, x5t, x5u and key_ops, required EC coordinates of exactly 32 bytes,
// RSA exponents of at most 4 bytes, and canonical base64url.
func TestJWKSLibraryRules(t *testing.T) {
	r, e, d, other := rsaKey(t), ecKey(t), edKey(t), ecKey(t)
	rsaJWK, ecJWK, edJWK := toJWK(t, r.Public(), ""), toJWK(t, e.Public(), ""), toJWK(t, d.Public(), "")
	certOfR := certDER(t, r)
	sha1R, sha256R := sha1.Sum(certOfR), sha256.Sum256(certOfR)
	std := base64.StdEncoding.EncodeToString
	ecX, err := base64.RawURLEncoding.DecodeString(ecJWK["x"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		jwk  map[string]any
		kept bool
	}{
		{"x5c of the key", with(rsaJWK, map[string]any{"x5c": []string{std(certOfR)}}), true},
		{"x5c of another key (changed)", with(ecJWK, map[string]any{"x5c": []string{std(certDER(t, other))}}), false},
		{"x5c of another key type (changed)", with(ecJWK, map[string]any{"x5c": []string{std(certOfR)}}), false},
		{"x5c not a certificate (changed)", with(rsaJWK, map[string]any{"x5c": []string{"AAAA"}}), false},
		{"x5c not an array (changed)", with(rsaJWK, map[string]any{"x5c": std(certOfR)}), false},
		{"x5t and x5t#S256 of the x5c", with(rsaJWK, map[string]any{"x5c": []string{std(certOfR)},
			"x5t": enc(sha1R[:]), "x5t#S256": enc(sha256R[:])}), true},
		{"x5t not of the x5c (changed)", with(rsaJWK, map[string]any{"x5c": []string{std(certOfR)}, "x5t": enc(make([]byte, 20))}), false},
		{"x5t without x5c", with(rsaJWK, map[string]any{"x5t": enc(make([]byte, 20))}), true},
		{"x5u https, not fetched", with(rsaJWK, map[string]any{"x5u": "https://issuer.test/cert.pem"}), true},
		{"x5u http (changed)", with(rsaJWK, map[string]any{"x5u": "http://issuer.test/cert.pem"}), false},
		{"key_ops verify", with(rsaJWK, map[string]any{"key_ops": []string{"verify"}}), true},
		{"key_ops unregistered (changed)", with(rsaJWK, map[string]any{"key_ops": []string{"frobnicate"}}), false},
		{"key_ops not an array (changed)", with(rsaJWK, map[string]any{"key_ops": "verify"}), false},
		{"private member ignored", with(ecJWK, map[string]any{"d": enc([]byte("not a scalar"))}), true},
		{"EC x with a leading zero byte (changed)", with(ecJWK, map[string]any{"x": enc(append([]byte{0}, ecX...))}), true},
		{"EC x of the wrong value", with(ecJWK, map[string]any{"x": enc(append([]byte{1}, ecX...))}), false},
		{"non-canonical base64url (changed)", with(edJWK, map[string]any{"x": nonCanonical(t, edJWK["x"].(string))}), true},
		{"RSA e with leading zero bytes (changed)", with(rsaJWK, map[string]any{"e": enc([]byte{0, 0, 0, 1, 0, 1})}), true},
		{"RSA e of 2^31+1 (changed)", with(rsaJWK, map[string]any{"e": enc([]byte{0x80, 0, 0, 1})}), false},
		{"RSA e of 2", with(rsaJWK, map[string]any{"e": enc([]byte{2})}), false},
		{"RSA key with a crv", with(rsaJWK, map[string]any{"crv": "P-256"}), true},
		{"OKP X25519", with(edJWK, map[string]any{"crv": "X25519"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := parseJWKS(mustJSON(t, map[string]any{"keys": []any{tc.jwk}}))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(keys) == 1; got != tc.kept {
				t.Fatalf("kept = %v (%d keys), want %v", got, len(keys), tc.kept)
			}
		})
	}
}

// TestJWKSKeepsOrderAndMetadata checks that kid and alg reach the parsed
// keys, in the set's order, and that the skipped keys leave no gap.
func TestJWKSKeepsOrderAndMetadata(t *testing.T) {
	r, e, d := rsaKey(t), ecKey(t), edKey(t)
	keys, err := parseJWKS(mustJSON(t, map[string]any{"keys": []any{
		with(toJWK(t, d.Public(), "d"), map[string]any{"alg": "Ed25519"}),
		with(toJWK(t, e.Public(), "skipped"), map[string]any{"key_ops": []string{"x"}}),
		with(toJWK(t, e.Public(), "e"), map[string]any{"alg": "ES256"}),
		with(toJWK(t, r.Public(), "r"), map[string]any{"use": nil}),
	}}))
	if err != nil {
		t.Fatal(err)
	}
	type meta struct {
		Kid, Alg string
		Typ      keyType
	}
	var got []meta
	for _, k := range keys {
		got = append(got, meta{k.kid, k.alg, k.typ})
	}
	want := []meta{{"d", "EdDSA", keyEd25519}, {"e", "ES256", keyEC256}, {"r", "", keyRSA}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("keys (-want +got):\n%s", diff)
	}
}

// certDER returns the DER of a self-signed certificate for priv.
func certDER(t *testing.T, priv crypto.Signer) []byte {
	t.Helper()
	b, _ := pem.Decode(certPEM(t, priv))
	if b == nil {
		t.Fatal("certPEM made no PEM block")
	}
	return b.Bytes
}

// nonCanonical sets the unused low bits of s's last base64url character,
// which a strict decoder refuses and a lenient one ignores. s must encode
// a length that leaves such bits (not a multiple of 3 bytes).
func nonCanonical(t *testing.T, s string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	if len(s)%4 == 0 || i < 0 || i&1 != 0 {
		t.Fatalf("nonCanonical(%q): no unused bits to set", s)
	}
	out := s[:len(s)-1] + string(alphabet[i|1])
	if _, err := base64.RawURLEncoding.Strict().DecodeString(out); err == nil {
		t.Fatalf("nonCanonical(%q) = %q, still canonical", s, out)
	}
	return out
}
