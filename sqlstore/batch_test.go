package sqlstore_test

import (
	"sync"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestConcurrentWritesFailAlone runs many concurrent creates, a fifth of
// them duplicates of a document already taken. On SQLite they share group
// commits; a failing write must roll back alone (no customer, no event)
// and never take the writes committed with it down.
func TestConcurrentWritesFailAlone(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		const n = 60
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				nif := crmtest.NIF(1000 + i)
				if i%5 == 0 {
					nif = crmtest.NIF(1)
				}
				_, errs[i] = db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(nif), crm.WriteOptions{})
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case i%5 == 0 && crm.ErrorCodeOf(err) != crm.ECONFLICT:
				t.Errorf("duplicate %d: %v, want a conflict", i, err)
			case i%5 != 0 && err != nil:
				t.Errorf("create %d: %v", i, err)
			case err == nil:
				ok++
			}
		}
		if got := len(events(t, db, "telco")); got != ok+1 {
			t.Errorf("%d events for %d committed creates", got, ok+1)
		}
	})
}
