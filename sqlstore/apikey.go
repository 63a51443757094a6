package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.APIKeyService = (*APIKeys)(nil)

// API keys look like crm_<12 hex prefix>_<40 hex secret>. The prefix finds
// the row; only a SHA-256 of the whole key is stored. A plain hash suffices
// because the secret has 160 random bits: there is nothing to brute-force.
const apiKeyScheme = "crm_"

// CreateAPIKey stores a new key and returns the secret, shown once.
func (s *APIKeys) CreateAPIKey(ctx context.Context, org, name string, roles []crm.Role) (crm.APIKey, string, error) {
	if len(roles) == 0 {
		return crm.APIKey{}, "", crm.Invalid("roles", "at least one role is required")
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		if !crm.IsKnownRole(r) {
			return crm.APIKey{}, "", crm.Invalid("roles", "unknown role %q", r)
		}
		names[i] = string(r)
	}
	prefix := randomHex(6)
	secret := apiKeyScheme + prefix + "_" + randomHex(20)
	k := crm.APIKey{ID: newID(), OrgID: org, Name: name, Prefix: prefix, Roles: roles, CreatedAt: s.now()}
	_, err := s.wr.ExecContext(ctx, s.dialect.q(`INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, roles, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), k.ID, org, name, prefix, hashKey(secret), strings.Join(names, " "), s.dialect.ts(k.CreatedAt))
	if err != nil {
		return crm.APIKey{}, "", translate(err)
	}
	return k, secret, nil
}

// ListAPIKeys lists the keys of an org, or of every org when org is "".
func (s *APIKeys) ListAPIKeys(ctx context.Context, org string) ([]crm.APIKey, error) {
	query := "SELECT id, org_id, name, prefix, roles, created_at, revoked_at FROM api_keys"
	var args []any
	if org != "" {
		query += " WHERE org_id = ?"
		args = append(args, org)
	}
	rows, err := s.query(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.APIKey
	for rows.Next() {
		var k crm.APIKey
		var roles string
		if err := rows.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, &roles, timeScan{&k.CreatedAt}, nullTimeScan{&k.RevokedAt}); err != nil {
			return nil, translate(err)
		}
		k.Roles = parseRoles(roles)
		out = append(out, k)
	}
	return out, translate(rows.Err())
}

// RevokeAPIKey makes a key unusable from now on: at once in this process,
// and within KeyEpochInterval in every other, through api_key_epoch.
func (s *APIKeys) RevokeAPIKey(ctx context.Context, id string) error {
	t, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, s.dialect.q("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
		s.dialect.ts(s.now()), id)
	if ok, err := written(res, err); err != nil {
		return translate(err)
	} else if !ok {
		return crm.Errorf(crm.ENOTFOUND, "no active API key with id %s", id)
	}
	if _, err := t.ExecContext(ctx, "UPDATE api_key_epoch SET epoch = epoch + 1 WHERE id = 1"); err != nil {
		return translate(err)
	}
	if err := t.Commit(); err != nil {
		return translate(err)
	}
	// After the commit, never before: a lookup that read the key before the
	// commit either stored it already (cleared here) or finds the generation
	// moved and does not store it.
	s.forgetAPIKeys()
	return nil
}

// AuthenticateAPIKey returns the principal of a live key.
func (s *APIKeys) AuthenticateAPIKey(ctx context.Context, secret string) (crm.Principal, error) {
	// Made only when needed: a good key, the usual case, allocates no error.
	bad := func() error { return crm.Errorf(crm.EUNAUTHORIZED, "invalid API key") }
	rest, ok := strings.CutPrefix(secret, apiKeyScheme)
	if !ok {
		return crm.Principal{}, bad()
	}
	prefix, _, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != 12 {
		return crm.Principal{}, bad()
	}
	given := hashKey(secret)
	p, ok, gen := s.cachedAPIKey(ctx, prefix, given)
	if ok {
		return p, nil
	}
	var id, name, org, hash, roles string
	var revoked *time.Time
	err := s.lookupRow(ctx, "SELECT id, name, org_id, secret_hash, roles, revoked_at FROM api_keys WHERE prefix = ?", prefix).
		Scan(&id, &name, &org, &hash, &roles, nullTimeScan{&revoked})
	if err == sql.ErrNoRows {
		return crm.Principal{}, bad()
	}
	if err != nil {
		return crm.Principal{}, translate(err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(given)) != 1 || revoked != nil {
		return crm.Principal{}, bad()
	}
	p = crm.Principal{ID: "key:" + id, Name: name, Orgs: []string{org}, Roles: parseRoles(roles)}
	s.rememberAPIKey(gen, prefix, hash, p)
	return p, nil
}

func parseRoles(s string) []crm.Role {
	var out []crm.Role
	for _, f := range strings.Fields(s) {
		out = append(out, crm.Role(f))
	}
	return out
}

func hashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
