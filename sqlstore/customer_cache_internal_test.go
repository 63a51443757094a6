package sqlstore

import (
	"fmt"
	"testing"

	crm "github.com/telcoops/crm"
)

// TestBodyCacheIsBounded reads more distinct customers than the cache
// keeps: it stays at its bound and still decodes every one right.
func TestBodyCacheIsBounded(t *testing.T) {
	t.Parallel()
	var c bodyCache
	for i := range bodyCacheSize + 100 {
		lang := fmt.Sprint("l", i)
		var d crm.CustomerData
		if err := c.decode(fmt.Sprint("id", i), []byte(`{"type":"DIGITAL_CUSTOMER","preferred_language":"`+lang+`"}`), &d); err != nil {
			t.Fatal(err)
		}
		if d.PreferredLanguage != lang {
			t.Fatalf("customer %d decoded as %q", i, d.PreferredLanguage)
		}
	}
	if n := c.len(); n != bodyCacheSize {
		t.Fatalf("cache holds %d bodies, want its bound %d", n, bodyCacheSize)
	}
	var d crm.CustomerData
	if err := c.decode("bad", []byte(`{"type":`), &d); err == nil {
		t.Fatal("a broken body decoded without error")
	}
}
