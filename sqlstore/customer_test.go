package sqlstore_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

var t0 = sqltest.Start

// jsonEqual compares raw JSON by meaning: PostgreSQL re-spaces jsonb.
var jsonEqual = cmp.Transformer("json", func(r json.RawMessage) any {
	var v any
	json.Unmarshal(r, &v)
	return v
})

func ctxAs(actor string) context.Context {
	return crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "req-1",
		Principal: crm.Principal{ID: actor, Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
}

func mustCode(t *testing.T, err error, want crm.ErrorCode) {
	t.Helper()
	if got := crm.ErrorCodeOf(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func events(t *testing.T, db *sqlstore.DB, org string) []crm.Event {
	t.Helper()
	evs, err := db.Outbox.Events(context.Background(), org, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestCreateAndGetCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		ext := "CRM-77"
		inputs := []crm.NewCustomer{crmtest.Private("14861628v"), crmtest.Corporate("B14507610"), crmtest.Digital("Jose@Example.com")}
		inputs[2].ExternalID = &ext
		wantExt := []string{"1", "2", "CRM-77"}
		for i, in := range inputs {
			c, err := db.Customers.CreateCustomer(ctx, "telco", in, crm.WriteOptions{})
			if err != nil {
				t.Fatalf("create %s: %v", in.Type, err)
			}
			if *c.ExternalID != wantExt[i] {
				t.Errorf("external_id = %q, want %q", *c.ExternalID, wantExt[i])
			}
			got, err := db.Customers.GetCustomer(ctx, "telco", c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("stored customer differs (-created +read):\n%s", diff)
			}
			if got.Version != 1 || !got.CreatedAt.Equal(t0) || got.EndedAt != nil {
				t.Errorf("version %d created %v ended %v", got.Version, got.CreatedAt, got.EndedAt)
			}
		}
		// Normalisation happened before storing.
		c, _ := db.Customers.FindCustomer(ctx, "telco", crm.CustomerSearch{IdentityDocument: "14861628-V"})
		got, _ := db.Customers.GetCustomer(ctx, "telco", c.ID)
		if got.PersonalInfo.IdentityDocument.Number != "14861628V" {
			t.Errorf("document not normalised: %q", got.PersonalInfo.IdentityDocument.Number)
		}
		evs := events(t, db, "telco")
		if len(evs) != 3 || evs[0].Type != crm.EventCustomerCreated || evs[0].Sequence != 1 || evs[0].Actor != "key:1" || evs[0].RequestID != "req-1" {
			t.Fatalf("events = %+v", evs)
		}
		if ch := evs[0].Changes["personal_info.name"]; string(ch.After) != `"Antonio"` || string(ch.Before) != "null" {
			t.Errorf("created event change = %s -> %s", ch.Before, ch.After)
		}
		// Another org sees nothing.
		_, err := db.Customers.GetCustomer(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
	})
}

func TestCreateCustomerRejects(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("a@example.com"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		dupExt := crmtest.Private(crmtest.NIF(5))
		one := "1"
		dupExt.ExternalID = &one
		bad := crmtest.Private(crmtest.NIF(6))
		bad.Segment = crm.SegmentSME
		cases := []struct {
			name string
			in   crm.NewCustomer
			code crm.ErrorCode
		}{
			{"same document", crmtest.Private("14861628V"), crm.ECONFLICT},
			{"same digital email, other case", crmtest.Digital("A@example.com"), crm.ECONFLICT},
			{"same external id", dupExt, crm.ECONFLICT},
			{"invalid", bad, crm.EINVALID},
		}
		for _, tc := range cases {
			_, err := db.Customers.CreateCustomer(ctx, "telco", tc.in, crm.WriteOptions{})
			mustCode(t, err, tc.code)
		}
		if n := len(events(t, db, "telco")); n != 2 {
			t.Errorf("rejected writes appended events: %d events, want 2", n)
		}
		// The same document is free in another org.
		if _, err := db.Customers.CreateCustomer(ctx, "other", crmtest.Private("14861628V"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentDuplicateCreatesOneWins(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
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
			t.Fatalf("%d creates succeeded, want 1", ok)
		}
	})
}

func TestFindCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		old, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err := db.Customers.DeactivateCustomer(ctx, "telco", old.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		cur, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		if err != nil {
			t.Fatalf("document must be free again after deactivation: %v", err)
		}
		dig, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Digital("login@example.com"), crm.WriteOptions{})
		cases := []struct {
			q    crm.CustomerSearch
			want string
			code crm.ErrorCode
		}{
			{crm.CustomerSearch{IdentityDocument: "14861628v"}, cur.ID, ""},
			{crm.CustomerSearch{IdentityDocument: "14861628V", IdentityDocumentType: "NIF"}, cur.ID, ""},
			{crm.CustomerSearch{IdentityDocument: "14861628V", IdentityDocumentType: "NIE"}, "", crm.ENOTFOUND},
			{crm.CustomerSearch{Email: "LOGIN@example.com"}, dig.ID, ""},
			{crm.CustomerSearch{Email: "nobody@example.com"}, "", crm.ENOTFOUND},
			{crm.CustomerSearch{}, "", crm.EINVALID},
		}
		for _, tc := range cases {
			ref, err := db.Customers.FindCustomer(ctx, "telco", tc.q)
			mustCode(t, err, tc.code)
			if ref.ID != tc.want {
				t.Errorf("%+v: found %q, want %q", tc.q, ref.ID, tc.want)
			}
		}
		ref, err := db.Customers.FindCustomerByExternalID(ctx, "telco", *dig.ExternalID)
		if err != nil || ref.ID != dig.ID {
			t.Errorf("by external id: %v %v", ref, err)
		}
		_, err = db.Customers.FindCustomerByExternalID(ctx, "other", *dig.ExternalID)
		mustCode(t, err, crm.ENOTFOUND)
	})
}

func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		clock.Advance(time.Hour)
		var p crm.CustomerPatch
		if err := json.Unmarshal([]byte(`{"preferred_language":"ca","personal_info":{"second_surname":null,"nationality":"PT"},
			"contact_info":{"emails":[{"email":"New@Example.com"},{"email":"b@example.com"}]}}`), &p); err != nil {
			t.Fatal(err)
		}
		if err := db.Customers.UpdateCustomer(ctx, "telco", c.ID, p, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Customers.GetCustomer(ctx, "telco", c.ID)
		if got.PreferredLanguage != "ca" || got.PersonalInfo.SecondSurname != nil || got.PersonalInfo.Nationality != "PT" ||
			got.PersonalInfo.Name != "Antonio" || got.Version != 2 || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after patch: %+v %+v", got, got.PersonalInfo)
		}
		want := []crm.Email{{Email: "new@example.com", IsDefault: true}, {Email: "b@example.com"}}
		if diff := cmp.Diff(want, got.ContactInfo.Emails); diff != "" {
			t.Errorf("emails (-want +got):\n%s", diff)
		}
		ref, err := db.Customers.FindCustomer(ctx, "telco", crm.CustomerSearch{Email: "new@example.com"})
		if err != nil || ref.ID != c.ID {
			t.Errorf("search by the new default email: %v %v", ref, err)
		}
		evs := events(t, db, "telco")
		last := evs[len(evs)-1]
		if last.Type != crm.EventCustomerUpdated || last.Sequence != 2 {
			t.Fatalf("event %+v", last)
		}
		wantChanges := map[string]crm.Change{
			"preferred_language":           {Before: json.RawMessage(`"es"`), After: json.RawMessage(`"ca"`)},
			"personal_info.second_surname": {Before: json.RawMessage(`"Blanco"`), After: json.RawMessage(`null`)},
			"personal_info.nationality":    {Before: json.RawMessage(`"ES"`), After: json.RawMessage(`"PT"`)},
			"contact_info.emails": {Before: json.RawMessage(`[{"email":"email@example.com","is_default":true}]`),
				After: json.RawMessage(`[{"email":"new@example.com","is_default":true},{"email":"b@example.com"}]`)},
		}
		if diff := cmp.Diff(wantChanges, last.Changes, jsonEqual); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}

		// A no-op patch writes nothing.
		if err := db.Customers.UpdateCustomer(ctx, "telco", c.ID, p, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := len(events(t, db, "telco")); n != len(evs) {
			t.Errorf("no-op patch appended an event")
		}
		// Invalid patches and stale If-Match change nothing.
		var bad crm.CustomerPatch
		json.Unmarshal([]byte(`{"company_info":{"legal_name":"X"}}`), &bad)
		mustCode(t, db.Customers.UpdateCustomer(ctx, "telco", c.ID, bad, crm.WriteOptions{}), crm.EINVALID)
		json.Unmarshal([]byte(`{"personal_info":{"name":null}}`), &bad)
		mustCode(t, db.Customers.UpdateCustomer(ctx, "telco", c.ID, bad, crm.WriteOptions{}), crm.EINVALID)
		mustCode(t, db.Customers.UpdateCustomer(ctx, "telco", c.ID, crm.CustomerPatch{PreferredLanguage: crm.Some("en")}, crm.WriteOptions{IfMatch: 1}), crm.EPRECONDITION)
		if err := db.Customers.UpdateCustomer(ctx, "telco", c.ID, crm.CustomerPatch{PreferredLanguage: crm.Some("en")}, crm.WriteOptions{IfMatch: 2}); err != nil {
			t.Errorf("matching If-Match refused: %v", err)
		}
		mustCode(t, db.Customers.UpdateCustomer(ctx, "other", c.ID, p, crm.WriteOptions{}), crm.ENOTFOUND)
	})
}

