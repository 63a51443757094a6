package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// search runs the search box's query q and returns what it found, by
// customer id: what each matched. It reads every page, limit at a time,
// and fails on a customer listed twice.
func search(t *testing.T, db *sqlstore.DB, org, q string, limit int) map[string][]string {
	t.Helper()
	terms, err := crm.ParseSearchQuery(q)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	out := map[string][]string{}
	var after *crm.SearchCursor
	for pages := 0; ; pages++ {
		page, err := db.Customers.SearchCustomers(context.Background(), org, terms, limit, after)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(page.Matches) > limit || pages > 100 {
			t.Fatalf("%q: a page of %d, page %d", q, len(page.Matches), pages)
		}
		for _, m := range page.Matches {
			if _, dup := out[m.Customer.ID]; dup {
				t.Fatalf("%q: %s listed twice", q, m.Customer.ID)
			}
			out[m.Customer.ID] = m.Matched
		}
		if page.Next == nil {
			return out
		}
		// A cursor goes through the client as JSON (sealed by httpapi).
		raw, _ := json.Marshal(page.Next)
		after = new(crm.SearchCursor)
		json.Unmarshal(raw, after)
	}
}

// TestSearchCustomers finds customers by every kind of value, after every
// write that changes one, on both engines.
func TestSearchCustomers(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		p, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		co, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Corporate("B12345674"), crm.WriteOptions{})
		dg, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("Login@Example.com"), crm.WriteOptions{})
		a, err := db.Accounts.CreateAccount(ctx, "telco", p.ID, newAccount(directDebit()), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Credentials.AddCredential(ctx, "telco", co.ID, "antonio@example.com", crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		moved, err := db.Credentials.AddCredential(ctx, "telco", co.ID, "moved@example.com", crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := db.Customers.CreateCustomer(ctx, "other", crmtest.Private("14861628V"), crm.WriteOptions{})
		// Private and corporate share the contact email and phone of the fixture.
		cases := []struct {
			q    string
			want map[string][]string
		}{
			{"14861628-v", map[string][]string{p.ID: {crm.MatchIdentityDocument}}},
			{" 14 861 628 V ", map[string][]string{p.ID: {crm.MatchIdentityDocument}}},
			{"b-12345674", map[string][]string{co.ID: {crm.MatchIdentityDocument}}},
			{"EMAIL@example.com", map[string][]string{p.ID: {crm.MatchEmail}, co.ID: {crm.MatchEmail}}},
			{"login@example.com", map[string][]string{dg.ID: {crm.MatchEmail}}},
			{"615 667 898", map[string][]string{p.ID: {crm.MatchPhone}, co.ID: {crm.MatchPhone}, dg.ID: {crm.MatchPhone}}},
			{"+34 615667898", map[string][]string{p.ID: {crm.MatchPhone}, co.ID: {crm.MatchPhone}, dg.ID: {crm.MatchPhone}}},
			{"0034615667898", map[string][]string{p.ID: {crm.MatchPhone}, co.ID: {crm.MatchPhone}, dg.ID: {crm.MatchPhone}}},
			{"Antonio@Example.com", map[string][]string{co.ID: {crm.MatchUsername}}},
			{*co.ExternalID, map[string][]string{co.ID: {crm.MatchExternalID}}},
			// Both drawn first in their sequences: "1".
			{*a.ExternalID, map[string][]string{p.ID: {crm.MatchExternalID, crm.MatchAccountExternalID}}},
			{a.ID, map[string][]string{p.ID: {crm.MatchAccountID}}},
			{"es79 2100 0813 6101 2345 6789", map[string][]string{p.ID: {crm.MatchIBAN}}},
			{"benavente", map[string][]string{p.ID: {crm.MatchName}}},
			{"ANTÓNIO bena", map[string][]string{p.ID: {crm.MatchName}}},
			{"blanco", map[string][]string{p.ID: {crm.MatchName}}},
			{"ibm", map[string][]string{co.ID: {crm.MatchName}}},
			{"jose carr", map[string][]string{dg.ID: {crm.MatchName}}},
			{"nobody", map[string][]string{}},
			{"615 667 899", map[string][]string{}},
		}
		for _, tc := range cases {
			if diff := cmp.Diff(tc.want, search(t, db, "telco", tc.q, 2)); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tc.q, diff)
			}
		}
		if got := search(t, db, "other", "14861628V", 20); len(got) != 1 || got[other.ID] == nil {
			t.Errorf("other org: %v", got)
		}

		// A patch moves the name, phone and email keys.
		var patch crm.CustomerPatch
		if err := json.Unmarshal([]byte(`{"personal_info":{"name":"Zoé"},
			"contact_info":{"emails":[{"email":"new@example.com"}],"phone_numbers":[{"country_code":"+34","number":"699111222","type":"MOBILE"}]}}`), &patch); err != nil {
			t.Fatal(err)
		}
		if err := db.Customers.UpdateCustomer(ctx, "telco", p.ID, patch, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]map[string][]string{
			"antonio":         {},
			"zoe bena":        {p.ID: {crm.MatchName}},
			"benavente":       {p.ID: {crm.MatchName}},
			"699111222":       {p.ID: {crm.MatchPhone}},
			"615667898":       {co.ID: {crm.MatchPhone}, dg.ID: {crm.MatchPhone}},
			"new@example.com": {p.ID: {crm.MatchEmail}},
		} {
			if diff := cmp.Diff(want, search(t, db, "telco", q, 20)); diff != "" {
				t.Errorf("after the patch, %q (-want +got):\n%s", q, diff)
			}
		}
		// A new payment method moves the IBAN.
		iban := "ES9121000418450200051332"
		if _, err := db.Accounts.SetPaymentMethod(ctx, "telco", a.ID, crm.PaymentMethodRequest{Type: crm.PaymentDirectDebit,
			Details: &crm.PaymentDetails{IBAN: &iban}}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "telco", validIBAN, 20); len(got) != 0 {
			t.Errorf("the old IBAN still finds %v", got)
		}
		if got := search(t, db, "telco", iban, 20); !slices.Equal(got[p.ID], []string{crm.MatchIBAN}) {
			t.Errorf("the new IBAN finds %v", got)
		}
		// A credential moved to another customer finds that one; deleted, none.
		if _, err := db.Credentials.MigrateCredential(ctx, "telco", p.ID, "moved@example.com", crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "telco", "moved@example.com", 20); !cmp.Equal(got, map[string][]string{p.ID: {crm.MatchUsername}}) {
			t.Errorf("the moved username finds %v", got)
		}
		if err := db.Credentials.DeleteCredential(ctx, "telco", p.ID, moved.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "telco", "moved@example.com", 20); len(got) != 0 {
			t.Errorf("the deleted username finds %v", got)
		}
		// A deactivated customer is still found.
		if err := db.Customers.DeactivateCustomer(ctx, "telco", dg.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "telco", "login@example.com", 20); got[dg.ID] == nil {
			t.Errorf("the deactivated customer is not found: %v", got)
		}
	})
}

