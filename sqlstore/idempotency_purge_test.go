package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestPurgeExpiredIdempotency: kept answers older than the TTL go, in
// batches, and the live ones stay.
func TestPurgeExpiredIdempotency(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		create := func(i int) {
			if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(i)), keyed(fmt.Sprint("k", i))); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 1005 {
			create(i + 1)
		}
		clock.Advance(sqlstore.IdempotencyTTL + time.Minute)
		create(2000)
		n, err := db.Idempotency.PurgeExpiredIdempotency(context.Background())
		if err != nil || n != 1005 {
			t.Fatalf("purged %d, %v; want 1005", n, err)
		}
		if rec, _ := db.Idempotency.LookupIdempotency(context.Background(), "telco", "k2000"); rec == nil {
			t.Error("the live record was purged")
		}
		if n, err := db.Idempotency.PurgeExpiredIdempotency(context.Background()); err != nil || n != 0 {
			t.Errorf("second purge: %d, %v", n, err)
		}
	})
}
