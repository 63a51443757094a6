package sqlstore_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

const unknownID = "0198a0f1-4567-7d43-ab00-00000000dead"

// usernames lists a customer's usernames, in the store's order.
func usernames(t *testing.T, db *sqlstore.DB, customerID string) []string {
	t.Helper()
	list, err := db.Credentials.ListCredentials(ctxAs("key:1"), "telco", customerID)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, c := range list.Credentials {
		out = append(out, c.Username)
	}
	return out
}

// customerEvents returns a customer's events, in order.
func customerEvents(t *testing.T, db *sqlstore.DB, id string) []crm.Event {
	t.Helper()
	var out []crm.Event
	for _, e := range events(t, db, "telco") {
		if e.AggregateID == id {
			out = append(out, e)
		}
	}
	return out
}

func TestCredentialLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		first, err := db.Credentials.AddCredential(ctx, "telco", c.ID, " Ana@Example.COM ", crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := &crm.Credential{ID: first.ID, CustomerID: c.ID, Username: "ana@example.com", CreatedAt: t0}
		if diff := cmp.Diff(want, first); diff != "" {
			t.Errorf("added (-want +got):\n%s", diff)
		}
		second, err := db.Credentials.AddCredential(ctx, "telco", c.ID, "ana.work@example.com", crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.Credentials.ListCredentials(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantList := &crm.CustomerCredentials{CustomerID: c.ID, Version: 3, Credentials: []crm.Credential{*want,
			{ID: second.ID, CustomerID: c.ID, Username: "ana.work@example.com", CreatedAt: t0}}}
		if diff := cmp.Diff(wantList, list); diff != "" || list.Primary() != "ana@example.com" {
			t.Errorf("list (-want +got):\n%s", diff)
		}

		// Rejected writes change nothing and append no event.
		other, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("other@example.com"), crm.WriteOptions{})
		before := len(events(t, db, "telco"))
		cases := []struct {
			name, org, customer, username string
			code                          crm.ErrorCode
		}{
			{"same username, other case, other customer", "telco", other.ID, "ANA@example.com", crm.ECONFLICT},
			{"same username, same customer", "telco", c.ID, "ana@example.com", crm.ECONFLICT},
			{"not an email", "telco", c.ID, "ana", crm.EINVALID},
			{"too long", "telco", c.ID, string(make([]byte, 83)), crm.EINVALID},
			{"unknown customer", "telco", unknownID, "new@example.com", crm.ENOTFOUND},
			{"customer of another org", "other", c.ID, "new@example.com", crm.ENOTFOUND},
		}
		for _, tc := range cases {
			_, err := db.Credentials.AddCredential(ctx, tc.org, tc.customer, tc.username, crm.WriteOptions{})
			if crm.ErrorCodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		_, err = db.Credentials.ListCredentials(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		mustCode(t, db.Credentials.DeleteCredential(ctx, "telco", other.ID, first.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		mustCode(t, db.Credentials.DeleteCredential(ctx, "other", c.ID, first.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		mustCode(t, db.Credentials.DeleteCredential(ctx, "telco", c.ID, unknownID, crm.WriteOptions{}), crm.ENOTFOUND)
		mustCode(t, db.Credentials.DeleteCredential(ctx, "telco", c.ID, first.ID, crm.WriteOptions{IfMatch: 2}), crm.EPRECONDITION)
		if n := len(events(t, db, "telco")); n != before {
			t.Errorf("rejected writes appended %d events", n-before)
		}
		// Another org may use the same username.
		oc, _ := db.Customers.CreateCustomer(ctx, "other", crmtest.Private("14861628V"), crm.WriteOptions{})
		if _, err := db.Credentials.AddCredential(ctx, "other", oc.ID, "ana@example.com", crm.WriteOptions{}); err != nil {
			t.Errorf("username of another org: %v", err)
		}

		if err := db.Credentials.DeleteCredential(ctx, "telco", c.ID, first.ID, crm.WriteOptions{IfMatch: 3}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"ana.work@example.com"}, usernames(t, db, c.ID)); diff != "" {
			t.Errorf("after delete (-want +got):\n%s", diff)
		}
		if _, err := db.Credentials.AddCredential(ctx, "telco", other.ID, "ana@example.com", crm.WriteOptions{}); err != nil {
			t.Errorf("the delete did not release the username: %v", err)
		}

		evs := customerEvents(t, db, c.ID)
		wantTypes := []string{crm.EventCustomerCreated, crm.EventCredentialAdded, crm.EventCredentialAdded, crm.EventCredentialRemoved}
		for i, e := range evs {
			if i >= len(wantTypes) || e.Type != wantTypes[i] || e.Sequence != int64(i+1) || e.AggregateType != crm.AggregateCustomer || e.Actor != "key:1" {
				t.Fatalf("event %d: %+v, want %s #%d", i, e, wantTypes[min(i, len(wantTypes)-1)], i+1)
			}
		}
		if len(evs) != len(wantTypes) {
			t.Fatalf("%d events, want %d", len(evs), len(wantTypes))
		}
		path := "credentials." + first.ID + ".username"
		wantChanges := []map[string]crm.Change{
			{path: {Before: json.RawMessage(`null`), After: json.RawMessage(`"ana@example.com"`)}},
			{path: {Before: json.RawMessage(`"ana@example.com"`), After: json.RawMessage(`null`)}},
		}
		if diff := cmp.Diff(wantChanges, []map[string]crm.Change{evs[1].Changes, evs[3].Changes}, jsonEqual); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		var data crm.Credential
		if json.Unmarshal(evs[3].Data, &data); data.ID != first.ID || data.Username != "ana@example.com" {
			t.Errorf("removed event data %s", evs[3].Data)
		}
	})
}

func TestConcurrentDuplicateUsernamesOneWins(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		ids := make([]string, 8)
		for i := range ids {
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(100+i)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = c.ID
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ids))
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.Credentials.AddCredential(ctx, "telco", id, "shared@example.com", crm.WriteOptions{})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if crm.ErrorCodeOf(err) != crm.ECONFLICT {
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d adds succeeded, want 1", ok)
		}
	})
}

func TestMigrateCredential(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		from, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		to, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("jose@example.com"), crm.WriteOptions{})
		cred, _ := db.Credentials.AddCredential(ctx, "telco", from.ID, "jose@example.com", crm.WriteOptions{})
		before := len(events(t, db, "telco"))
		for _, tc := range []struct {
			name, org, customer, username string
			code                          crm.ErrorCode
		}{
			{"already the customer's", "telco", from.ID, "jose@example.com", crm.ESTATE},
			{"unknown username", "telco", to.ID, "nobody@example.com", crm.ENOTFOUND},
			{"username of another org", "other", to.ID, "jose@example.com", crm.ENOTFOUND},
			{"unknown customer", "telco", unknownID, "jose@example.com", crm.ENOTFOUND},
			{"invalid username", "telco", to.ID, "jose", crm.EINVALID},
		} {
			_, err := db.Credentials.MigrateCredential(ctx, tc.org, tc.customer, tc.username, crm.WriteOptions{})
			if crm.ErrorCodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if n := len(events(t, db, "telco")); n != before {
			t.Errorf("rejected migrations appended %d events", n-before)
		}

		moved, err := db.Credentials.MigrateCredential(ctx, "telco", to.ID, "JOSE@example.com", crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if moved.ID != cred.ID || moved.CustomerID != to.ID || !moved.CreatedAt.Equal(cred.CreatedAt) {
			t.Errorf("moved %+v, was %+v", moved, cred)
		}
		if got := usernames(t, db, from.ID); len(got) != 0 {
			t.Errorf("source keeps %v", got)
		}
		if diff := cmp.Diff([]string{"jose@example.com"}, usernames(t, db, to.ID)); diff != "" {
			t.Errorf("target (-want +got):\n%s", diff)
		}
		path := "credentials." + cred.ID + ".username"
		for _, w := range []struct {
			customer, typ string
			seq           int64
			change        crm.Change
		}{
			{from.ID, crm.EventCredentialMigratedOut, 3, crm.Change{Before: json.RawMessage(`"jose@example.com"`), After: json.RawMessage(`null`)}},
			{to.ID, crm.EventCredentialMigratedIn, 2, crm.Change{Before: json.RawMessage(`null`), After: json.RawMessage(`"jose@example.com"`)}},
		} {
			evs := customerEvents(t, db, w.customer)
			last := evs[len(evs)-1]
			if last.Type != w.typ || last.Sequence != w.seq {
				t.Errorf("last event of %s: %s #%d, want %s #%d", w.customer, last.Type, last.Sequence, w.typ, w.seq)
			}
			if diff := cmp.Diff(map[string]crm.Change{path: w.change}, last.Changes, jsonEqual); diff != "" {
				t.Errorf("%s changes (-want +got):\n%s", w.typ, diff)
			}
			var data crm.CredentialMigration
			json.Unmarshal(last.Data, &data)
			if data.FromCustomerID != from.ID || data.ToCustomerID != to.ID || data.ID != cred.ID {
				t.Errorf("%s data %s", w.typ, last.Data)
			}
		}

		// Ended customers: no new credentials, neither added nor migrated
		// in, but their usernames can be migrated out or deleted.
		if err := db.Customers.DeactivateCustomer(ctx, "telco", from.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = db.Credentials.AddCredential(ctx, "telco", from.ID, "new@example.com", crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		_, err = db.Credentials.MigrateCredential(ctx, "telco", from.ID, "jose@example.com", crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		back, _ := db.Credentials.AddCredential(ctx, "telco", to.ID, "old@example.com", crm.WriteOptions{})
		if err := db.Customers.DeactivateCustomer(ctx, "telco", to.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		heir, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("heir@example.com"), crm.WriteOptions{})
		if _, err := db.Credentials.MigrateCredential(ctx, "telco", heir.ID, "jose@example.com", crm.WriteOptions{}); err != nil {
			t.Errorf("migrate out of an ended customer: %v", err)
		}
		if err := db.Credentials.DeleteCredential(ctx, "telco", to.ID, back.ID, crm.WriteOptions{}); err != nil {
			t.Errorf("delete from an ended customer: %v", err)
		}
	})
}

func TestOppositeMigrationsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		a, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("a@example.com"), crm.WriteOptions{})
		b, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("b@example.com"), crm.WriteOptions{})
		db.Credentials.AddCredential(ctx, "telco", a.ID, "one@example.com", crm.WriteOptions{})
		db.Credentials.AddCredential(ctx, "telco", b.ID, "two@example.com", crm.WriteOptions{})
		for round := range 10 {
			// Each round swaps the two usernames; even rounds move them
			// away from their first owners, odd rounds back.
			one, two := b.ID, a.ID
			if round%2 == 1 {
				one, two = a.ID, b.ID
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = db.Credentials.MigrateCredential(ctx, "telco", one, "one@example.com", crm.WriteOptions{})
			}()
			go func() {
				defer wg.Done()
				_, errs[1] = db.Credentials.MigrateCredential(ctx, "telco", two, "two@example.com", crm.WriteOptions{})
			}()
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
		}
		if diff := cmp.Diff([]string{"one@example.com"}, usernames(t, db, a.ID)); diff != "" {
			t.Errorf("a (-want +got):\n%s", diff)
		}
	})
}
