package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// BenchmarkOverview measures, on each engine in one run, the overview of a
// customer with 10 accounts (each with a promotion and a contract) against
// two ordinary reads, GetCustomer and GetAccount, one after the other in
// each iteration so that all see the same machine. The GETs are timed
// twice: cold, with the store's decoded customer bodies forgotten
// (DB.ForgetBodies) so that each reads and decodes its row as a read of a
// customer not read lately does, and then again at once, cached. The
// overview is timed cold too, and its statement alone, as the store runs
// it, with its rows scanned but not decoded (DB.OverviewRows): the
// database's part of the overview, the driver's reading included.
//
//	ns/overview               one CustomerOverview, bodies forgotten
//	ns/overview_db            its statement, rows scanned, not decoded
//	ns/two_gets_cold          GetCustomer + GetAccount, bodies forgotten
//	ns/two_gets_cached        the same two reads again
//	overview/two_gets_cold    issue 18's ratio (its target: under 1)
//	overview/two_gets_cached  the ratio against the cheapest GETs
//	overview_db/two_gets_cold the database's part against whole cold GETs
//	statements/overview       the statements the engine ran per overview
//
// go test -run '^$' -bench Overview -count 3 ./sqlstore (set
// CRM_TEST_POSTGRES_DSN for PostgreSQL).
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
			var overview, rows, cold, cached time.Duration
			var statements uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db.ForgetBodies()
				before, start := db.Statements(), time.Now()
				if _, err := db.Overviews.CustomerOverview(ctx, "telco", id); err != nil {
					b.Fatal(err)
				}
				overview += time.Since(start)
				statements += db.Statements() - before
				start = time.Now()
				if n, err := db.OverviewRows(ctx, "telco", id); err != nil || n == 0 {
					b.Fatal(n, err)
				}
				rows += time.Since(start)
				db.ForgetBodies()
				cold += twoGets(b, ctx, db, id, accounts[i%len(accounts)])
				cached += twoGets(b, ctx, db, id, accounts[i%len(accounts)])
			}
			n := float64(b.N)
			b.ReportMetric(float64(overview.Nanoseconds())/n, "ns/overview")
			b.ReportMetric(float64(rows.Nanoseconds())/n, "ns/overview_db")
			b.ReportMetric(float64(cold.Nanoseconds())/n, "ns/two_gets_cold")
			b.ReportMetric(float64(cached.Nanoseconds())/n, "ns/two_gets_cached")
			b.ReportMetric(float64(overview)/float64(cold), "overview/two_gets_cold")
			b.ReportMetric(float64(overview)/float64(cached), "overview/two_gets_cached")
			b.ReportMetric(float64(rows)/float64(cold), "overview_db/two_gets_cold")
			b.ReportMetric(float64(statements)/n, "statements/overview")
		})
	}
}

// twoGets times GetCustomer of customer then GetAccount of account.
func twoGets(b *testing.B, ctx context.Context, db *sqlstore.DB, customer, account string) time.Duration {
	start := time.Now()
	if _, err := db.Customers.GetCustomer(ctx, "telco", customer); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Accounts.GetAccount(ctx, "telco", account); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
