package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestExternalIDsAfterRollback: the write that reserves an org's first block
// of external ids fails and rolls back, with the reservation; then two
// processes (two stores on one database) create concurrently. Every create
// must succeed with an external id of its own.
func TestExternalIDsAfterRollback(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dbs := sqltest.OpenShared(t, e, crmtest.NewClock(sqltest.Start).Now, 2)
			a, b := dbs[0], dbs[1]
			taken := crmtest.Private(crmtest.NIF(1))
			ext := "own-1"
			taken.ExternalID = &ext
			if _, err := a.Customers.CreateCustomer(ctx, "telco", taken, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			// Draws an external id, then fails on the document.
			_, err := a.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
			mustCode(t, err, crm.ECONFLICT)

			const n = 40
			ids := make([]string, 2*n)
			errs := make([]error, 2*n)
			var wg sync.WaitGroup
			for i := range 2 * n {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Go(func() {
					c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(100+i)), crm.WriteOptions{})
					if err == nil {
						ids[i] = *c.ExternalID
					}
					errs[i] = err
				})
			}
			wg.Wait()
			seen := map[string]int{}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("create %d: %v", i, err)
				}
				if j, dup := seen[ids[i]]; dup {
					t.Errorf("creates %d and %d both got external id %s", j, i, ids[i])
				}
				seen[ids[i]] = i
			}
		})
	}
}