// TestSearchCustomersPages: many customers with one surname come page by
// page, each once, exact matches first, with every kind each matched.
func TestSearchCustomersPages(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		want := map[string][]string{}
		var first string
		for i := range 7 {
			n := crmtest.Private(crmtest.NIF(10000000 + i))
			second := "Garcia"
			n.PersonalInfo.FirstSurname, n.PersonalInfo.SecondSurname = "García", &second
			n.ContactInfo.PhoneNumbers[0].Number = "61500000" + string(rune('0'+i))
			if i == 3 {
				// An external id that is also a name prefix: an exact
				// match, that matched the name too.
				ext := "garcia"
				n.ExternalID = &ext
			}
			c, err := db.Customers.CreateCustomer(ctx, "telco", n, crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want[c.ID] = []string{crm.MatchName}
			if i == 3 {
				first = c.ID
				want[c.ID] = []string{crm.MatchExternalID, crm.MatchName}
			}
		}
		for _, limit := range []int{1, 2, 3, 8, 100} {
			if diff := cmp.Diff(want, search(t, db, "telco", "garcia", limit)); diff != "" {
				t.Errorf("limit %d (-want +got):\n%s", limit, diff)
			}
		}
		terms, _ := crm.ParseSearchQuery("garcia")
		page, err := db.Customers.SearchCustomers(ctx, "telco", terms, 3, nil)
		if err != nil || page.Matches[0].Customer.ID != first {
			t.Errorf("the exact match is not first: %v", err)
		}
	})
}
