package sqlstore_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// sqliteTableScan matches a SQLite plan line that reads a whole table, or
// an index by the org alone (every row of the org). SCAN t, the latest
// events' subquery, is the scan of the 20 rows it kept.
var sqliteTableScan = regexp.MustCompile(`^SCAN (t[a-z_]|[a-su-z_])[a-z_]*( |$)|\(org_id=\?\)$`)

// TestOverviewPlanUsesCustomerIndexes: every branch of the overview's
// statement reads through an index keyed by the customer or its accounts,
// never a table or all of the org's rows, so that an overview costs the
// same in an org of a million customers. On PostgreSQL, with sequential
// scans priced out of the planner's choice, none is left in the plan: the
// planner of tables this small would otherwise rightly prefer them.
func TestOverviewPlanUsesCustomerIndexes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		id := overviewCustomer(t, ctxAs("key:1"), db, crmtest.NIF(20_000_300), 2)
		q, args := db.OverviewStatement("telco", id)
		read, _ := db.Pools()
		conn, err := read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if db.Engine() == "postgres" {
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, "RESET enable_seqscan")
			rows, err := conn.QueryContext(ctx, "EXPLAIN "+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if text := strings.Join(plan, "\n"); strings.Contains(text, "Seq Scan") {
				t.Errorf("a sequential scan:\n%s", text)
			}
			return
		}
		rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		searches := 0
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
			if sqliteTableScan.MatchString(detail) {
				t.Errorf("reads a table or the org's rows: %s", detail)
			}
			if strings.HasPrefix(detail, "SEARCH ") {
				searches++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// customer, accounts, promotions (2), contracts (3), products,
		// categories (3), special treatment, credentials, processes,
		// events (5).
		if searches < 19 {
			t.Errorf("%d index searches, want 19 or more:\n%s", searches, strings.Join(plan, "\n"))
		}
	})
}
