package jwtauth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
)

// maxJWKSSize caps the JWKS response body, in bytes.
const maxJWKSSize = 1 << 20

// jwksCache holds the keys fetched from a JWKS URL. At most one fetch runs
// at a time; concurrent callers wait for it (or for their ctx) instead of
// starting their own.
type jwksCache struct {
	url        string
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	minRefresh time.Duration

	mu        sync.Mutex
	keys      []*key
	fetchedAt time.Time     // last successful fetch; zero before the first
	triedAt   time.Time     // last attempt that was not abandoned by its caller
	lastErr   error         // error of that attempt, nil if it succeeded
	inflight  chan struct{} // closed when the running fetch ends
}

// get returns the cached keys, fetching them first when there are none yet,
// when they are older than ttl, or when force is set; any fetch waits at
// least minRefresh after the previous attempt, so a flood of unknown kids or
// a dead endpoint costs one request per minRefresh. When a fetch fails the
// previous keys keep being served; the error is returned only when there are
// no keys at all.
func (c *jwksCache) get(ctx context.Context, force bool) ([]*key, error) {
	for {
		c.mu.Lock()
		if ch := c.inflight; ch != nil {
			c.mu.Unlock()
			select {
			case <-ch:
				// The fetch we waited for may have satisfied us; re-evaluate.
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		now := c.now()
		stale := c.fetchedAt.IsZero() || now.Sub(c.fetchedAt) >= c.ttl
		if (stale || force) && (c.triedAt.IsZero() || now.Sub(c.triedAt) >= c.minRefresh) {
			ch := make(chan struct{})
			c.inflight = ch
			c.mu.Unlock()
			keys, err := c.fetch(ctx)
			c.mu.Lock()
			c.inflight = nil
			close(ch)
			// A fetch cut short by its own caller's ctx says nothing about
			// the endpoint; do not let it consume the refresh budget.
			if err == nil || ctx.Err() == nil {
				c.triedAt, c.lastErr = now, err
			}
			if err == nil {
				c.keys, c.fetchedAt = keys, now
			}
			// Only this caller's fetch is consulted, so a force does not loop.
			force = false
		}
		keys, err := c.keys, c.lastErr
		if ctxErr := ctx.Err(); ctxErr != nil && c.fetchedAt.IsZero() {
			err = ctxErr
		}
		c.mu.Unlock()
		if len(keys) == 0 && err != nil {
			return nil, err
		}
		return keys, nil
	}
}

func (c *jwksCache) fetch(ctx context.Context) ([]*key, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS %s: HTTP status %d", c.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", c.url, err)
	}
	if len(body) > maxJWKSSize {
		return nil, fmt.Errorf("JWKS %s: response too large", c.url)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", c.url, err)
	}
	return keys, nil
}

// parseJWKS decodes a key set. Each key is parsed and validated by jwkset
// (base64url members, curve points, RSA exponent range, registered use and
// key_ops, x5c and x5t consistency); a key that fails that, is not for
// signatures, or breaks the service's key rules is skipped rather than
// failing the whole set, so one odd entry published by the issuer cannot
// lock every user out.
func parseJWKS(body []byte) ([]*key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, errors.New("malformed JWKS")
	}
	var keys []*key
	for _, raw := range set.Keys {
		// The zero options keep private members ("d", "k") out: only
		// public keys come back, and symmetric keys are refused.
		j, err := jwkset.NewJWKFromRawJSON(raw, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue
		}
		if k := fromJWK(j); k != nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// fromJWK applies the service's rules to a parsed JWK: use "sig" or none,
// a key newKey accepts, and an RSA exponent of at least 3. It returns nil
// for a key that breaks them.
func fromJWK(j jwkset.JWK) *key {
	m := j.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil
	}
	if p, ok := j.Key().(*rsa.PublicKey); ok && p.E < 3 {
		return nil
	}
	k, err := newKey(j.Key())
	if err != nil {
		return nil
	}
	k.kid, k.alg = m.KID, string(m.ALG)
	// RFC 9864 lets an OKP key declare the fully-specified "Ed25519"; tokens
	// signed with it still say "EdDSA".
	if k.alg == "Ed25519" {
		k.alg = "EdDSA"
	}
	return k
}
