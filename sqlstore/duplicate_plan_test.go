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
// one per rule, on each engine: documents by number (either index of
// them, so long as it is looked up by number: documentIndex), the search
// keys' primary key for phones, the search email, the name with birth
// date.
var duplicateIndexes = map[string][]string{
	"postgres": {documentIndex, "customer_search_keys_pkey", "customers_email_idx", "customers_dup_name_idx"},
	"sqlite":   {documentIndex, "PRIMARY", "customers_email_idx", "customers_dup_name_idx"}, // the search keys' (WITHOUT ROWID)
}

// documentIndex stands for customers_document_idx (org, number) and
// customers_document_uq (org, type, number) in the lists of indexes used.
const documentIndex = "customers_document_*"

// documentIndexUse is the name a plan's use of index ix, with its
// condition cond, counts as; "" when a document index is used without
// the number in its condition (a read of the org's every document).
func documentIndexUse(ix, cond string) string {
	if ix != "customers_document_idx" && ix != "customers_document_uq" {
		return ix
	}
	if !strings.Contains(cond, "doc_number") {
		return ""
	}
	return documentIndex
}

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
				ended_at, version, dup_name, dup_keys)
			SELECT 'c' || n, 'telco', 'x' || n, 'PRIVATE_CUSTOMER', 'NIF', 'D' || n, 'e' || n || '@example.com', '{}', ?, ?,
				CASE WHEN n % 10 = 0 THEN ` + ended + ` END, 1, 'n' || n, 1 FROM g`
		keys := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
			INSERT INTO customer_search_keys (org_id, kind, search_key, owner_id, customer_id)
			SELECT 'telco', 'phone', '+34' || n, 'c' || n, 'c' || n FROM g`
		if db.Engine() == "sqlite" {
			fill = strings.Replace(fill, "THEN NULL", "THEN '2026-01-01T00:00:00Z'", 1)
		}
		now := db.Timestamp(sqltest.Start)
		if err := db.Exec(ctx, fill, now, now); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, keys); err != nil {
			t.Fatal(err)
		}
		args := []any{"telco", "D7", "X7", "NIF", "CIF", "D7", "c1", "telco", "e7@example.com", "c1", "telco", "n7", "c1", "telco", "+347", "c1"}
		read, _ := db.Pools()
		conn, err := read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var plan string
		var used []string
		if db.Engine() == "postgres" {
			if err := db.Exec(ctx, "ANALYZE customers, customer_search_keys"); err != nil {
				t.Fatal(err)
			}
			var lits []string
			for _, a := range args {
				lits = append(lits, "'"+a.(string)+"'")
			}
			for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE dup AS " + db.DuplicateCandidatesQuery(1)} {
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
			for _, ix := range indexUses(doc[0].Plan) {
				if slices.Contains(duplicateIndexes["postgres"], ix) || ix == "" {
					used = append(used, ix) // not the join's customers_pkey
				}
			}
			if strings.Contains(plan, `"Seq Scan"`) {
				t.Errorf("the lookup scans a table:\n%s", plan)
			}
		} else {
			rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+db.DuplicateCandidatesQuery(1), args...)
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
				// "SCAN p" reads a probe's co-routine, not a table.
				if f := strings.Fields(detail); len(f) > 1 && f[0] == "SCAN" && f[1] != "p" {
					t.Errorf("the lookup scans the table: %s", detail)
				}
				if f := strings.Fields(detail); len(f) > 4 && f[0] == "SEARCH" && (f[3] == "INDEX" || f[3] == "PRIMARY") {
					ix := f[3] // a WITHOUT ROWID table's key: "USING PRIMARY KEY"
					if ix == "INDEX" {
						ix = documentIndexUse(f[4], detail)
					}
					if slices.Contains(duplicateIndexes["sqlite"], ix) || ix == "" {
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
		want := slices.Sorted(slices.Values(duplicateIndexes[db.Engine()]))
		if !slices.Equal(used, want) {
			t.Errorf("the lookup uses indexes %v, want each of %v once:\n%s", used, want, plan)
		}
		t.Logf("%s plan:\n%s", db.Engine(), fmt.Sprint(plan))
	})
}

// indexUses lists the indexes a JSON plan node and its children use, as
// documentIndexUse names them.
func indexUses(node json.RawMessage) []string {
	var n struct {
		IndexName string            `json:"Index Name"`
		IndexCond string            `json:"Index Cond"`
		Plans     []json.RawMessage `json:"Plans"`
	}
	json.Unmarshal(node, &n)
	var out []string
	if n.IndexName != "" {
		out = append(out, documentIndexUse(n.IndexName, n.IndexCond))
	}
	for _, c := range n.Plans {
		out = append(out, indexUses(c)...)
	}
	return out
}
