package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestImportWritesSearchKeys: imported customers are found by their names,
// phones and accounts' IBANs, whether a batch went in bulk or, after a
// duplicate, line by line.
func TestImportWritesSearchKeys(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		// The second batch holds a duplicate document: it is redone line by line.
		_, rejected := runImport(t, db, 2, importLine(t, crmtest.NIF(1), "", ""), importLine(t, crmtest.NIF(2), "", ""),
			importLine(t, crmtest.NIF(3), "", ""), importLine(t, crmtest.NIF(3), "", ""))
		if len(rejected) != 1 {
			t.Fatalf("rejected %v, want the duplicate", rejected)
		}
		for _, q := range []string{"antonio benavente", "615 667 898", validIBAN, "email@example.com"} {
			if got := search(t, db, "telco", q, 20); len(got) != 3 {
				t.Errorf("%q finds %d imported customers, want 3: %v", q, len(got), got)
			}
		}
	})
}

// TestMigrationFillsSearchKeys: migration 0025 writes the keys of the
// customers and accounts stored before it, and none of an erased customer.
func TestMigrationFillsSearchKeys(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		erased, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{})
		if _, err := db.Privacy(db.Identifications(newMemBlobs(clock.Now))).EraseCustomer(ctx, "telco", erased.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		want := map[string]map[string][]string{}
		queries := []string{"antonio", "+34615667898", "email@example.com", validIBAN}
		for _, q := range queries {
			want[q] = search(t, db, "telco", q, 20)
		}
		bg := context.Background()
		for _, q := range []string{"DROP TABLE customer_search_keys", "DELETE FROM schema_migrations WHERE version = 25"} {
			if err := db.Exec(bg, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(bg); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			got := search(t, db, "telco", q, 20)
			if diff := cmp.Diff(want[q], got); diff != "" || got[c.ID] == nil {
				t.Errorf("%q after the migration (-before +after):\n%s", q, diff)
			}
			if slices.Contains(keysOf(got), erased.ID) {
				t.Errorf("%q finds the erased customer", q)
			}
		}
	})
}

func keysOf(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMergeMovesSearchKeys: after a merge, the IBAN of a moved account and
// the moved username find the survivor; the merged customer keeps its own
// name, found deactivated.
func TestMergeMovesSearchKeys(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		survivor := mustCreate(t, db, "telco", person(1))
		merged := mustCreate(t, db, "telco", person(2))
		if _, err := db.Accounts.CreateAccount(ctx, "telco", merged, newAccount(directDebit()), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Credentials.AddCredential(ctx, "telco", merged, "merged@example.com", crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "telco", validIBAN, 20); got[merged] == nil {
			t.Fatalf("before the merge the IBAN finds %v", got)
		}
		if _, err := db.Duplicates.MergeCustomer(ctx, "telco", survivor, merged, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{validIBAN, "merged@example.com"} {
			if got := search(t, db, "telco", q, 20); len(got) != 1 || got[survivor] == nil {
				t.Errorf("after the merge %q finds %v, want only the survivor %s", q, got, survivor)
			}
		}
	})
}
