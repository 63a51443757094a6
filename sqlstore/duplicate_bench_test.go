package sqlstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkDuplicateCandidates sets the create's candidate lookup beside a
// GetCustomer, on 1000 customers that all share a phone, an email-less
// name and a birth date (crmtest.Private's): the hot key crmload's
// creates make, where every probe finds its ten. Compare the ns/op of the
// two; no threshold.
//
// go test -run '^$' -bench DuplicateCandidates ./sqlstore/
func BenchmarkDuplicateCandidates(b *testing.B) {
	for _, e := range sqltest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			db := sqltest.Open(b, e, crmtest.NewClock(sqltest.Start).Now)
			ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "bench",
				Principal: crm.Principal{ID: "key:bench", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
			var ids []string
			var cs []*crm.Customer
			for i := range 1000 {
				c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(10_000_000+i)), crm.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				ids, cs = append(ids, c.ID), append(cs, c)
			}
			for _, op := range []struct {
				name string
				do   func(i int64) error
			}{
				{"get_customer", func(i int64) error { _, err := db.Customers.GetCustomer(ctx, "telco", ids[i]); return err }},
				{"duplicate_candidates", func(i int64) error {
					got, err := db.Duplicates.DuplicateCandidates(ctx, "telco", cs[i])
					if err == nil && len(got) != crm.MaxDuplicateCandidates {
						b.Fatalf("%d candidates", len(got))
					}
					return err
				}},
			} {
				b.Run(op.name, func(b *testing.B) {
					var n atomic.Int64
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := op.do(n.Add(1) % int64(len(ids))); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}
