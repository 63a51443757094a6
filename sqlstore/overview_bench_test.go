package sqlstore_test

import (
	"testing"
	"time"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkOverview measures, on each engine in one run, the overview of a
// customer with 10 accounts (each with a promotion and a contract) against
// two ordinary reads of the same customer, GetCustomer and GetAccount, one
// after the other in each iteration so that both see the same machine:
//
//	ns/overview          one CustomerOverview
//	ns/two_gets          GetCustomer + GetAccount
//	overview/two_gets    their ratio (issue 18's target: under 1)
//	statements/overview  the statements the engine ran per overview
//
// go test -run '^$' -bench Overview ./sqlstore (set CRM_TEST_POSTGRES_DSN
// for PostgreSQL).
func BenchmarkOverview(b *testing.B) {
	for _, e := range sqltest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			clock := crmtest.NewClock(sqltest.Start)
			db := sqltest.Open(b, e, clock.Now)
			ctx := ctxAs("key:bench")
			id := overviewCustomer(b, ctx, db, crmtest.NIF(30_000_000), 10)
			accounts, err := db.Accounts.ListAccountIDs(ctx, "telco", id)
			if err != nil {
				b.Fatal(err)
			}
			var overview, gets time.Duration
			var statements uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				before, start := db.Statements(), time.Now()
				if _, err := db.Overviews.CustomerOverview(ctx, "telco", id); err != nil {
					b.Fatal(err)
				}
				overview += time.Since(start)
				statements += db.Statements() - before
				start = time.Now()
				if _, err := db.Customers.GetCustomer(ctx, "telco", id); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Accounts.GetAccount(ctx, "telco", accounts[i%len(accounts)]); err != nil {
					b.Fatal(err)
				}
				gets += time.Since(start)
			}
			b.ReportMetric(float64(overview.Nanoseconds())/float64(b.N), "ns/overview")
			b.ReportMetric(float64(gets.Nanoseconds())/float64(b.N), "ns/two_gets")
			b.ReportMetric(float64(overview)/float64(gets), "overview/two_gets")
			b.ReportMetric(float64(statements)/float64(b.N), "statements/overview")
		})
	}
}