func TestAssociatedUsersAndDeactivate(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		co, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Corporate("B14507610"), crm.WriteOptions{})
		pr, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		users := []crm.AssociatedUser{{IdentityDocument: &crm.IdentityDocument{Number: "x1234567l", Type: "NIE"},
			Name: "Ana", FirstSurname: "Ruiz", Nationality: "ES"}}
		if err := db.Customers.PutAssociatedUsers(ctx, "telco", co.ID, users, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Customers.GetCustomer(ctx, "telco", co.ID)
		if len(got.CompanyInfo.AssociatedUsers) != 1 || got.CompanyInfo.AssociatedUsers[0].IdentityDocument.Number != "X1234567L" {
			t.Errorf("associated users = %+v", got.CompanyInfo.AssociatedUsers)
		}
		mustCode(t, db.Customers.PutAssociatedUsers(ctx, "telco", pr.ID, users, crm.WriteOptions{}), crm.EINVALID)

		// An open account blocks deactivation.
		if err := db.Exec(context.Background(), `INSERT INTO accounts (id, org_id, customer_id, external_id, body, created_at, updated_at, version)
			VALUES ('a1', 'telco', ?, '9', '{}', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 1)`, pr.ID); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Customers.DeactivateCustomer(ctx, "telco", pr.ID, crm.WriteOptions{}), crm.ESTATE)
		if err := db.Customers.DeactivateCustomer(ctx, "telco", co.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Customers.GetCustomer(ctx, "telco", co.ID)
		if got.EndedAt == nil || !got.EndedAt.Equal(t0) {
			t.Errorf("ended_at = %v", got.EndedAt)
		}
		mustCode(t, db.Customers.DeactivateCustomer(ctx, "telco", co.ID, crm.WriteOptions{}), crm.ESTATE)
		mustCode(t, db.Customers.UpdateCustomer(ctx, "telco", co.ID, crm.CustomerPatch{PreferredLanguage: crm.Some("en")}, crm.WriteOptions{}), crm.ESTATE)
		var seqs []int64
		for _, e := range events(t, db, "telco") {
			if e.AggregateID == co.ID {
				seqs = append(seqs, e.Sequence)
			}
		}
		if diff := cmp.Diff([]int64{1, 2, 3}, seqs); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
	})
}

