package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonlimport"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestReadByIDBatchesUseOnlyThePrimaryKey: PostgreSQL's generic plan for a
// batch of reads by id probes the primary key and no other index, even on
// tables grown by a bulk insert that no ANALYZE has seen since. Asked by org
// and id, it chose to AND the key's matches with every row of the org, read
// from an (org_id, ...) index: milliseconds a query where the key alone
// takes a tenth of one.
func TestReadByIDBatchesUseOnlyThePrimaryKey(t *testing.T) {
	t.Parallel()
	sqltest.Postgres(t) // PostgreSQL only: skips without it, fails without it under CI=true
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		queries := db.ReadByIDQueries()
		if queries == nil {
			t.Skip("reads by id go row by row on this engine")
		}
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO customers (id, org_id, external_id, type, doc_type, doc_number, email, body, created_at, updated_at, version)
			 SELECT 'c' || g, 'telco', g::text, 'private', 'NIF', 'D' || g, 'e' || g || '@example.com', '{}', now(), now(), 1
			 FROM generate_series(1, 20000) g`,
			`INSERT INTO accounts (id, org_id, customer_id, external_id, body, created_at, updated_at, version)
			 SELECT 'a' || g, 'telco', 'c' || g, g::text, '{}', now(), now(), 1 FROM generate_series(1, 20000) g`,
		} {
			if err := db.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		_, pool := db.Pools()
		conn, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for table, q := range queries {
			var plan string
			for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE batch(text[]) AS " + q} {
				if _, err := conn.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) EXECUTE batch('{c1,c2,a1,a2}')").Scan(&plan); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "DEALLOCATE batch"); err != nil {
				t.Fatal(err)
			}
			var doc []struct{ Plan json.RawMessage }
			if err := json.Unmarshal([]byte(plan), &doc); err != nil {
				t.Fatal(err)
			}
			got := indexNames(doc[0].Plan)
			if want := table + "_pkey"; len(got) != 1 || got[0] != want {
				t.Errorf("%s: the batch's plan uses indexes %v, want only %s:\n%s", table, got, want, plan)
			}
		}
		if _, err := conn.ExecContext(ctx, "RESET plan_cache_mode"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestImportKeepsPlannerStatisticsCurrent: while an import fills the
// tables, PostgreSQL plans its statements on statistics of what is there.
// With none, it takes an org to hold half a percent of a table's rows: the
// import's check for external ids already taken then hashed every customer
// of the org rather than probe the index for each id, at a cost growing
// with the table.
func TestImportKeepsPlannerStatisticsCurrent(t *testing.T) {
	t.Parallel()
	sqltest.Postgres(t) // PostgreSQL only: skips without it, fails without it under CI=true
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		if db.ReadByIDQueries() == nil {
			t.Skip("SQLite keeps no statistics unless asked, and plans these queries without")
		}
		ctx := context.Background()
		var lines []string
		for i := range 3000 {
			lines = append(lines, importLine(t, crmtest.NIF(i), "", ""))
		}
		read, _ := db.Pools()
		var checked int
		_, err := jsonlimport.Run(ctx, db, "telco", strings.NewReader(strings.Join(lines, "\n")), jsonlimport.Options{
			BatchSize: 500,
			Progress: func(s jsonlimport.Stats) {
				// Between the refresh at 2000 lines and the next, due at 4000.
				if s.Lines != 2500 {
					return
				}
				for _, table := range []string{"customers", "accounts"} {
					checked++
					var plan string
					if err := read.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) SELECT 1 FROM "+table+" WHERE org_id = 'telco'").Scan(&plan); err != nil {
						t.Fatal(err)
					}
					var doc []struct {
						Plan struct {
							Rows float64 `json:"Plan Rows"`
						}
					}
					if err := json.Unmarshal([]byte(plan), &doc); err != nil {
						t.Fatal(err)
					}
					if got := doc[0].Plan.Rows; got < float64(s.Imported)/2 {
						t.Errorf("%s: the planner expects %.0f rows of the org, of %d", table, got, s.Imported)
					}
				}
			}})
		if err != nil || checked != 2 {
			t.Fatalf("import: %v, %d tables checked", err, checked)
		}
	})
}

// indexNames lists the indexes a JSON plan node and its children use.
func indexNames(node json.RawMessage) []string {
	var n struct {
		IndexName string            `json:"Index Name"`
		Plans     []json.RawMessage `json:"Plans"`
	}
	json.Unmarshal(node, &n)
	var out []string
	if n.IndexName != "" {
		out = append(out, n.IndexName)
	}
	for _, c := range n.Plans {
		out = append(out, indexNames(c)...)
	}
	return out
}
