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

func categoryID(v int32) *int32 { return &v }

// categoryEventChanges returns the changes of the events of a type, as plain JSON.
func categoryEventChanges(t *testing.T, db *sqlstore.DB, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range events(t, db, "telco") {
		if e.Type == typ {
			raw, _ := json.Marshal(e.Changes)
			var m map[string]any
			json.Unmarshal(raw, &m)
			out = append(out, m)
		}
	}
	return out
}

func TestCategoryCatalogue(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		got, err := db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{
			{Name: "risk", Description: "Risk category", ValidValues: []string{"high"}}, {Name: "loyalty"}}, crm.WriteOptions{})

		if err != nil {
			t.Fatal(err)
		}
		if got[0].ID != 1 || got[1].ID != 2 || got[1].ValidValues == nil || got[0].UID == got[1].UID {
			t.Errorf("created %+v", got)
		}
		// Another org numbers its own categories and may reuse the names.
		other, err := db.Classification.CreateCategories(ctx, "other", []crm.NewCategory{{Name: "risk"}}, crm.WriteOptions{})
		if err != nil || other[0].ID != 1 {
			t.Fatalf("other org: %+v %v", other, err)
		}
		// A taken name, in any case, refuses the whole request.
		_, err = db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "segment"}, {Name: "RISK"}}, crm.WriteOptions{})
		mustCode(t, err, crm.ECONFLICT)
		if diff := cmp.Diff([]string{`categories[1].name: a category named "RISK" already exists (names ignore case)`}, categoryFields(err)); diff != "" {
			t.Errorf("conflict details: %s", diff)
		}
		_, err = db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "bad name"}}, crm.WriteOptions{})
		mustCode(t, err, crm.EINVALID)
		list, _ := db.Classification.ListCategories(ctx, "telco")
		if diff := cmp.Diff(got, list); diff != "" {
			t.Errorf("list (-created +listed):\n%s", diff)
		}
		seg, _ := db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "segment"}}, crm.WriteOptions{})
		if seg[0].ID != 3 {
			t.Errorf("a refused request used up ids: next is %d", seg[0].ID)
		}

		clock.Advance(time.Hour)
		patch := crm.CategoryPatch{Description: crm.Some("Credit risk"), ValidValues: crm.Some([]string{"high", "low"})}
		if err := db.Classification.UpdateCategory(ctx, "telco", 1, patch, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Classification.UpdateCategory(ctx, "telco", 1, patch, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		c, _ := db.Classification.GetCategory(ctx, "telco", 1)
		want := crm.Category{ID: 1, UID: got[0].UID, Name: "risk", Description: "Credit risk", ValidValues: []string{"high", "low"},
			CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), Version: 2}
		if diff := cmp.Diff(&want, c); diff != "" {
			t.Errorf("after patch (-want +got):\n%s", diff)
		}
		mustCode(t, db.Classification.UpdateCategory(ctx, "telco", 9, patch, crm.WriteOptions{}), crm.ENOTFOUND)
		_, err = db.Classification.GetCategory(ctx, "other", 2)
		mustCode(t, err, crm.ENOTFOUND)
		mustCode(t, db.Classification.UpdateCategory(ctx, "telco", 1, crm.CategoryPatch{Description: crm.Some("x")}, crm.WriteOptions{IfMatch: 1}), crm.EPRECONDITION)
		mustCode(t, db.Classification.UpdateCategory(ctx, "telco", 1, crm.CategoryPatch{ValidValues: crm.Optional[[]string]{Set: true, Null: true}}, crm.WriteOptions{}), crm.EINVALID)

		// One event per category created, one per effective patch.
		var seqs []int64
		for _, e := range events(t, db, "telco") {
			if e.AggregateID == got[0].UID {
				seqs = append(seqs, e.Sequence)
			}
		}
		if diff := cmp.Diff([]int64{1, 2}, seqs); diff != "" {
			t.Errorf("risk sequences (-want +got):\n%s", diff)
		}
		upd := categoryEventChanges(t, db, crm.EventCategoryUpdated)
		wantChanges := map[string]any{
			"description":  map[string]any{"before": "Risk category", "after": "Credit risk"},
			"valid_values": map[string]any{"before": []any{"high"}, "after": []any{"high", "low"}},
		}
		if len(upd) != 1 || !cmp.Equal(wantChanges, upd[0]) {
			t.Errorf("category.updated changes: %v", upd)
		}
	})
}

func TestCategoryNameRace(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = db.Classification.CreateCategories(context.Background(), "telco", []crm.NewCategory{{Name: "risk"}}, crm.WriteOptions{})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch crm.ErrorCodeOf(err) {
			case "":
				won++
			case crm.ECONFLICT, crm.EUNAVAILABLE:
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		list, _ := db.Classification.ListCategories(context.Background(), "telco")
		if won != 1 || len(list) != 1 {
			t.Errorf("%d creates won, %d categories stored", won, len(list))
		}
	})
}

func categoryFields(err error) []string {
	e, ok := err.(*crm.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.String())
	}
	return out
}
