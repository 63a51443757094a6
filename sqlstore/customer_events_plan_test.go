package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestCustomerEventsPlanUsesAggregateIndex: a page of a customer's history
// reads the events through their (aggregate_type, aggregate_id, sequence)
// index, once per aggregate, and never scans the events, not even in the
// primary key's order (newest first, as the page is): what keeps the
// console's timeline as quick for a customer created today among millions
// of events as for the first one. The events table holds 30,000 events of
// 10,000 other customers, accounts and products, analyzed on PostgreSQL so
// that the planner weighs real sizes.
func TestCustomerEventsPlanUsesAggregateIndex(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		id := overviewCustomer(t, ctxAs("key:1"), db, crmtest.NIF(1), 1)
		postgres := db.ReadByIDQueries() != nil
		series := "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 10000) SELECT g FROM s"
		if postgres {
			series = "SELECT g FROM generate_series(1, 10000) g"
		}
		for _, kind := range []string{"customer", "account", "customer_product"} {
			q := `INSERT INTO events (id, org_id, type, aggregate_type, aggregate_id, sequence, occurred_at, actor, data, changes)
				SELECT '` + kind + `-e' || g, 'telco', '` + kind + `.created', '` + kind + `', '` + kind + `-' || g, 1, ?, 'key:1', '{}', '{}'
				FROM (` + series + `) AS s`
			if err := db.Exec(ctx, q, db.Timestamp(clock.Now())); err != nil {
				t.Fatal(err)
			}
		}
		if postgres {
			if err := db.Exec(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		read, _ := db.Pools()
		for _, before := range []int64{0, 5} {
			q := db.CustomerEventsQuery("telco", id, before, crm.MaxFeedPage)
			if postgres {
				var plan string
				if err := read.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...).Scan(&plan); err != nil {
					t.Fatal(err)
				}
				var doc []struct{ Plan json.RawMessage }
				if err := json.Unmarshal([]byte(plan), &doc); err != nil {
					t.Fatal(err)
				}
				used := indexNames(doc[0].Plan)
				// The customer's accounts and products are a row each here:
				// their tables may be read whole, never the events.
				if slices.Contains(seqScans(doc[0].Plan), "events") || slices.Contains(used, "events_pkey") {
					t.Errorf("before %d: a scan of the events or of their order:\n%s", before, plan)
				}
				if n := occurrences(used, "events_aggregate_type_aggregate_id_sequence_key"); n != 3 {
					t.Errorf("before %d: the plan reads the aggregate index %d times, want 3 (one per branch): %v\n%s", before, n, used, plan)
				}
				continue
			}
			rows, err := read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
			if err != nil {
				t.Fatal(err)
			}
			var steps []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				steps = append(steps, detail)
			}
			rows.Close()
			plan := strings.Join(steps, "\n")
			t.Logf("before %d:\n%s", before, plan)
			searches := 0
			for _, s := range steps {
				if strings.HasPrefix(s, "SCAN ") || strings.Contains(s, "INTEGER PRIMARY KEY") {
					t.Errorf("before %d: %q in the plan:\n%s", before, s, plan)
				}
				if strings.HasPrefix(s, "SEARCH e USING INDEX sqlite_autoindex_events_2 (aggregate_type=? AND aggregate_id=?)") {
					searches++
				}
			}
			if searches != 3 {
				t.Errorf("before %d: %d searches of the aggregate index, want 3 (one per branch):\n%s", before, searches, plan)
			}
		}
	})
}

// occurrences is how many times s holds v.
func occurrences(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// seqScans lists the tables a JSON plan node and its children read whole.
func seqScans(node json.RawMessage) []string {
	var n struct {
		NodeType string            `json:"Node Type"`
		Relation string            `json:"Relation Name"`
		Plans    []json.RawMessage `json:"Plans"`
	}
	json.Unmarshal(node, &n)
	var out []string
	if n.NodeType == "Seq Scan" {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, seqScans(c)...)
	}
	return out
}
