package sqlstore_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func TestSpecialTreatment(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		l, err := db.Classification.GetSpecialTreatment(ctx, "telco")
		if err != nil || l.Version != 0 || l.Values == nil || len(l.Values) != 0 {
			t.Fatalf("never set: %+v %v", l, err)
		}
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		ended, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{})
		// Nothing may be held before the org lists it.
		mustCode(t, db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{"vip"}, crm.WriteOptions{}), crm.EINVALID)

		if err := db.Classification.SetSpecialTreatment(ctx, "telco", []string{"silver", "gold", "platinum", "vip"}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.SetSpecialTreatment(ctx, "telco", []string{"silver", "gold", "platinum", "vip"}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Classification.SetSpecialTreatment(ctx, "telco", []string{"vip", "vip"}, crm.WriteOptions{}), crm.EINVALID)
		l, _ = db.Classification.GetSpecialTreatment(ctx, "telco")
		if diff := cmp.Diff(&crm.SpecialTreatmentList{Values: []string{"silver", "gold", "platinum", "vip"}, Version: 1}, l); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		other, _ := db.Classification.GetSpecialTreatment(ctx, "other")
		if len(other.Values) != 0 {
			t.Errorf("another org sees the list: %v", other.Values)
		}

		err = db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{"vip", "bronze"}, crm.WriteOptions{})
		mustCode(t, err, crm.EINVALID)
		if diff := cmp.Diff([]string{`values[1]: "bronze" is not in the org's special treatment list`}, categoryFields(err)); diff != "" {
			t.Errorf("details: %s", diff)
		}
		for _, id := range []string{c.ID, ended.ID} {
			if err := db.Classification.SetCustomerSpecialTreatment(ctx, "telco", id, []string{"vip", "gold"}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		cst, _ := db.Classification.GetCustomerSpecialTreatment(ctx, "telco", c.ID)
		if diff := cmp.Diff(&crm.CustomerSpecialTreatment{CustomerID: c.ID, Values: []string{"vip", "gold"}, Version: 2}, cst); diff != "" {
			t.Errorf("customer values (-want +got):\n%s", diff)
		}
		_, err = db.Classification.GetCustomerSpecialTreatment(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		mustCode(t, db.Classification.SetCustomerSpecialTreatment(ctx, "other", c.ID, []string{}, crm.WriteOptions{}), crm.ENOTFOUND)

		// Removing held values is refused, naming each; ended holders do not count.
		db.Classification.SetCustomerSpecialTreatment(ctx, "telco", ended.ID, []string{"silver"}, crm.WriteOptions{})
		db.Customers.DeactivateCustomer(ctx, "telco", ended.ID, crm.WriteOptions{})
		mustCode(t, db.Classification.SetCustomerSpecialTreatment(ctx, "telco", ended.ID, []string{}, crm.WriteOptions{}), crm.ESTATE)
		err = db.Classification.SetSpecialTreatment(ctx, "telco", []string{"platinum"}, crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		want := []string{`values: "gold" is still held by 1 customer(s); take it from them first`,
			`values: "vip" is still held by 1 customer(s); take it from them first`}
		if diff := cmp.Diff(want, categoryFields(err)); diff != "" {
			t.Errorf("held values (-want +got):\n%s", diff)
		}
		if err := db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.SetSpecialTreatment(ctx, "telco", []string{"platinum"}, crm.WriteOptions{}); err != nil {
			t.Errorf("nobody active holds the removed values: %v", err)
		}
		mustCode(t, db.Classification.SetSpecialTreatment(ctx, "telco", []string{}, crm.WriteOptions{IfMatch: 1}), crm.EPRECONDITION)

		// Events: the org list is its own aggregate, in sequence.
		var seqs []int64
		for _, e := range events(t, db, "telco") {
			if e.Type == crm.EventSpecialTreatmentUpdated && e.AggregateID == "telco" {
				seqs = append(seqs, e.Sequence)
			}
		}
		if diff := cmp.Diff([]int64{1, 2}, seqs); diff != "" {
			t.Errorf("list sequences (-want +got):\n%s", diff)
		}
		got := categoryEventChanges(t, db, crm.EventCustomerSpecialTreatmentUpdated)
		wantFirst := map[string]any{"special_treatment": map[string]any{"before": []any{}, "after": []any{"vip", "gold"}}}
		if len(got) != 4 || !cmp.Equal(wantFirst, got[0]) {
			t.Errorf("customer.special_treatment.updated changes: %v", got)
		}
	})
}

// TestSpecialTreatmentRemovalRace runs an org-list removal against a
// customer being given the value: whichever wins, no customer may end up
// holding a value the list lacks.
func TestSpecialTreatmentRemovalRace(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		for range 10 {
			if err := db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := db.Classification.SetSpecialTreatment(ctx, "telco", []string{"gold", "vip"}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Go(func() { db.Classification.SetSpecialTreatment(ctx, "telco", []string{"gold"}, crm.WriteOptions{}) })
			wg.Go(func() {
				db.Classification.SetCustomerSpecialTreatment(ctx, "telco", c.ID, []string{"vip"}, crm.WriteOptions{})
			})
			wg.Wait()
			l, _ := db.Classification.GetSpecialTreatment(ctx, "telco")
			cst, _ := db.Classification.GetCustomerSpecialTreatment(ctx, "telco", c.ID)
			if slices.Contains(cst.Values, "vip") && !slices.Contains(l.Values, "vip") {
				t.Fatalf("the customer holds vip, the list is %v", l.Values)
			}
		}
	})
}
