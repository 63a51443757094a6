// Package oauthtoken issues and verifies the access tokens of the Customer
// Products API: compact JWS signed with Ed25519 (alg EdDSA). The tokens are
// explicitly typed (typ crm-products+jwt, RFC 8725 §3.11) and carry their
// own audience, so that a verifier of other JWTs (the v4 surface's) refuses
// them even if it were given the same key, and this package refuses every
// other JWT.
package oauthtoken

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

// The fixed parts of every token.
const (
	Type     = "crm-products+jwt"
	Audience = "crm-products"
	Issuer   = "crmd"
)

// leeway absorbs clock skew between the instances that issue and verify.
const leeway = 30 * time.Second

// maxTokenSize bounds what Verify even looks at.
const maxTokenSize = 4 << 10

// Signer issues and verifies tokens with one Ed25519 key. It is safe for
// concurrent use.
type Signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	kid  string
}

var _ crm.AccessTokens = (*Signer)(nil)

// New returns a signer over priv.
func New(priv ed25519.PrivateKey) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("oauthtoken: not an Ed25519 private key")
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{priv: priv, pub: pub, kid: thumbprint(pub)}, nil
}

// KeyID is the RFC 7638 thumbprint of the public key, the tokens' kid.
func (s *Signer) KeyID() string { return s.kid }

// thumbprint is the JWK thumbprint of an OKP Ed25519 key (RFC 8037 §2).
func thumbprint(pub ed25519.PublicKey) string {
	jwk := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

type header struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

type claims struct {
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Sub   string `json:"sub"`
	Org   string `json:"org"`
	Scope string `json:"scope"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Jti   string `json:"jti"`
}

// Issue signs a token for c. IssuedAt and ExpiresAt are kept to the second.
func (s *Signer) Issue(c crm.AccessTokenClaims) (string, error) {
	if c.ClientID == "" || c.OrgID == "" || len(c.Scopes) == 0 || !c.ExpiresAt.After(c.IssuedAt) {
		return "", errors.New("oauthtoken: incomplete claims")
	}
	h, err := json.Marshal(header{Alg: "EdDSA", Typ: Type, Kid: s.kid})
	if err != nil {
		return "", err
	}
	scopes := make([]string, len(c.Scopes))
	for i, r := range c.Scopes {
		scopes[i] = string(r)
	}
	p, err := json.Marshal(claims{Iss: Issuer, Aud: Audience, Sub: c.ClientID, Org: c.OrgID,
		Scope: strings.Join(scopes, " "), Iat: c.IssuedAt.Unix(), Exp: c.ExpiresAt.Unix(),
		Jti: uuid.Must(uuid.NewV7()).String()})
	if err != nil {
		return "", err
	}
	signed := b64(h) + "." + b64(p)
	return signed + "." + b64(ed25519.Sign(s.priv, []byte(signed))), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Verify checks token at now and returns its claims. Every failure is an
// EUNAUTHORIZED whose message is safe to show.
func (s *Signer) Verify(token string, now time.Time) (crm.AccessTokenClaims, error) {
	if len(token) > maxTokenSize {
		return crm.AccessTokenClaims{}, invalid("token too large")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return crm.AccessTokenClaims{}, invalid("malformed token")
	}
	var h header
	if err := decodePart(parts[0], &h); err != nil {
		return crm.AccessTokenClaims{}, invalid("malformed token header")
	}
	// The header is checked whole before the signature: this package
	// accepts exactly the tokens it issues and no variant of them.
	if h.Alg != "EdDSA" || h.Typ != Type || len(h.Crit) > 0 {
		return crm.AccessTokenClaims{}, invalid("not an access token of this API")
	}
	if h.Kid != s.kid {
		return crm.AccessTokenClaims{}, invalid("token signed by an unknown key")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || !ed25519.Verify(s.pub, []byte(parts[0]+"."+parts[1]), sig) {
		return crm.AccessTokenClaims{}, invalid("bad token signature")
	}
	var c claims
	if err := decodePart(parts[1], &c); err != nil {
		return crm.AccessTokenClaims{}, invalid("malformed token payload")
	}
	exp, iat := time.Unix(c.Exp, 0).UTC(), time.Unix(c.Iat, 0).UTC()
	switch {
	case c.Iss != Issuer || c.Aud != Audience:
		return crm.AccessTokenClaims{}, invalid("not an access token of this API")
	case c.Sub == "" || c.Org == "":
		return crm.AccessTokenClaims{}, invalid("token without client or org")
	case !now.Before(exp.Add(leeway)):
		return crm.AccessTokenClaims{}, invalid("token expired")
	case now.Add(leeway).Before(iat):
		return crm.AccessTokenClaims{}, invalid("token issued in the future")
	}
	out := crm.AccessTokenClaims{ClientID: c.Sub, OrgID: c.Org, IssuedAt: iat, ExpiresAt: exp}
	for _, f := range strings.Fields(c.Scope) {
		if r := crm.Role(f); slices.Contains(crm.ProductScopes, r) && !slices.Contains(out.Scopes, r) {
			out.Scopes = append(out.Scopes, r)
		}
	}
	return out, nil
}

// decodePart decodes one base64url JSON object strictly: one encoding per
// value, no unknown fields, nothing after the object.
func decodePart(part string, dst any) error {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(part)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

func invalid(reason string) error {
	return crm.Errorf(crm.EUNAUTHORIZED, "invalid access token: %s", reason)
}

// String describes the signer without key material.
func (s *Signer) String() string { return fmt.Sprintf("oauthtoken.Signer{kid: %s}", s.kid) }
