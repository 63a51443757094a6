package sqlstore_test

import (
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestFindCustomerByUsername covers the K2 search by a credential's
// username, alone and with the other criteria.
func TestFindCustomerByUsername(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		p, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		d, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("login@example.com"), crm.WriteOptions{})
		db.Credentials.AddCredential(ctx, "telco", p.ID, "antonio@example.com", crm.WriteOptions{})
		db.Credentials.AddCredential(ctx, "telco", d.ID, "jose.login@example.com", crm.WriteOptions{})
		cases := []struct {
			q    crm.CustomerSearch
			want string
			code crm.ErrorCode
		}{
			{crm.CustomerSearch{Username: "antonio@example.com"}, p.ID, ""},
			{crm.CustomerSearch{Username: " Antonio@EXAMPLE.com "}, p.ID, ""},
			{crm.CustomerSearch{Username: "jose.login@example.com"}, d.ID, ""},
			{crm.CustomerSearch{Username: "antonio"}, "", crm.ENOTFOUND},
			{crm.CustomerSearch{Username: "antonio@example.co"}, "", crm.ENOTFOUND},
			{crm.CustomerSearch{Username: "antonio@example.com", IdentityDocument: "14861628V"}, p.ID, ""},
			{crm.CustomerSearch{Username: "jose.login@example.com", IdentityDocument: "14861628V"}, "", crm.ENOTFOUND},
			{crm.CustomerSearch{Username: "jose.login@example.com", Email: "login@example.com"}, d.ID, ""},
			{crm.CustomerSearch{Username: "antonio@example.com", Email: "login@example.com"}, "", crm.ENOTFOUND},
			// The customer's contact email is not a username.
			{crm.CustomerSearch{Username: "email@example.com"}, "", crm.ENOTFOUND},
		}
		for _, tc := range cases {
			ref, err := db.Customers.FindCustomer(ctx, "telco", tc.q)
			if crm.ErrorCodeOf(err) != tc.code || ref.ID != tc.want {
				t.Errorf("%+v: found %q (%v), want %q %s", tc.q, ref.ID, err, tc.want, tc.code)
			}
		}
		_, err := db.Customers.FindCustomer(ctx, "other", crm.CustomerSearch{Username: "antonio@example.com"})
		mustCode(t, err, crm.ENOTFOUND)
		// An ended customer is still found by its username.
		db.Customers.DeactivateCustomer(ctx, "telco", d.ID, crm.WriteOptions{})
		ref, err := db.Customers.FindCustomer(ctx, "telco", crm.CustomerSearch{Username: "jose.login@example.com"})
		if err != nil || ref.ID != d.ID || *ref.ExternalID != *d.ExternalID {
			t.Errorf("ended owner: %+v %v", ref, err)
		}
	})
}
