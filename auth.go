package crm

import (
	"context"
	"regexp"
	"slices"
	"time"
)

// Role grants a family of operations. docs/decisions.md lists them.
type Role string

// The roles.
const (
	RoleCustomersRead    Role = "customers:read"
	RoleCustomersWrite   Role = "customers:write"
	RoleAccountsRead     Role = "accounts:read"
	RoleAccountsWrite    Role = "accounts:write"
	RoleCatalogWrite     Role = "catalog:write"
	RoleCredentialsWrite Role = "credentials:write"
	RoleDocumentsRead    Role = "documents:read"
	RolePaymentsGateway  Role = "payments:gateway"
	RoleProductsRead     Role = "products:read"
	RoleProductsWrite    Role = "products:write"
	RoleEventsRead       Role = "events:read"
	// RolePrivacyOfficer serves data subjects' rights (the export).
	RolePrivacyOfficer Role = "privacy:officer"
	// RoleCustomersReadMasked reads customers, accounts and products with
	// their personal values masked (masking.go), for front-line agents;
	// it writes nothing.
	RoleCustomersReadMasked Role = "customers:read:masked"
	RoleAdmin               Role = "admin"
	// RoleAPIKey is the value every documentation example sends in
	// x-auth-roles; it is an alias of admin.
	RoleAPIKey Role = "API_KEY"
)

// KnownRoles lists every role a credential may carry.
var KnownRoles = []Role{RoleCustomersRead, RoleCustomersWrite, RoleAccountsRead, RoleAccountsWrite,
	RoleCatalogWrite, RoleCredentialsWrite, RoleDocumentsRead, RolePaymentsGateway,
	RoleProductsRead, RoleProductsWrite, RoleEventsRead, RolePrivacyOfficer, RoleCustomersReadMasked, RoleCustomersMerge,
	RoleAdmin, RoleAPIKey}

// IsKnownRole reports whether r is one of KnownRoles.
func IsKnownRole(r Role) bool { return slices.Contains(KnownRoles, r) }

var orgIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidOrgID reports whether s can name an org: 1 to 63 lower-case letters,
// digits, _ or -, starting with a letter or digit. No value names "all orgs".
func ValidOrgID(s string) bool { return orgIDPattern.MatchString(s) }

// Principal is an authenticated caller.
type Principal struct {
	// ID names the caller in audit trails: "key:<id>", "jwt:<sub>" or "gateway".
	ID string
	// Name is the credential's name (an API key's, an OAuth client's), if any.
	Name string
	// Orgs are the orgs the credential is valid for, each a ValidOrgID.
	Orgs []string
	// AllOrgs opens every org. Only the gateway mode an operator turns on
	// sets it; nothing a client sends can.
	AllOrgs bool
	Roles   []Role
}

// CanAccessOrg reports whether the principal may act in org.
func (p Principal) CanAccessOrg(org string) bool {
	return p.AllOrgs || slices.Contains(p.Orgs, org)
}

// HasRole reports whether the principal holds r, directly or through admin.
func (p Principal) HasRole(r Role) bool {
	for _, have := range p.Roles {
		if have == r || have == RoleAdmin || have == RoleAPIKey {
			return true
		}
	}
	return false
}

// ReadsMasked reports whether the principal reads what full guards only
// in masked form: it lacks full (admin holds every role) but holds
// RoleCustomersReadMasked.
func (p Principal) ReadsMasked(full Role) bool {
	return !p.HasRole(full) && p.HasRole(RoleCustomersReadMasked)
}

// APIKey is a stored API key. The secret itself is never stored, only its hash.
type APIKey struct {
	ID        string
	OrgID     string
	Name      string
	Prefix    string // the public part of the key, used to find it
	Roles     []Role
	CreatedAt time.Time
	RevokedAt *time.Time
}

// APIKeyService manages and checks API keys. Besides the codes each method
// names, any may return EUNAVAILABLE (database down or busy) or EINTERNAL.
type APIKeyService interface {
	// CreateAPIKey stores a new key and returns it with the full secret,
	// which is shown once and never again. Errors: EINVALID (no role, or an
	// unknown one).
	CreateAPIKey(ctx context.Context, org, name string, roles []Role) (APIKey, string, error)
	// ListAPIKeys lists the keys of org, or of every org for "", revoked
	// ones too. Errors: none of its own.
	ListAPIKeys(ctx context.Context, org string) ([]APIKey, error)
	// RevokeAPIKey makes a key unusable, at once in this process and soon
	// in the others. Errors: ENOTFOUND (no such key, or already revoked).
	RevokeAPIKey(ctx context.Context, id string) error
	// AuthenticateAPIKey returns the principal of a key, or EUNAUTHORIZED.
	AuthenticateAPIKey(ctx context.Context, secret string) (Principal, error)
}

// TokenAuthenticator verifies bearer tokens that are not API keys (JWTs).
type TokenAuthenticator interface {
	// AuthenticateToken returns the principal of a valid token. Errors:
	// EUNAUTHORIZED (invalid, or naming no org or a bad one), EUNAVAILABLE
	// (the signing keys could not be fetched).
	AuthenticateToken(ctx context.Context, token string) (Principal, error)
}
