package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// duplicateIndexes are the indexes the create's candidate lookup probes,
// one per rule.
var duplicateIndexes = []string{"customers_dup_document_idx", "customers_dup_phone_idx", "customers_email_idx", "customers_dup_name_idx"}

// TestDuplicateCandidatesUseTheirIndexes: on 5000 customers of which a
// tenth are ended, the create's lookup is four index probes, one per rule,
// and reads no table from end to end, on both engines; on PostgreSQL in
// the generic plan a prepared statement ends up with.
func TestDuplicateCandidatesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		ended := "NULL"
		if db.Engine() == "postgres" {
			ended = "now()"
		}
		fill := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
			INSERT INTO customers (id, org_id, external_id, type, doc_type, doc_number, email, body, created_at, updated_at,
				ended_at, version, dup_document, dup_phone, dup_name, dup_keys)
			SELECT 'c' || n, 'telco', 'x' || n, 'PRIVATE_CUSTOMER', 'NIF', 'D' || n, 'e' || n || '@example.com', '{}', ?, ?,
				CASE WHEN n % 10 = 0 THEN ` + ended + ` END, 1, 'd' || n, 'p' || n, 'n' || n, 1 FROM g`
		if db.Engine() == "sqlite" {
			fill = strings.Replace(fill, "THEN NULL", "THEN '2026-01-01T00:00:00Z'", 1)
		}
		now := db.Timestamp(sqltest.Start)
		if err := db.Exec(ctx, fill, now, now); err != nil {
			t.Fatal(err)
		}
		args := []any{"telco", "d7", "NIE", "c1", "telco", "p7", "c1", "telco", "e7@example.com", "c1", "telco", "n7", "c1"}
		read, _ := db.Pools()
		conn, err := read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var plan string
		var used []string
		if db.Engine() == "postgres" {
			if err := db.Exec(ctx, "ANALYZE customers"); err != nil {
				t.Fatal(err)
			}
			var lits []string
			for _, a := range args {
				lits = append(lits, "'"+a.(string)+"'")
			}
			for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE dup AS " + db.DuplicateCandidatesQuery()} {
				if _, err := conn.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			defer conn.ExecContext(ctx, "RESET plan_cache_mode")
			defer conn.ExecContext(ctx, "DEALLOCATE dup")
			if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) EXECUTE dup("+strings.Join(lits, ", ")+")").Scan(&plan); err != nil {
				t.Fatal(err)
			}
			var doc []struct{ Plan json.RawMessage }
			if err := json.Unmarshal([]byte(plan), &doc); err != nil {
				t.Fatal(err)
			}
			used = indexNames(doc[0].Plan)
			if strings.Contains(plan, `"Seq Scan"`) {
				t.Errorf("the lookup scans a table:\n%s", plan)
			}
		} else {
			rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+db.DuplicateCandidatesQuery(), args...)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, detail)
				if strings.HasPrefix(detail, "SCAN customers") {
					t.Errorf("the lookup scans the table: %s", detail)
				}
				for _, ix := range duplicateIndexes {
					if strings.Contains(detail, "INDEX "+ix+" ") {
						used = append(used, ix)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			plan = strings.Join(lines, "\n")
		}
		slices.Sort(used)
		want := slices.Sorted(slices.Values(duplicateIndexes))
		if !slices.Equal(used, want) {
			t.Errorf("the lookup uses indexes %v, want each of %v once:\n%s", used, want, plan)
		}
		t.Logf("%s plan:\n%s", db.Engine(), fmt.Sprint(plan))
	})
}
