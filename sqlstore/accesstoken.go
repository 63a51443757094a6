package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.AccessTokenService = (*AccessTokens)(nil)

// Access tokens of the products surface look like crmat_<43 base64url>:
// 256 random bits, so a plain SHA-256 is enough to store them. The prefix
// tells them apart from API keys (crm_) and client secrets (crmcs_).
const accessTokenScheme = "crmat_"

// accessTokenBytes is the randomness of a token.
const accessTokenBytes = 32

// accessTokenLen is the length of every token this store issues; anything
// else is refused before any lookup.
var accessTokenLen = len(accessTokenScheme) + base64.RawURLEncoding.EncodedLen(accessTokenBytes)

// AccessTokenLeeway is how long past its expiry a token is still taken: it
// absorbs clock skew between the instance that issued it, whose clock set
// the expiry, and the one verifying it.
const AccessTokenLeeway = 30 * time.Second

// IssueAccessToken stores a new token granting c, keyed by its SHA-256,
// and returns the token, which is never stored.
func (s *AccessTokens) IssueAccessToken(ctx context.Context, c crm.AccessTokenClaims) (string, error) {
	if c.ClientID == "" || c.OrgID == "" || len(c.Scopes) == 0 || !c.ExpiresAt.After(c.IssuedAt) {
		return "", crm.Errorf(crm.EINVALID, "incomplete access token claims")
	}
	raw := make([]byte, accessTokenBytes)
	rand.Read(raw) // never fails (crypto/rand)
	token := accessTokenScheme + base64.RawURLEncoding.EncodeToString(raw)
	_, err := s.wr.ExecContext(ctx, s.dialect.q(`INSERT INTO oauth_access_tokens (token_hash, client_id, org_id, scopes, issued_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`), hashKey(token), c.ClientID, c.OrgID, scopeString(c.Scopes),
		s.dialect.ts(c.IssuedAt), s.dialect.ts(c.ExpiresAt))
	if err != nil {
		return "", translate(err)
	}
	return token, nil
}

// VerifyAccessToken returns the claims of a known token not expired at
// now, give or take AccessTokenLeeway. A token seen before is answered
// from memory: tokens are never changed once issued, and the caller
// re-checks their client on every request, so only the expiry needs
// checking again.
func (s *AccessTokens) VerifyAccessToken(ctx context.Context, token string, now time.Time) (crm.AccessTokenClaims, error) {
	if len(token) != accessTokenLen || !strings.HasPrefix(token, accessTokenScheme) {
		return crm.AccessTokenClaims{}, invalidToken("malformed token")
	}
	sum := sha256.Sum256([]byte(token))
	c, ok := s.tokens.get(sum)
	if !ok {
		var scopes string
		err := s.lookupRow(ctx, "SELECT client_id, org_id, scopes, issued_at, expires_at FROM oauth_access_tokens WHERE token_hash = ?",
			hex.EncodeToString(sum[:])).Scan(&c.ClientID, &c.OrgID, &scopes, timeScan{&c.IssuedAt}, timeScan{&c.ExpiresAt})
		if err == sql.ErrNoRows {
			return crm.AccessTokenClaims{}, invalidToken("unknown token")
		}
		if err != nil {
			return crm.AccessTokenClaims{}, translate(err)
		}
		c.Scopes = parseRoles(scopes)
		if now.Before(c.ExpiresAt.Add(AccessTokenLeeway)) {
			s.tokens.put(sum, c)
		}
	}
	if !now.Before(c.ExpiresAt.Add(AccessTokenLeeway)) {
		return crm.AccessTokenClaims{}, invalidToken("token expired")
	}
	return c, nil
}

// DeleteExpiredAccessTokens deletes the tokens expired, leeway included,
// and returns how many: they could only be refused, and their absence
// refuses them as well.
func (s *AccessTokens) DeleteExpiredAccessTokens(ctx context.Context) (int64, error) {
	res, err := s.wr.ExecContext(ctx, s.dialect.q("DELETE FROM oauth_access_tokens WHERE expires_at < ?"),
		s.dialect.ts(s.now().Add(-AccessTokenLeeway)))
	if err != nil {
		return 0, translate(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RunAccessTokenCleanup runs DeleteExpiredAccessTokens now and then every
// interval until ctx ends. A failed run is logged and tried again later.
func (s *AccessTokens) RunAccessTokenCleanup(ctx context.Context, interval time.Duration) {
	for {
		if n, err := s.DeleteExpiredAccessTokens(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expired access token cleanup failed", "error", err.Error())
		} else if n > 0 {
			s.log.Info("expired access token cleanup", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func invalidToken(reason string) error {
	return crm.Errorf(crm.EUNAUTHORIZED, "invalid access token: %s", reason)
}

// tokenCacheMax bounds the memory the access token cache can take: about
// the tokens of a few thousand clients, each renewing hourly.
const tokenCacheMax = 10_000

// tokenCache remembers the access tokens this process has verified, so a
// products request pays no lookup for its token, only the check of its
// client. Entries never go stale before they expire: a token is never
// changed once issued, nor deleted before it expires except with its
// client, which the caller checks anyway. Keyed by the token's SHA-256.
type tokenCache struct {
	mu      sync.RWMutex
	entries map[[32]byte]crm.AccessTokenClaims
}

// get returns the cached claims of a token, expired or not.
func (c *tokenCache) get(sum [32]byte) (crm.AccessTokenClaims, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	claims, ok := c.entries[sum]
	return claims, ok
}

// put caches claims; a full cache is emptied first, which also drops the
// expired entries. The claims' slice is shared by every request: read-only.
func (c *tokenCache) put(sum [32]byte, claims crm.AccessTokenClaims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = make(map[[32]byte]crm.AccessTokenClaims)
	}
	c.entries[sum] = claims
}
