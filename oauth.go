package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ProductScopes are the products roles: the scopes an OAuth client of the
// Customer Products API holds when none are named.
var ProductScopes = []Role{RoleProductsRead, RoleProductsWrite}

// ClientScopes are every scope an OAuth client may hold: the products
// roles and RoleCustomersReadMasked, which reads products with their IBANs
// masked and writes nothing.
var ClientScopes = []Role{RoleProductsRead, RoleProductsWrite, RoleCustomersReadMasked}

// AccessTokenTTL is how long an access token of the products surface is
// valid (expires_in 3600).
const AccessTokenTTL = time.Hour

// OAuthClient is a client of the Customer Products API: it gets access
// tokens with the client-credentials grant. Its secret is never stored,
// only its hash.
type OAuthClient struct {
	ID        string // the client_id
	OrgID     string // the org every token of the client acts in
	Name      string
	Scopes    []Role
	CreatedAt time.Time
	RevokedAt *time.Time
}

// ParseScopes reads a comma- or space-separated scope list, checking each
// is one of ClientScopes; empty input means the products scopes
// (ProductScopes). Duplicates are dropped; the order is that of
// ClientScopes.
func ParseScopes(s string) ([]Role, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return slices.Clone(ProductScopes), nil
	}
	var out []Role
	for _, f := range fields {
		if !slices.Contains(ClientScopes, Role(f)) {
			return nil, Invalid("scopes", "unknown scope %q: want %s", f, joinEnum(ClientScopes))
		}
	}
	for _, sc := range ClientScopes {
		if slices.Contains(fields, string(sc)) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// OAuthClientService manages the clients of the products surface and
// checks their credentials. Besides the codes each method names, any may
// return EUNAVAILABLE (database down or busy) or EINTERNAL.
type OAuthClientService interface {
	// CreateOAuthClient stores a new client and returns it with its secret,
	// which is shown once and never again. Errors: EINVALID (no scope, or
	// an unknown one).
	CreateOAuthClient(ctx context.Context, org, name string, scopes []Role) (OAuthClient, string, error)
	// ListOAuthClients lists the clients of org, or of every org for "".
	// Errors: none of its own.
	ListOAuthClients(ctx context.Context, org string) ([]OAuthClient, error)
	// RevokeOAuthClient stops a client from getting tokens; its tokens
	// stop working at once too. Errors: ENOTFOUND (no such client, or
	// already revoked).
	RevokeOAuthClient(ctx context.Context, id string) error
	// AuthenticateOAuthClient checks a client_id and secret and returns the
	// live client, or EUNAUTHORIZED.
	AuthenticateOAuthClient(ctx context.Context, id, secret string) (OAuthClient, error)
	// GetOAuthClient returns a client, revoked or not, or ENOTFOUND.
	GetOAuthClient(ctx context.Context, id string) (OAuthClient, error)
}

// AccessTokenClaims is what an access token of the products surface
// grants: its client, the client's org, the scopes and its lifetime.
type AccessTokenClaims struct {
	ClientID  string
	OrgID     string
	Scopes    []Role
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// AccessTokenService issues and verifies the bearer tokens of the products
// surface. The tokens are opaque random strings; only their SHA-256 is
// stored, with the claims, so a copy of the database holds no usable token.
// Besides the codes each method names, any may return EUNAVAILABLE
// (database down or busy) or EINTERNAL.
type AccessTokenService interface {
	// IssueAccessToken stores a new token granting c and returns it; it is
	// shown once and never again. Errors: EINVALID (incomplete claims),
	// ESTATE (no such client).
	IssueAccessToken(ctx context.Context, c AccessTokenClaims) (string, error)
	// VerifyAccessToken returns the claims of a token that is known and
	// not expired at now, or EUNAUTHORIZED. It does not check the client:
	// the caller does, on every request, so a revocation is immediate.
	VerifyAccessToken(ctx context.Context, token string, now time.Time) (AccessTokenClaims, error)
}
