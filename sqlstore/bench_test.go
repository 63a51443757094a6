package sqlstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkStore measures the store's hot paths beside the engine's own
// ceiling for the same work, in one run, so the ratio means something on
// a noisy machine:
//
//	ceiling_select   a prepared primary-key select of a customer row
//	get_customer     GetCustomer (select + decode)
//	ceiling_insert   a durable transaction inserting a row and an outbox row
//	create_customer  CreateCustomer (validation, uniqueness, sequence, outbox)
//
// go test -run '^$' -bench Store -benchtime 3s ./sqlstore/ (set
// CRM_TEST_POSTGRES_DSN for PostgreSQL).
func BenchmarkStore(b *testing.B) {
	for _, e := range sqltest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			clock := crmtest.NewClock(sqltest.Start)
			db := sqltest.Open(b, e, clock.Now)
			ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "bench",
				Principal: crm.Principal{ID: "key:bench", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
			var ids []string
			for i := range 1000 {
				c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(10_000_000+i)), crm.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, c.ID)
			}
			read, write := db.Pools()
			sel, err := read.Prepare(db.Q("SELECT body, version FROM customers WHERE org_id = ? AND id = ?"))
			if err != nil {
				b.Fatal(err)
			}
			defer sel.Close()
			b.Run("ceiling_select", func(b *testing.B) {
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					var body string
					var v int64
					for pb.Next() {
						if err := sel.QueryRow("telco", ids[n.Add(1)%int64(len(ids))]).Scan(&body, &v); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			b.Run("get_customer", func(b *testing.B) {
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := db.Customers.GetCustomer(ctx, "telco", ids[n.Add(1)%int64(len(ids))]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			for _, ddl := range []string{"CREATE TABLE bench_rows (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
				"CREATE TABLE bench_outbox (id TEXT PRIMARY KEY, aggregate_id TEXT NOT NULL, data TEXT NOT NULL)"} {
				if _, err := write.Exec(ddl); err != nil {
					b.Fatal(err)
				}
			}
			var seq atomic.Int64
			b.Run("ceiling_insert", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := "r" + strconv.FormatInt(seq.Add(1), 10)
						tx, err := write.Begin()
						if err == nil {
							_, err = tx.Exec(db.Q("INSERT INTO bench_rows (id, body) VALUES (?, ?)"), id, `{"name":"Antonio"}`)
						}
						if err == nil {
							_, err = tx.Exec(db.Q("INSERT INTO bench_outbox (id, aggregate_id, data) VALUES (?, ?, ?)"), "e"+id, id, `{"changes":{}}`)
						}
						if err == nil {
							err = tx.Commit()
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			var nif atomic.Int64
			nif.Store(20_000_000)
			b.Run("create_customer", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(int(nif.Add(1)))), crm.WriteOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
