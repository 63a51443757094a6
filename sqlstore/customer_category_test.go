package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func TestCustomerCategories(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:alice")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "risk", ValidValues: []string{"high", "low"}}, {Name: "tag"}}, crm.WriteOptions{})
		assign := func(id int32, value *string) error {
			n := crm.NewCustomerCategory{ID: &id, Description: strp("first")}
			if value == nil {
				n.Value = crm.Optional[string]{Set: true, Null: true}
			} else {
				n.Value = crm.Some(*value)
			}
			return db.Classification.AddCustomerCategory(ctx, "telco", c.ID, n, crm.WriteOptions{})
		}
		mustCode(t, assign(1, strp("medium")), crm.EINVALID)
		mustCode(t, assign(9, strp("x")), crm.EINVALID)
		if err := assign(1, strp("high")); err != nil {
			t.Fatal(err)
		}
		mustCode(t, assign(1, strp("low")), crm.ECONFLICT)
		if err := assign(2, nil); err != nil {
			t.Fatal(err)
		}

		// Bob changes risk an hour later, then hides it; alice tags the customer.
		clock.Advance(time.Hour)
		bob := ctxAs("key:bob")
		if err := db.Classification.UpdateCustomerCategory(bob, "telco", c.ID, 1, crm.CustomerCategoryPatch{Value: crm.Some("low"), Reason: crm.Some("paid")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Classification.UpdateCustomerCategory(bob, "telco", c.ID, 1, crm.CustomerCategoryPatch{Value: crm.Some("none")}, crm.WriteOptions{}), crm.EINVALID)
		if err := db.Classification.UpdateCustomerCategory(bob, "telco", c.ID, 1, crm.CustomerCategoryPatch{Reason: crm.Some("paid")}, crm.WriteOptions{}); err != nil {
			t.Errorf("a patch that changes nothing: %v", err)
		}
		if err := db.Classification.UpdateCustomerCategory(ctx, "telco", c.ID, 2, crm.CustomerCategoryPatch{Value: crm.Some("influencer")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		cur, err := db.Classification.ListCustomerCategories(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(time.Hour)
		want := []crm.CustomerCategory{
			{ID: 1, Name: "risk", CategoryEntry: crm.CategoryEntry{Value: strp("low"), Description: strp("first"), Reason: strp("paid")}, CreatedAt: t0, LastModifiedAt: t1},
			{ID: 2, Name: "tag", CategoryEntry: crm.CategoryEntry{Value: strp("influencer"), Description: strp("first")}, CreatedAt: t0, LastModifiedAt: t1},
		}
		if diff := cmp.Diff(want, cur.Categories); diff != "" {
			t.Errorf("current (-want +got):\n%s", diff)
		}
		clock.Advance(time.Hour)
		t2 := t1.Add(time.Hour)
		if err := db.Classification.UpdateCustomerCategory(bob, "telco", c.ID, 1, crm.CustomerCategoryPatch{Value: crm.Optional[string]{Set: true, Null: true}}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		cur, _ = db.Classification.ListCustomerCategories(ctx, "telco", c.ID)
		if len(cur.Categories) != 1 || cur.Categories[0].ID != 2 || cur.Version != 6 {
			t.Errorf("a null value must hide the category: %+v (version %d)", cur.Categories, cur.Version)
		}

		hist, err := db.Classification.ListCustomerCategoryHistory(ctx, "telco", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRisk := []crm.CategoryRecord{
			{CategoryEntry: crm.CategoryEntry{Value: strp("high"), Description: strp("first")}, CreateDate: t0, EndDate: &t1, LastModifiedDate: t1, ModifiedBy: "key:alice"},
			{CategoryEntry: crm.CategoryEntry{Value: strp("low"), Description: strp("first"), Reason: strp("paid")}, CreateDate: t1, EndDate: &t2, LastModifiedDate: t2, ModifiedBy: "key:bob"},
			{CategoryEntry: crm.CategoryEntry{Description: strp("first"), Reason: strp("paid")}, CreateDate: t2, LastModifiedDate: t2, ModifiedBy: "key:bob"},
		}
		if len(hist.Categories) != 2 || hist.Categories[0].Name != "risk" || len(hist.Categories[1].Records) != 2 {
			t.Fatalf("history %+v", hist.Categories)
		}
		if diff := cmp.Diff(wantRisk, hist.Categories[0].Records); diff != "" {
			t.Errorf("risk history (-want +got):\n%s", diff)
		}

		// The changes of the hiding event, and the customer's sequence.
		upd := categoryEventChanges(t, db, crm.EventCustomerCategoryUpdated)
		wantHide := map[string]any{"categories.1.value": map[string]any{"before": "low", "after": nil}}
		if len(upd) != 3 || !cmp.Equal(wantHide, upd[2]) {
			t.Errorf("customer.category.updated changes: %v", upd)
		}
		var seqs []int64
		for _, e := range events(t, db, "telco") {
			if e.AggregateID == c.ID {
				seqs = append(seqs, e.Sequence)
			}
		}
		if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6}, seqs); diff != "" {
			t.Errorf("customer sequences (-want +got):\n%s", diff)
		}

		// Unknown assignment, another org, an ended customer.
		mustCode(t, db.Classification.UpdateCustomerCategory(ctx, "telco", c.ID, 3, crm.CustomerCategoryPatch{Value: crm.Some("x")}, crm.WriteOptions{}), crm.ENOTFOUND)
		_, err = db.Classification.ListCustomerCategories(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		_, err = db.Classification.ListCustomerCategoryHistory(ctx, "other", c.ID)
		mustCode(t, err, crm.ENOTFOUND)
		mustCode(t, db.Classification.AddCustomerCategory(ctx, "other", c.ID, crm.NewCustomerCategory{ID: categoryID(1), Value: crm.Some("high")}, crm.WriteOptions{}), crm.ENOTFOUND)
		if err := db.Customers.DeactivateCustomer(ctx, "telco", c.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Classification.UpdateCustomerCategory(ctx, "telco", c.ID, 2, crm.CustomerCategoryPatch{Value: crm.Some("x")}, crm.WriteOptions{}), crm.ESTATE)
		if hist, err := db.Classification.ListCustomerCategoryHistory(ctx, "telco", c.ID); err != nil || len(hist.Categories) != 2 {
			t.Errorf("an ended customer's history stays readable: %v", err)
		}
	})
}

func TestCustomerCategoryKeepsValuesTheCatalogueDrops(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "risk", ValidValues: []string{"high", "low"}}}, crm.WriteOptions{})
		if err := db.Classification.AddCustomerCategory(ctx, "telco", c.ID, crm.NewCustomerCategory{ID: categoryID(1), Value: crm.Some("high")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.UpdateCategory(ctx, "telco", 1, crm.CategoryPatch{ValidValues: crm.Some([]string{"low"})}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		// A reason can still change; the value it holds is carried over.
		if err := db.Classification.UpdateCustomerCategory(ctx, "telco", c.ID, 1, crm.CustomerCategoryPatch{Reason: crm.Some("grandfathered")}, crm.WriteOptions{}); err != nil {
			t.Errorf("patching the reason: %v", err)
		}
		mustCode(t, db.Classification.UpdateCustomerCategory(ctx, "telco", c.ID, 1, crm.CustomerCategoryPatch{Value: crm.Some("high")}, crm.WriteOptions{}), crm.EINVALID)
		cur, _ := db.Classification.ListCustomerCategories(ctx, "telco", c.ID)
		if len(cur.Categories) != 1 || *cur.Categories[0].Value != "high" {
			t.Errorf("current %+v", cur.Categories)
		}
	})
}

func TestCustomerCategoryAssignmentRace(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "risk"}}, crm.WriteOptions{})
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				errs[i] = db.Classification.AddCustomerCategory(ctx, "telco", c.ID, crm.NewCustomerCategory{ID: categoryID(1), Value: crm.Some(fmt.Sprint(i))}, crm.WriteOptions{})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if code := crm.ErrorCodeOf(err); code != crm.ECONFLICT && code != crm.EUNAVAILABLE {
				t.Errorf("unexpected error: %v", err)
			}
		}
		hist, _ := db.Classification.ListCustomerCategoryHistory(ctx, "telco", c.ID)
		if won != 1 || len(hist.Categories) != 1 || len(hist.Categories[0].Records) != 1 {
			t.Errorf("%d assignments won; history %+v", won, hist.Categories)
		}
	})
}
