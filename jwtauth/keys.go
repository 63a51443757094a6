package jwtauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// keyType is the family of a public key; each accepted alg needs exactly one.
type keyType int

const (
	keyRSA keyType = iota + 1
	keyEC256
	keyEd25519
)

// minRSABits is the smallest RSA modulus accepted, from PEM or JWKS.
const minRSABits = 2048

// algs maps each accepted alg to the key type it needs and the
// golang-jwt signing method that verifies it; any other alg (none, HS256,
// RS512, ...) is refused.
var algs = map[string]struct {
	typ    keyType
	method jwt.SigningMethod
}{
	"RS256": {keyRSA, jwt.SigningMethodRS256},
	"ES256": {keyEC256, jwt.SigningMethodES256},
	"EdDSA": {keyEd25519, jwt.SigningMethodEdDSA},
}

// key is one trusted public key.
type key struct {
	kid string  // empty for PEM keys
	alg string  // the JWK's alg, if it declared one
	typ keyType // derived from pub, never from the token
	pub crypto.PublicKey
}

// usableFor reports whether k may verify a token whose header says alg.
func (k *key) usableFor(alg string) bool {
	a, ok := algs[alg]
	return ok && k.typ == a.typ && (k.alg == "" || k.alg == alg)
}

// verify checks sig over signed with alg's golang-jwt signing method; the
// caller has checked usableFor(alg), so the method gets the key type it
// expects. The ES256 method takes only the fixed-width r||s form, not ASN.1
// (RFC 7518 3.4).
func (k *key) verify(alg, signed string, sig []byte) bool {
	return algs[alg].method.Verify(signed, sig, k.pub) == nil
}

// newKey checks that pub is a supported key and classifies it.
func newKey(pub crypto.PublicKey) (*key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key smaller than %d bits", minRSABits)
		}
		return &key{typ: keyRSA, pub: p}, nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return nil, errors.New("ECDSA key not on P-256")
		}
		return &key{typ: keyEC256, pub: p}, nil
	case ed25519.PublicKey:
		// ed25519.Verify panics on a wrong-length key.
		if len(p) != ed25519.PublicKeySize {
			return nil, errors.New("bad Ed25519 key length")
		}
		return &key{typ: keyEd25519, pub: p}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", pub)
}

// parsePEM reads every block of data. Text between blocks is tolerated (as
// in certificate bundles) but a truncated block or a file with no block at
// all is an error, so a broken key file is noticed at startup.
func parsePEM(data []byte) ([]*key, error) {
	var keys []*key
	rest := data
	for i := 1; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		pub, err := parsePEMBlock(block)
		if err == nil {
			var k *key
			if k, err = newKey(pub); err == nil {
				keys = append(keys, k)
				continue
			}
		}
		return nil, fmt.Errorf("jwtauth: PEM block %d (%s): %w", i, block.Type, err)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) || (len(keys) == 0 && len(bytes.TrimSpace(rest)) > 0) {
		return nil, errors.New("jwtauth: malformed PEM")
	}
	return keys, nil
}

func parsePEMBlock(block *pem.Block) (crypto.PublicKey, error) {
	switch block.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	}
	return nil, errors.New("unsupported PEM block type")
}

// verifySignature finds the candidate keys for h and checks sig with each.
func (v *Verifier) verifySignature(ctx context.Context, h header, signed string, sig []byte) error {
	keys := v.static
	var fetchErr error
	if v.jwks != nil {
		remote, err := v.jwks.get(ctx, false)
		// A kid nobody knows may mean the issuer rotated keys; refetch
		// (rate-limited inside the cache) before giving up on it.
		if err == nil && h.Kid != "" && !hasKid(v.static, h.Kid, h.Alg) && !hasKid(remote, h.Kid, h.Alg) {
			remote, err = v.jwks.get(ctx, true)
		}
		keys, fetchErr = append(keys[:len(keys):len(keys)], remote...), err
	}
	candidates := selectKeys(keys, h.Kid, h.Alg)
	for _, k := range candidates {
		if k.verify(h.Alg, signed, sig) {
			return nil
		}
	}
	if fetchErr != nil {
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, fetchErr)
	}
	if len(candidates) == 0 {
		return invalid("no key for kid and alg")
	}
	return invalid("bad signature")
}

// hasKid reports whether one of keys has kid and may verify alg.
func hasKid(keys []*key, kid, alg string) bool {
	for _, k := range keys {
		if k.kid == kid && k.usableFor(alg) {
			return true
		}
	}
	return false
}

// selectKeys returns the keys with the token's kid, or, when it has none or
// no key carries it (PEM keys have no kid), every key usable for alg.
func selectKeys(keys []*key, kid, alg string) []*key {
	var byKid, byAlg []*key
	for _, k := range keys {
		if !k.usableFor(alg) {
			continue
		}
		byAlg = append(byAlg, k)
		if kid != "" && k.kid == kid {
			byKid = append(byKid, k)
		}
	}
	if len(byKid) > 0 {
		return byKid
	}
	return byAlg
}
