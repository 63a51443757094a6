package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// overviewCustomer creates a customer with n accounts, each paying by
// direct debit with an active promotion and an active contract of one
// request, a product and a credential, and returns its id.
func overviewCustomer(t testing.TB, ctx context.Context, db *sqlstore.DB, nif string, n int) string {
	t.Helper()
	c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(nif), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := sqltest.Start.Add(-24 * time.Hour)
	for i := range n {
		a, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Promotions.AddPromotion(ctx, "telco", a.ID, crm.NewPromotion{PromotionCode: "WELCOME10",
			Name: "Welcome", StartDate: crm.Today(start)}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Contracts.CreateContract(ctx, "telco", a.ID, crm.NewContract{StartDate: &start,
			Requests: []crm.NewContractRequest{{RequestExternalID: "R" + nif + string(rune('a'+i)), ContractReferenceID: "MMC1",
				Type: "SALE_MOBILE_ONLY", OriginUser: "john.doe"}}}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Products.CreateCustomerProduct(ctx, "telco", c.ID, crm.ProductCurrencyWallet, crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Credentials.AddCredential(ctx, "telco", c.ID, "user"+nif+"@example.com", crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestOverviewStatements shows that an overview's statements do not grow
// with the customer's accounts: the engine runs one statement for a
// customer with 1 account as for one with 10, each with its promotion and
// contract.
func TestOverviewStatements(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		counts := map[int]uint64{}
		for _, n := range []int{1, 10} {
			id := overviewCustomer(t, ctx, db, crmtest.NIF(20_000_000+n), n)
			before := db.Statements()
			o, err := db.Overviews.CustomerOverview(ctx, "telco", id)
			counts[n] = db.Statements() - before
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Accounts) != n {
				t.Fatalf("%d accounts, want %d", len(o.Accounts), n)
			}
			for _, a := range o.Accounts {
				if len(a.ActivePromotions) != 1 || a.ActiveContract == nil || len(a.ActiveContract.Requests) != 1 ||
					a.Account.BillingAddress == nil || a.Account.PaymentMethod.IBAN != validIBAN {
					t.Errorf("account %+v", a)
				}
			}
			// created, per account: created, promotion, contract; product created
			// and activated; credential added.
			if want := min(crm.OverviewEvents, 1+3*n+2+1); len(o.Events) != want {
				t.Errorf("%d events, want %d", len(o.Events), want)
			}
			for i := 1; i < len(o.Events); i++ {
				if o.Events[i].OccurredAt.After(o.Events[i-1].OccurredAt) {
					t.Errorf("events not newest first: %v after %v", o.Events[i], o.Events[i-1])
				}
			}
		}
		if counts[1] != counts[10] {
			t.Errorf("statements: %d for 1 account, %d for 10: they must be equal", counts[1], counts[10])
		}
		if counts[1] != 1 {
			t.Errorf("%d statements per overview, want 1 (every part in one SELECT)", counts[1])
		}
		t.Logf("%s: %d statements per overview", db.Engine(), counts[1])
	})
}

// TestOverviewNotFound: another org's customer, an unknown one and an
// erased one are ENOTFOUND; a deactivated one is answered, DEACTIVATED.
func TestOverviewNotFound(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Overviews.CustomerOverview(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		_, err = db.Overviews.CustomerOverview(ctx, "telco", "0198a0f1-4567-7d43-ab00-000000000001")
		mustCode(t, err, crm.ENOTFOUND)
		if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		o, err := db.Overviews.CustomerOverview(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status() != crm.CustomerDeactivated || o.Customer.EndedAt == nil {
			t.Errorf("status %s, ended_at %v", o.Status(), o.Customer.EndedAt)
		}
		got := []string{}
		for _, e := range o.Events {
			got = append(got, e.Type)
		}
		if diff := cmp.Diff([]string{crm.EventCustomerDeactivated, crm.EventCustomerCreated}, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
