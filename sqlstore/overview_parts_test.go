package sqlstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestOverviewPartsAsOrdinaryReads: the parts an overview reads as JSON
// (one statement) are, value for value, what the ordinary reads return:
// the customer, its accounts, categories (with a description holding
// characters JSON escapes), special treatment, credentials, products and
// identification processes, including the parts the HTTP test leaves
// empty.
func TestOverviewPartsAsOrdinaryReads(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		id := overviewCustomer(t, ctx, db, crmtest.NIF(20_000_100), 2)
		if _, err := db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "risk"}}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		cat := int32(1)
		if err := db.Classification.AddCustomerCategory(ctx, "telco", id, crm.NewCustomerCategory{ID: &cat,
			Value: crm.Some("high"), Description: strp("\"quoted\" \\ back\tslash, ünïcode")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.SetSpecialTreatment(ctx, "telco", []string{"silver", "gold", "vip"}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.SetCustomerSpecialTreatment(ctx, "telco", id, []string{"vip", "silver"}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		ids := db.Identifications(newMemBlobs(clock.Now))
		if _, err := ids.CreateIdentificationProcess(ctx, "telco", id, upload(t, ids, crm.DocNIF, "id.pdf", testPDF), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}

		o, err := db.Overviews.CustomerOverview(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		customer, err := db.Customers.GetCustomer(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		categories, err := db.Classification.ListCustomerCategories(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		special, err := db.Classification.GetCustomerSpecialTreatment(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		credentials, err := db.Credentials.ListCredentials(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		products, err := db.Products.ListCustomerProducts(ctx, "telco", id, crm.ProductFilter{})
		if err != nil {
			t.Fatal(err)
		}
		processes, err := ids.ListIdentificationProcesses(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		accounts, err := db.Accounts.ListAccountIDs(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		var gotAccounts []crm.Account
		var wantAccounts []crm.Account
		for i, a := range accounts {
			acc, err := db.Accounts.GetAccount(ctx, "telco", a)
			if err != nil {
				t.Fatal(err)
			}
			wantAccounts = append(wantAccounts, *acc)
			gotAccounts = append(gotAccounts, o.Accounts[i].Account)
		}
		for _, c := range []struct {
			part      string
			want, got any
		}{
			{"customer", customer, o.Customer},
			{"accounts", wantAccounts, gotAccounts},
			{"categories", categories.Categories, o.Categories},
			{"special treatment", special.Values, o.SpecialTreatment},
			{"credentials", credentials.Credentials, o.Credentials},
			{"products", products, o.Products},
			{"identification processes", processes, o.IdentificationProcesses},
		} {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("%s (-ordinary read +overview):\n%s", c.part, diff)
			}
		}
		if len(o.Categories) != 1 || len(o.SpecialTreatment) != 2 || len(o.IdentificationProcesses) != 1 {
			t.Errorf("overview lacks parts: %d categories, %d special treatment, %d processes",
				len(o.Categories), len(o.SpecialTreatment), len(o.IdentificationProcesses))
		}
	})
}
