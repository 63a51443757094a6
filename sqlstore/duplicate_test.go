package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// person is a private customer sharing no duplicate key with person(j),
// j != i, nor with crmtest.Private.
func person(i int) crm.NewCustomer {
	c := crmtest.Private(crmtest.NIF(1000 + i))
	c.ContactInfo.PhoneNumbers[0].Number = fmt.Sprintf("7%08d", i)
	c.ContactInfo.Emails[0].Email = fmt.Sprintf("person%d@example.com", i)
	c.PersonalInfo.Name = fmt.Sprintf("Person%c%c", 'a'+i%26, 'a'+i/26%26)
	return c
}

func mustCreate(t *testing.T, db *sqlstore.DB, org string, n crm.NewCustomer) string {
	t.Helper()
	c, err := db.Customers.CreateCustomer(ctxAs("key:1"), org, n, crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// candidates are the duplicate candidates of a stored customer.
func candidates(t *testing.T, db *sqlstore.DB, org, id string) []string {
	t.Helper()
	c, err := db.Customers.GetCustomer(ctxAs("key:1"), org, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Duplicates.DuplicateCandidates(ctxAs("key:1"), org, c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDuplicateCandidates(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		base := person(1)
		baseID := mustCreate(t, db, "telco", base)
		secondID := mustCreate(t, db, "telco", person(2))
		mustCreate(t, db, "other", base) // another org's customers are never candidates

		byPhone := person(3)
		byPhone.ContactInfo.PhoneNumbers[0] = crm.PhoneNumber{CountryCode: "0034", Number: "700000001", Type: "MOBILE"}
		byEmail := crmtest.Digital("PERSON1@example.com")
		byEmail.DigitalPersonalInfo.MobilePhoneNumber.Number = "600000099"
		byDocument := person(4)
		byDocument.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "X" + crmtest.NIF(1001)[1:]}
		byName := person(5)
		byName.PersonalInfo.Name, byName.PersonalInfo.FirstSurname = base.PersonalInfo.Name+" ", "BENAVENTE"
		ended := person(6)
		ended.ContactInfo.PhoneNumbers[0].Number = "700000001"
		endedID := mustCreate(t, db, "telco", ended)
		if err := db.Customers.DeactivateCustomer(ctx, "telco", endedID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			in   crm.NewCustomer
		}{{"phone", byPhone}, {"email", byEmail}, {"document", byDocument}, {"name and birth date", byName}} {
			got := candidates(t, db, "telco", mustCreate(t, db, "telco", c.in))
			if diff := cmp.Diff([]string{baseID}, got); diff != "" {
				t.Errorf("%s: candidates (-want +got):\n%s", c.name, diff)
			}
		}
		// Any phone of either counts, not only the default one.
		bySecondPhone := person(8)
		bySecondPhone.ContactInfo.PhoneNumbers = append(bySecondPhone.ContactInfo.PhoneNumbers,
			crm.PhoneNumber{CountryCode: "+34", Number: person(2).ContactInfo.PhoneNumbers[0].Number, Type: "MOBILE"})
		if diff := cmp.Diff([]string{secondID}, candidates(t, db, "telco", mustCreate(t, db, "telco", bySecondPhone))); diff != "" {
			t.Errorf("a second phone: candidates (-want +got):\n%s", diff)
		}
		// A patch moves the keys: the phone match goes with the old phone.
		lone := mustCreate(t, db, "telco", person(7))
		if err := db.Customers.UpdateCustomer(ctx, "telco", lone, crm.CustomerPatch{ContactInfo: crm.Some(crm.PatchContactInfo{
			PhoneNumbers: crm.Some([]crm.PatchPhoneNumber{{CountryCode: "+34", Number: "700000001", Type: "MOBILE"}})})}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := candidates(t, db, "telco", lone); len(got) != 2 {
			t.Errorf("after the patch, candidates %v, want the base and the phone duplicate", got)
		}
	})
}

// TestDuplicateCandidatesAtMostTen: a key shared by many gives ten.
func TestDuplicateCandidatesAtMostTen(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		var last string
		for i := range 12 {
			last = mustCreate(t, db, "telco", crmtest.Private(crmtest.NIF(i)))
		}
		if got := candidates(t, db, "telco", last); len(got) != crm.MaxDuplicateCandidates {
			t.Errorf("got %d candidates, want %d", len(got), crm.MaxDuplicateCandidates)
		}
	})
}

func TestDuplicateGroups(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		for i := range 5 {
			mustCreate(t, db, "telco", person(10+i))
		}
		a := mustCreate(t, db, "telco", person(1))
		twin := person(2)
		twin.ContactInfo.PhoneNumbers[0].Number = "700000001"
		twin.ContactInfo.Emails[0].Email = "Person1@Example.com"
		b := mustCreate(t, db, "telco", twin)
		nie := person(3)
		nie.PersonalInfo.IdentityDocument = &crm.IdentityDocument{Type: crm.DocNIE, Number: "X" + crmtest.NIF(1001)[1:]}
		c := mustCreate(t, db, "telco", nie)
		var got []crm.DuplicateGroup
		err := db.Duplicates.DuplicateGroups(ctxAs("key:1"), "telco", func(g crm.DuplicateGroup) error {
			got = append(got, g)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		pair := func(x, y string) []string {
			if x > y {
				x, y = y, x
			}
			return []string{x, y}
		}
		want := []crm.DuplicateGroup{
			{Customers: pair(a, b), Rules: []string{crm.DuplicateByEmail, crm.DuplicateByPhone}},
			{Customers: pair(a, c), Rules: []string{crm.DuplicateByDocument}},
		}
		if want[0].Customers[0]+want[0].Customers[1] > want[1].Customers[0]+want[1].Customers[1] {
			want[0], want[1] = want[1], want[0]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
	})
}

// TestBackfillDuplicateKeys: rows written before migration 0026 have no
// keys (dup_keys = 0) and are found once Open's backfill ran; an erased
// row (body {}) gets none.
func TestBackfillDuplicateKeys(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		a := mustCreate(t, db, "telco", person(1))
		twin := person(2)
		twin.PersonalInfo.Name = person(1).PersonalInfo.Name // and the same birth date
		b := mustCreate(t, db, "telco", twin)
		if err := db.Exec(ctx, "UPDATE customers SET dup_name = NULL, dup_keys = 0"); err != nil {
			t.Fatal(err)
		}
		if got := candidates(t, db, "telco", b); len(got) != 0 {
			t.Fatalf("before the backfill: %v", got)
		}
		if err := db.BackfillDuplicateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{a}, candidates(t, db, "telco", b)); diff != "" {
			t.Errorf("after the backfill (-want +got):\n%s", diff)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM customers WHERE dup_keys = 0"); n != 0 {
			t.Errorf("%d rows left without keys", n)
		}
	})
}

