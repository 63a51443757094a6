package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestOutboxStatus: committed events are pending, with the time of the
// oldest, until the sequencer numbers them; then none is. On SQLite none
// ever is.
func TestOutboxStatus(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		status := func() crm.OutboxStatus {
			t.Helper()
			st, err := db.Outbox.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			st.OldestPending = st.OldestPending.UTC()
			return st
		}
		if diff := cmp.Diff(crm.OutboxStatus{}, status()); diff != "" {
			t.Errorf("empty outbox (-want +got):\n%s", diff)
		}
		first := clock.Now().UTC()
		for i := range 3 {
			if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(200+i)), crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
		}
		want := crm.OutboxStatus{Pending: 3, OldestPending: first}
		if db.Engine() == "sqlite" {
			want = crm.OutboxStatus{} // its one writer numbers events as it commits them
		}
		if diff := cmp.Diff(want, status()); diff != "" {
			t.Errorf("three events committed (-want +got):\n%s", diff)
		}
		if _, err := db.Outbox.Sequence(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(crm.OutboxStatus{}, status()); diff != "" {
			t.Errorf("after sequencing (-want +got):\n%s", diff)
		}
	})
}

// TestPoolStats: SQLite reports its reader pool and its one-connection
// writer, PostgreSQL its one pool with the configured bound.
func TestPoolStats(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db, err := sqlstore.Open(context.Background(), e.DSN(t), sqlstore.Options{MaxConns: 5})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range db.PoolStats() {
				names = append(names, p.Pool)
				if p.Open != p.InUse+p.Idle || p.Open < 1 || p.WaitCount < 0 {
					t.Errorf("%s pool: %+v", p.Pool, p)
				}
				if (p.Pool == "main" && p.MaxOpen != 5) || (p.Pool == "write" && p.MaxOpen != 1) {
					t.Errorf("%s pool bound %d", p.Pool, p.MaxOpen)
				}
			}
			want := map[string][]string{"sqlite": {"read", "write"}, "postgres": {"main"}}[e.Name]
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("pools (-want +got):\n%s", diff)
			}
		})
	}
}
