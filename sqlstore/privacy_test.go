package sqlstore_test

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestPrivacyExport: a customer's export holds its own records and events
// only, a deactivated customer's too, and its documents open whatever the
// customer's state, for that customer only.
func TestPrivacyExport(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		ids := db.Identifications(newMemBlobs(clock.Now))
		privacy := db.Privacy(ids)
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(2)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Accounts.CreateAccount(ctx, "telco", other.ID, newAccount(directDebit()), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := ids.CreateIdentificationProcess(ctx, "telco", c.ID, upload(t, ids, crm.DocNIF, "id.pdf", testPDF), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Accounts.CloseAccount(ctx, "telco", c.ID, a.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}

		x, err := privacy.ExportCustomer(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range x.Events {
			types = append(types, e.Type)
		}
		want := []string{crm.EventCustomerCreated, crm.EventAccountCreated, crm.EventIdentificationProcessCreated,
			crm.EventAccountClosed, crm.EventCustomerDeactivated}
		if diff := cmp.Diff(want, types); diff != "" {
			t.Errorf("event types (-want +got):\n%s", diff)
		}
		if x.Customer.EndedAt == nil || len(x.Accounts) != 1 || x.Accounts[0].Account.ID != a.ID ||
			len(x.Accounts[0].BillingAddresses) != 1 || len(x.Identifications) != 1 {
			t.Errorf("export %+v", x)
		}

		// The document outlives its signed links, for the export only.
		if _, _, err := ids.OpenDocument(ctx, "telco", p.Document.ID); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
			t.Errorf("OpenDocument of a deactivated customer: %v", err)
		}
		d, body, err := privacy.OpenExportDocument(ctx, "telco", c.ID, p.Document.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(body)
		body.Close()
		if d.ID != p.Document.ID || string(got) != string(testPDF) {
			t.Errorf("document %+v: %q", d, got)
		}

		for _, tc := range []struct{ name, org, customer, document string }{
			{"another customer's document", "telco", other.ID, p.Document.ID},
			{"another org", "rival", c.ID, p.Document.ID},
			{"no such document", "telco", c.ID, other.ID},
		} {
			if _, _, err := privacy.OpenExportDocument(ctx, tc.org, tc.customer, tc.document); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", tc.name, err)
			}
		}
		for _, tc := range []struct{ name, org, customer string }{
			{"another org", "rival", c.ID},
			{"no such customer", "telco", a.ID},
		} {
			if _, err := privacy.ExportCustomer(ctx, tc.org, tc.customer); crm.ErrorCodeOf(err) != crm.ENOTFOUND {
				t.Errorf("export, %s: %v, want ENOTFOUND", tc.name, err)
			}
		}
	})
}
