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

// TestSearchPlansUseIndexes: every query of the search box reads through
// an index on both engines, never a scan of a table, and the name range
// comes in the primary key's order, with no sort: what keeps a search
// quick at a million customers (docs/performance.md). On PostgreSQL the
// tables hold 20,000 customers, analyzed, so that the planner weighs real
// sizes.
func TestSearchPlansUseIndexes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		_, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		postgres := db.ReadByIDQueries() != nil
		if postgres {
			for _, q := range []string{
				`INSERT INTO customers (id, org_id, external_id, type, doc_type, doc_number, email, body, created_at, updated_at, version)
				 SELECT 'c' || g, 'telco', 'x' || g, 'private', 'NIF', 'D' || g, 'e' || g || '@example.com', '{}', now(), now(), 1
				 FROM generate_series(1, 20000) g`,
				`INSERT INTO accounts (id, org_id, customer_id, external_id, body, created_at, updated_at, version)
				 SELECT 'a' || g, 'telco', 'c' || g, 'a' || g, '{}', now(), now(), 1 FROM generate_series(1, 20000) g`,
				`INSERT INTO customer_search_keys (org_id, kind, search_key, owner_id, customer_id)
				 SELECT 'telco', k, CASE k WHEN 'name' THEN 'n' || md5(g::text) WHEN 'phone' THEN '+34' || (600000000 + g) ELSE 'e' || g || '@example.com' END, 'c' || g, 'c' || g
				 FROM generate_series(1, 20000) g, (VALUES ('name'), ('phone'), ('email')) v(k)`,
				`INSERT INTO customer_credentials (id, org_id, customer_id, username, created_at)
				 SELECT 'u' || g, 'telco', 'c' || g, 'u' || g || '@example.com', now() FROM generate_series(1, 20000) g`,
				`INSERT INTO customer_products (id, org_id, customer_id, product_code, product_type, status, iban, created_at, modified_at, version)
				 SELECT 'p' || g, 'telco', 'c' || g, 'BALANCE_ACCOUNT', 'CASH', 'ACTIVE', 'ES00' || g, now(), now(), 1 FROM generate_series(1, 20000) g`,
				`ANALYZE`,
			} {
				if err := db.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		terms, err := crm.ParseSearchQuery("ES79 2100 0813 6101 2345 6789")
		if err != nil {
			t.Fatal(err)
		}
		// Every kind at once: no one query is all of them.
		more, _ := crm.ParseSearchQuery("Ana@Example.com")
		terms.Email, terms.Username, terms.Phone, terms.Document = more.Email, more.Username, "+34612345678", "14861628V"
		terms.ExternalID, terms.AccountID, terms.NamePrefix = "214748364", "0198a0f1-4567-7d43-ab00-000000000001", "garc"
		read, _ := db.Pools()
		for name, q := range db.SearchQueries("telco", terms) {
			if postgres {
				var plan string
				if err := read.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...).Scan(&plan); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var doc []struct{ Plan json.RawMessage }
				if err := json.Unmarshal([]byte(plan), &doc); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(plan, `"Seq Scan"`) || (name == "names" && strings.Contains(plan, `"Node Type": "Sort"`)) {
					t.Errorf("%s: a scan or a sort:\n%s", name, plan)
				}
				used := indexNames(doc[0].Plan)
				for _, want := range wantSearchIndexes[name] {
					if !slices.Contains(used, want) {
						t.Errorf("%s: the plan uses %v, not %s", name, used, want)
					}
				}
				continue
			}
			rows, err := read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
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
			for _, s := range steps {
				if strings.HasPrefix(s, "SCAN ") || (name == "names" && strings.Contains(s, "TEMP B-TREE")) {
					t.Errorf("%s: %q in the plan:\n%s", name, s, plan)
				}
			}
			for _, want := range wantSearchIndexes[name] {
				// SQLite names a primary key that is not the rowid so,
				// and a WITHOUT ROWID table's (the search keys') as such.
				table, isKey := strings.CutSuffix(want, "_pkey")
				switch {
				case table == "customer_search_keys":
					want = "USING PRIMARY KEY"
				case isKey:
					want = "sqlite_autoindex_" + table + "_1"
				}
				if !strings.Contains(plan, want) {
					t.Errorf("%s: the plan does not use %s:\n%s", name, want, plan)
				}
			}
		}
	})
}

// wantSearchIndexes are the indexes each query must read through.
var wantSearchIndexes = map[string][]string{
	"exact": {"customers_document_idx", "customer_search_keys_pkey", "customer_credentials_username_uq",
		"customers_external_id_uq", "accounts_external_id_uq", "accounts_pkey", "customer_products_iban_any_org_uq"},
	"names": {"customer_search_keys_pkey", "customer_search_keys_customer_idx"},
}