// TestAssignedExternalIDSkipsChosenOnes: ids the service draws that clients
// already chose for themselves are skipped, and the event tells the id given.
func TestAssignedExternalIDSkipsChosenOnes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		for i, ext := range []string{"1", "2", "4"} {
			in := crmtest.Private(crmtest.NIF(10 + i))
			in.ExternalID = &ext
			if _, err := db.Customers.CreateCustomer(ctx, "telco", in, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for i := range 3 {
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(20+i)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, *c.ExternalID)
		}
		if diff := cmp.Diff([]string{"3", "5", "6"}, got); diff != "" {
			t.Errorf("assigned external ids (-want +got):\n%s", diff)
		}
		evs := events(t, db, "telco")
		last := evs[len(evs)-1]
		var data struct {
			ExternalID string `json:"external_id"`
		}
		if err := json.Unmarshal(last.Data, &data); err != nil || data.ExternalID != "6" {
			t.Errorf("last event's external_id = %q (%v), want 6", data.ExternalID, err)
		}
		if want := `{"before":null,"after":"6"}`; string(mustJSON(t, last.Changes["external_id"])) != want {
			t.Errorf("last event's external_id change = %s, want %s", mustJSON(t, last.Changes["external_id"]), want)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestAssignedAccountExternalIDSkipsChosenOnes: accounts draw their
// external ids the same way, past the ones clients chose.
func TestAssignedAccountExternalIDSkipsChosenOnes(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(10)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{"1", "3"} {
			in := newAccount(directDebit())
			in.ExternalID = &ext
			if _, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, in, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for range 2 {
			a, err := db.Accounts.CreateAccount(ctx, "telco", c.ID, newAccount(directDebit()), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, *a.ExternalID)
		}
		if diff := cmp.Diff([]string{"2", "4"}, got); diff != "" {
			t.Errorf("assigned account external ids (-want +got):\n%s", diff)
		}
		evs := events(t, db, "telco")
		var data struct {
			ExternalID string `json:"external_id"`
		}
		if err := json.Unmarshal(evs[len(evs)-1].Data, &data); err != nil || data.ExternalID != "4" {
			t.Errorf("last event's external_id = %q (%v), want 4", data.ExternalID, err)
		}
	})
}
