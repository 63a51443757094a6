package sqlstore

import (
	"sync"

	"github.com/telcoops/crm"
)

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
