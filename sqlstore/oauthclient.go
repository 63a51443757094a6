package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"strings"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

var _ crm.OAuthClientService = (*OAuthClients)(nil)

// Client secrets look like crmcs_<48 hex>: 192 random bits, so a plain
// SHA-256 is enough to store them (there is nothing to brute-force). The
// prefix tells them apart from API keys (crm_) in logs and leaks.
const clientSecretScheme = "crmcs_"

const oauthClientColumns = "id, org_id, name, scopes, created_at, revoked_at"

// CreateOAuthClient stores a new client of the products surface and
// returns its secret, shown once. The client_id is the client's id.
func (s *OAuthClients) CreateOAuthClient(ctx context.Context, org, name string, scopes []crm.Role) (crm.OAuthClient, string, error) {
	if len(scopes) == 0 {
		return crm.OAuthClient{}, "", crm.Invalid("scopes", "at least one scope is required")
	}
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	parsed, err := crm.ParseScopes(strings.Join(names, " "))
	if err != nil {
		return crm.OAuthClient{}, "", err
	}
	c := crm.OAuthClient{ID: newID(), OrgID: org, Name: name, Scopes: parsed, CreatedAt: s.now()}
	secret := clientSecretScheme + randomHex(24)
	_, err = s.wr.ExecContext(ctx, s.dialect.q(`INSERT INTO oauth_clients (id, org_id, name, secret_hash, scopes, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`), c.ID, org, name, hashKey(secret), scopeString(c.Scopes), s.dialect.ts(c.CreatedAt))
	if err != nil {
		return crm.OAuthClient{}, "", translate(err)
	}
	return c, secret, nil
}

// ListOAuthClients lists the clients of an org, or of every org for "".
func (s *OAuthClients) ListOAuthClients(ctx context.Context, org string) ([]crm.OAuthClient, error) {
	query := "SELECT " + oauthClientColumns + " FROM oauth_clients"
	var args []any
	if org != "" {
		query += " WHERE org_id = ?"
		args = append(args, org)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.q(query+" ORDER BY created_at, id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.OAuthClient
	for rows.Next() {
		c, err := scanOAuthClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// RevokeOAuthClient stops a client: no new tokens, and the tokens it holds
// stop working at once (the products surface checks the client on every
// request). They are deleted with it: they can never work again.
func (s *OAuthClients) RevokeOAuthClient(ctx context.Context, id string) error {
	t, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, s.dialect.q("UPDATE oauth_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
		s.dialect.ts(s.now()), id)
	if ok, err := written(res, err); err != nil {
		return translate(err)
	} else if !ok {
		return crm.Errorf(crm.ENOTFOUND, "no active OAuth client with id %s", id)
	}
	if _, err := t.ExecContext(ctx, s.dialect.q("DELETE FROM oauth_access_tokens WHERE client_id = ?"), id); err != nil {
		return translate(err)
	}
	return translate(t.Commit())
}

// AuthenticateOAuthClient checks a client_id and secret.
func (s *OAuthClients) AuthenticateOAuthClient(ctx context.Context, id, secret string) (crm.OAuthClient, error) {
	bad := crm.Errorf(crm.EUNAUTHORIZED, "invalid client credentials")
	// A client_id that is not a UUID cannot exist; refusing it here keeps
	// arbitrary text out of the query.
	if _, err := uuid.Parse(id); err != nil || !strings.HasPrefix(secret, clientSecretScheme) {
		return crm.OAuthClient{}, bad
	}
	var hash string
	row := s.read.QueryRowContext(ctx, s.dialect.q("SELECT "+oauthClientColumns+", secret_hash FROM oauth_clients WHERE id = ?"), id)
	c, err := scanOAuthClient(row, &hash)
	if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
		return crm.OAuthClient{}, bad
	}
	if err != nil {
		return crm.OAuthClient{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(hashKey(secret))) != 1 || c.RevokedAt != nil {
		return crm.OAuthClient{}, bad
	}
	return c, nil
}

// GetOAuthClient returns a client, revoked or not.
func (s *OAuthClients) GetOAuthClient(ctx context.Context, id string) (crm.OAuthClient, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.OAuthClient{}, crm.Errorf(crm.ENOTFOUND, "OAuth client not found")
	}
	return scanOAuthClient(s.read.QueryRowContext(ctx, s.dialect.q("SELECT "+oauthClientColumns+" FROM oauth_clients WHERE id = ?"), id))
}

func scanOAuthClient(row rowScanner, extra ...any) (crm.OAuthClient, error) {
	var c crm.OAuthClient
	var scopes string
	dest := append([]any{&c.ID, &c.OrgID, &c.Name, &scopes, timeScan{&c.CreatedAt}, nullTimeScan{&c.RevokedAt}}, extra...)
	err := row.Scan(dest...)
	if err == sql.ErrNoRows {
		return c, crm.Errorf(crm.ENOTFOUND, "OAuth client not found")
	}
	if err != nil {
		return c, translate(err)
	}
	c.Scopes = parseRoles(scopes)
	return c, nil
}

func scopeString(scopes []crm.Role) string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return strings.Join(out, " ")
}
