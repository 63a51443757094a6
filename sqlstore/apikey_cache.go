package sqlstore

import (
	"context"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

// KeyEpochInterval is how often a server reads api_key_epoch to learn of
// revocations made by other processes: a key revoked by the CLI or by
// another instance stops working there within this time. A revocation made
// through the same DB takes effect at once.
const KeyEpochInterval = 200 * time.Millisecond

const (
	// keyCacheTTL bounds how long a key stays cached even if no epoch moves.
	keyCacheTTL = 5 * time.Minute
	// keyCacheMax bounds the memory the cache can take.
	keyCacheMax = 10_000
)

// keyCache remembers the API keys this process has authenticated, so a
// request does not pay a database lookup for its key (a fifth of the CPU
// of a GET, and a round trip on PostgreSQL). Correctness rests on two
// rules: an entry is only used while the epoch it was read under is the
// current one, and an entry is only stored if no revocation or epoch change
// happened between the database read and the store (the generation).
type keyCache struct {
	mu      sync.RWMutex
	entries map[string]cachedKey // by key prefix
	gen     uint64               // bumped whenever the cache is emptied
	epoch   int64                // api_key_epoch as last read
	checked time.Time            // when the epoch was last read; zero: never or failed
	reading sync.Mutex           // one epoch read at a time
}

// cachedKey is an authenticated key: the hash of its secret and what it may
// do. The principal's slices are shared by every request: read-only.
type cachedKey struct {
	hash string
	p    crm.Principal
	at   time.Time
}

// cachedAPIKey returns the principal of a cached key. ok is false when the
// caller must look the key up in the database; gen is then the generation
// to hand to rememberAPIKey.
func (db *database) cachedAPIKey(ctx context.Context, prefix, hash string) (p crm.Principal, ok bool, gen uint64) {
	c := &db.keys
	now := db.now()
	c.mu.RLock()
	fresh := !c.checked.IsZero() && now.Sub(c.checked) < KeyEpochInterval
	e, hit := c.entries[prefix]
	gen = c.gen
	c.mu.RUnlock()
	if !fresh {
		// Only one request reads the epoch; the others meanwhile go to the
		// database, which is always right.
		if !c.reading.TryLock() {
			return crm.Principal{}, false, gen
		}
		defer c.reading.Unlock()
		if !db.refreshKeyEpoch(ctx, now) {
			return crm.Principal{}, false, gen
		}
		c.mu.RLock()
		e, hit = c.entries[prefix]
		gen = c.gen
		c.mu.RUnlock()
	}
	if !hit || now.Sub(e.at) >= keyCacheTTL || subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) != 1 {
		return crm.Principal{}, false, gen
	}
	return e.p, true, gen
}

// refreshKeyEpoch reads api_key_epoch and empties the cache if it moved.
// It reports whether the cache may be used.
func (db *database) refreshKeyEpoch(ctx context.Context, now time.Time) bool {
	c := &db.keys
	var epoch int64
	err := db.lookupRow(ctx, "SELECT epoch FROM api_key_epoch WHERE id = 1").Scan(&epoch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		// Unable to learn of revocations: trust nothing cached.
		c.clearLocked()
		c.checked = time.Time{}
		return false
	}
	if c.checked.IsZero() || epoch != c.epoch {
		c.clearLocked()
		c.epoch = epoch
	}
	c.checked = now
	return true
}

// rememberAPIKey caches an authenticated key unless the cache was emptied
// since gen was read, in which case the key may have been revoked meanwhile.
func (db *database) rememberAPIKey(gen uint64, prefix, hash string, p crm.Principal) {
	c := &db.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.checked.IsZero() {
		return
	}
	if len(c.entries) >= keyCacheMax {
		c.clearLocked()
		return
	}
	if c.entries == nil {
		c.entries = map[string]cachedKey{}
	}
	c.entries[prefix] = cachedKey{hash: hash, p: p, at: db.now()}
}

// forgetAPIKeys empties the cache; a revocation through this DB calls it.
func (db *database) forgetAPIKeys() {
	c := &db.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

func (c *keyCache) clearLocked() {
	clear(c.entries)
	c.gen++
}
