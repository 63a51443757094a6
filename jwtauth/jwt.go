// Package jwtauth verifies JWT bearer tokens (compact JWS) against keys the
// service is configured with: PEM public keys or certificates, a JWKS URL,
// or both. Only the asymmetric algorithms RS256, ES256 and EdDSA (Ed25519)
// are accepted, and the algorithm must match the type of the key that
// verifies the signature. A verified token yields the few claims the
// service needs: subject, orgs and roles.
//
// Verify reports two kinds of failure. A token that is malformed, badly
// signed, expired or otherwise unacceptable yields an error wrapping
// ErrInvalidToken whose message is short and safe to return to the client.
// When the token cannot be judged because the JWKS endpoint cannot be
// reached (and no usable keys are cached), the error wraps
// ErrKeysUnavailable instead; it is meant for logs and a 503, not a 401.
//
// Signatures are verified and exp, nbf, iat, iss and aud are validated by
// github.com/golang-jwt/jwt/v5, and JWKs are parsed by
// github.com/MicahParks/jwkset; this package keeps the policy around them
// (accepted algs and keys, key selection, the JWKS cache) and never logs.
package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is wrapped by every error Verify returns for a token that
// is rejected. The wrapping error's message adds a short reason that never
// contains key material.
var ErrInvalidToken = errors.New("jwtauth: invalid token")

// ErrKeysUnavailable is wrapped by the error Verify returns when the JWKS
// could not be fetched and no cached or static key verifies the token. It
// does not wrap ErrInvalidToken: the token was not judged. It also wraps the
// cause (for instance context.Canceled), and its message may include the
// JWKS URL and the transport error, so log it rather than show it.
var ErrKeysUnavailable = errors.New("jwtauth: signing keys unavailable")

// maxTokenSize caps the accepted compact serialization, in bytes.
const maxTokenSize = 16 << 10

// Config configures a Verifier.
type Config struct {
	// PEM holds zero or more concatenated PEM blocks: "PUBLIC KEY" (PKIX:
	// RSA, ECDSA P-256, Ed25519), "RSA PUBLIC KEY" (PKCS #1) or
	// "CERTIFICATE" (only its public key is used; validity and chain are
	// not checked). RSA keys must have at least 2048 bits. Text between
	// blocks is ignored.
	PEM []byte
	// JWKSURL is an optional JWKS endpoint (http or https). It is fetched
	// lazily, cached, refreshed after CacheTTL and on an unknown kid (at
	// most once per MinRefresh). If a refresh fails, the keys fetched
	// before keep being used; keys that are not RSA (2048 bits or more),
	// EC P-256 or OKP Ed25519, or whose use is not "sig", are skipped, and
	// so are keys that jwkset refuses: malformed members, an unregistered
	// key_ops value, an x5c or x5t that does not match the key, or an x5u
	// that is not https (it is never fetched).
	JWKSURL string
	// Issuer, if set, must equal the token's iss claim.
	Issuer string
	// Audience, if set, must be the token's aud claim (a string) or one of
	// its elements (an array).
	Audience string
	// Leeway is the clock skew allowed for exp, nbf and iat; 30s when zero
	// (set a tiny value such as time.Nanosecond for practically none).
	Leeway time.Duration
	// RequireExpiry rejects tokens without an exp claim.
	RequireExpiry bool
	// HTTPClient fetches the JWKS; a client with a 5s timeout when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// CacheTTL is how long a fetched JWKS is used before it is refetched
	// (10 min when zero); MinRefresh is the minimum interval between two
	// fetch attempts (30s when zero).
	CacheTTL, MinRefresh time.Duration
}

// Verifier verifies tokens against the configured keys. It is safe for
// concurrent use.
type Verifier struct {
	static        []*key
	jwks          *jwksCache // nil without a JWKS URL
	validator     *jwt.Validator
	issuer        string // for reason; the validator enforces it
	requireExpiry bool   // for reason; the validator enforces it
	now           func() time.Time
}

