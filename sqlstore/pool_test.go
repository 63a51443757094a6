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
	t.Parallel()
	e := sqltest.Postgres(t)
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

// TestMinConnsWarmsThePostgreSQLPool: Options.MinConns connections are open
// and idle when Open returns (crmd serve opens them before it listens, so
// before /readyz answers), bounded by MaxConns.
func TestMinConnsWarmsThePostgreSQLPool(t *testing.T) {
	t.Parallel()
	e := sqltest.Postgres(t)
	// Migrating leaves one connection idle; warming reuses it.
	for _, tc := range []struct{ min, max, want int }{{0, 4, 1}, {3, 8, 3}, {6, 4, 4}} {
		db, err := sqlstore.Open(context.Background(), e.DSN(t), sqlstore.Options{MinConns: tc.min, MaxConns: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		read, _ := db.Pools()
		if got := read.Stats().Idle; got != tc.want {
			t.Errorf("MinConns %d MaxConns %d: %d idle connections after Open, want %d", tc.min, tc.max, got, tc.want)
		}
		db.Close()
	}
}
