package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestCustomerReadsNeverServeStaleBodies holds the decoded-body cache to
// what the row says: whatever changed the row, and however a caller
// treats what it was given, the next read shows the row as stored.
func TestCustomerReadsNeverServeStaleBodies(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		created, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628v"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		get := func() *crm.Customer {
			t.Helper()
			c, err := db.Customers.GetCustomer(context.Background(), "telco", created.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		get() // the second read is served from the decoded body
		first := get()

		// A caller that changes what it got changes nobody else's copy.
		first.PersonalInfo.Name = "Changed"
		first.PersonalInfo.IdentityDocument.Number = "00000000T"
		first.ContactInfo.PostalAddress.AddressLines[0] = "Changed"
		if d := cmp.Diff(created.CustomerData, get().CustomerData); d != "" {
			t.Fatalf("a caller's change leaked into the next read (-want +got):\n%s", d)
		}

		// A change through the store is seen.
		lang := "en"
		if err := db.Customers.UpdateCustomer(ctx, "telco", created.ID, crm.CustomerPatch{PreferredLanguage: crm.Some(lang)}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := get(); got.PreferredLanguage != "en" || got.Version != created.Version+1 {
			t.Fatalf("after the update: language %q, version %d", got.PreferredLanguage, got.Version)
		}

		// So is a change the store did not make and that kept the version,
		// as another process or an operator's fix by hand would.
		if err := db.Exec(context.Background(), `UPDATE customers SET body = ? WHERE id = ?`,
			`{"type":"DIGITAL_CUSTOMER","preferred_language":"de","digital_personal_info":{"email":"a@example.com"}}`, created.ID); err != nil {
			t.Fatal(err)
		}
		got := get()
		want := crm.CustomerData{Type: crm.DigitalCustomer, PreferredLanguage: "de",
			DigitalPersonalInfo: &crm.DigitalPersonalInfo{Email: "a@example.com"}}
		if d := cmp.Diff(want, got.CustomerData); d != "" {
			t.Fatalf("a row changed behind the store read stale (-want +got):\n%s", d)
		}
	})
}

// TestLookupsDoNotWatchCancellation holds reads by key to running without
// the request's cancellation (lookupRow): watching it cost two goroutines a
// query. A request already gone still gets its row, not an error.
func TestLookupsDoNotWatchCancellation(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		created, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628v"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctxAs("key:1"))
		cancel()
		if _, err := db.Customers.GetCustomer(ctx, "telco", created.ID); err != nil {
			t.Fatalf("GetCustomer on a cancelled request: %v", err)
		}
		if _, err := db.Customers.GetCustomer(ctx, "telco", "0198a000-0000-7000-8000-000000000000"); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
			t.Fatalf("GetCustomer of an unknown id on a cancelled request: %v, want not found", err)
		}
	})
}
