package sqlstore

import (
	"encoding/json"
	"sync"

	crm "github.com/telcoops/crm"
)

// bodyCacheSize bounds the decoded bodies kept: at about 2 KB each (the
// stored JSON and its decoded form) 8192 customers take some 16 MB.
const bodyCacheSize = 8192

// bodyCache keeps the decoded form of customer bodies recently read, by
// customer id. Decoding a stored body is the largest cost of reading a
// customer after the database itself, and the same customers are read
// again and again. An entry serves only a row whose body is byte for byte
// the one it was decoded from, so a change by any process or path, even
// one that kept the version, is never hidden: the row is always read, only
// its decoding is saved. Entries are handed out as clones, so no caller
// can change what another sees.
type bodyCache struct {
	mu sync.Mutex
	m  map[string]cachedBody
}

type cachedBody struct {
	body string // the stored JSON the entry was decoded from
	data crm.CustomerData
}

// decode sets *dst to the customer body b of customer id.
func (c *bodyCache) decode(id string, b []byte, dst *crm.CustomerData) error {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.body == string(b) {
		*dst = e.data.Clone()
		return nil
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return err
	}
	e = cachedBody{body: string(b), data: dst.Clone()}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedBody, bodyCacheSize)
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= bodyCacheSize {
		// Map iteration starts at a random entry: this evicts one at random,
		// which keeps a hot set without the bookkeeping of an LRU list.
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = e
	return nil
}

// forget drops the body kept for customer id (an erased one's).
func (c *bodyCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// len reports how many bodies are kept.
func (c *bodyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
