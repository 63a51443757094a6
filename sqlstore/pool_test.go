package sqlstore_test

import (
	"context"
	"testing"

	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestMaxConnsSizesThePostgreSQLPool: Options.MaxConns (crmd serve's
// --db-max-conns) is the pool's bound; unset, it is 32.
func TestMaxConnsSizesThePostgreSQLPool(t *testing.T) {
	for _, e := range sqltest.Engines(t) {
		if e.Name != "postgres" {
			continue
		}
		for _, tc := range []struct{ set, want int }{{0, 32}, {3, 3}} {
			db, err := sqlstore.Open(context.Background(), e.DSN(t), sqlstore.Options{MaxConns: tc.set})
			if err != nil {
				t.Fatal(err)
			}
			read, write := db.Pools()
			if got := read.Stats().MaxOpenConnections; got != tc.want {
				t.Errorf("MaxConns %d: read pool bound %d, want %d", tc.set, got, tc.want)
			}
			if got := write.Stats().MaxOpenConnections; got != tc.want {
				t.Errorf("MaxConns %d: write pool bound %d, want %d", tc.set, got, tc.want)
			}
			db.Close()
		}
	}
}