// New checks cfg and returns a Verifier. It fails if the PEM is malformed or
// holds an unsupported key, if neither PEM keys nor a JWKS URL are given, or
// if a duration is negative. It does not contact the JWKS URL.
func New(cfg Config) (*Verifier, error) {
	static, err := parsePEM(cfg.PEM)
	if err != nil {
		return nil, err
	}
	if len(static) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("jwtauth: no PEM keys and no JWKS URL configured")
	}
	if cfg.Leeway < 0 || cfg.CacheTTL < 0 || cfg.MinRefresh < 0 {
		return nil, errors.New("jwtauth: negative duration in config")
	}
	v := &Verifier{
		static:        static,
		issuer:        cfg.Issuer,
		requireExpiry: cfg.RequireExpiry,
		now:           cfg.Now,
	}
	if v.now == nil {
		v.now = time.Now
	}
	v.validator = newValidator(cfg, orDefault(cfg.Leeway, 30*time.Second), v.now)
	if cfg.JWKSURL != "" {
		u, err := url.Parse(cfg.JWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("jwtauth: JWKS URL must be an absolute http(s) URL")
		}
		client := cfg.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 5 * time.Second}
		}
		v.jwks = &jwksCache{
			url:        cfg.JWKSURL,
			client:     client,
			now:        v.now,
			ttl:        orDefault(cfg.CacheTTL, 10*time.Minute),
			minRefresh: orDefault(cfg.MinRefresh, 30*time.Second),
		}
	}
	return v, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// header is the part of the JOSE header the verifier looks at. Headers that
// point at keys (jku, jwk, x5u, x5c) are deliberately ignored: trusting them
// would let the token choose its own key.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  *string         `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// Verify checks token, the compact JWS without any "Bearer " prefix, and
// returns its claims. See the package documentation for the errors.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > maxTokenSize {
		return Claims{}, invalid("token too large")
	}
	// Checking the alphabet up front also rejects padding and the line
	// breaks the base64 decoder would otherwise skip silently.
	for i := 0; i < len(token); i++ {
		if c := token[i]; !isB64URL(c) && c != '.' {
			return Claims{}, invalid("malformed token")
		}
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, invalid("malformed token: want 3 parts")
	}
	var h header
	if err := decodeJSONPart(parts[0], &h); err != nil {
		return Claims{}, invalid("malformed header")
	}
	if err := h.check(); err != nil {
		return Claims{}, err
	}
	sig, err := b64(parts[2])
	if err != nil {
		return Claims{}, invalid("malformed signature")
	}
	signed := token[:len(parts[0])+1+len(parts[1])]
	// The signature is checked before the payload is even decoded, so
	// nothing an unauthenticated sender controls reaches the claim parser.
	if err := v.verifySignature(ctx, h, signed, sig); err != nil {
		return Claims{}, err
	}
	raw, err := b64(parts[1])
	if err != nil {
		return Claims{}, invalid("malformed payload")
	}
	return v.checkClaims(raw)
}

func (h *header) check() error {
	if _, ok := algs[h.Alg]; !ok {
		return invalid("unsupported alg")
	}
	if h.Typ != nil && !validTyp(*h.Typ) {
		return invalid("unsupported typ")
	}
	// No extension is understood, so any crit must be refused (RFC 7515
	// 4.1.11); this also refuses unencoded payloads (RFC 7797).
	if len(h.Crit) > 0 {
		return invalid("unsupported crit header")
	}
	return nil
}

// validTyp accepts JWT and at+jwt in any case, with or without the
// "application/" prefix RFC 7515 says a recipient must assume.
func validTyp(typ string) bool {
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	return strings.EqualFold(typ, "jwt") || strings.EqualFold(typ, "at+jwt")
}

func decodeJSONPart(part string, dst any) error {
	raw, err := b64(part)
	if err != nil {
		return err
	}
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(raw, dst)
}

// b64 decodes unpadded base64url strictly, so each value has exactly one
// encoding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func isB64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, reason)
}