// TestCreateCustomerFindingDuplicates: the candidates a create finds in
// its own write (a transaction on SQLite, the grouped statement on
// PostgreSQL, with or without an Idempotency-Key) are those
// DuplicateCandidates finds after it.
func TestCreateCustomerFindingDuplicates(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		base := mustCreate(t, db, "telco", person(1))
		twin := func(i int) crm.NewCustomer {
			c := person(i)
			c.ContactInfo.PhoneNumbers[0].Number = "700000001"
			return c
		}
		keyed := crm.WriteOptions{Idempotency: &crm.IdempotencyKey{Key: "k1", RequestHash: "h1"}}
		var twins []string
		for _, c := range []struct {
			name string
			in   crm.NewCustomer
			opts crm.WriteOptions
			want func() []string
		}{
			{"no duplicate", person(3), crm.WriteOptions{}, func() []string { return []string{} }},
			{"a phone twin", twin(4), crm.WriteOptions{}, func() []string { return []string{base} }},
			{"a twin with a key", twin(5), keyed, func() []string { return sorted(base, twins[0]) }},
		} {
			got, ids, looked, err := db.Duplicates.CreateCustomerFindingDuplicates(ctx, "telco", c.in, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !looked {
				t.Fatalf("%s: the create did not look", c.name)
			}
			if diff := cmp.Diff(c.want(), ids); diff != "" {
				t.Errorf("%s: candidates found in the create (-want +got):\n%s", c.name, diff)
			}
			if diff := cmp.Diff(candidates(t, db, "telco", got.ID), ids); diff != "" {
				t.Errorf("%s: in the create and after it (-after +in):\n%s", c.name, diff)
			}
			if c.name == "a phone twin" {
				twins = append(twins, got.ID)
			}
		}
	})
}

// sorted returns ids sorted.
func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}
