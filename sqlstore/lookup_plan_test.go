package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/telcoops/crm/crmtest"
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
