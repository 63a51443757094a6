package sqlstore_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestMergeCustomer: after a merge everything the merged customer had is
// the survivor's, the feed holds one event per moved thing in order and
// then customer.merged, and a retry is refused without writing.
func TestMergeCustomer(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		blobs, err := blobstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		ids := db.Identifications(blobs)
		survivor := mustCreate(t, db, "telco", person(1))
		merged := mustCreate(t, db, "telco", person(2))
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		acc, err := db.Accounts.CreateAccount(ctx, "telco", merged, newAccount(directDebit()), crm.WriteOptions{})
		must(err)
		prod, err := db.Products.CreateCustomerProduct(productCtx(), "telco", merged, crm.ProductWallet, crm.WriteOptions{})
		must(err)
		cred, err := db.Credentials.AddCredential(ctx, "telco", merged, "merged@example.com", crm.WriteOptions{})
		must(err)
		_, err = db.Classification.CreateCategories(ctx, "telco", []crm.NewCategory{{Name: "risk"}, {Name: "tag"}}, crm.WriteOptions{})
		must(err)
		assign := func(customer string, id int32, v string) {
			must(db.Classification.AddCustomerCategory(ctx, "telco", customer, crm.NewCustomerCategory{ID: &id, Value: crm.Some(v)}, crm.WriteOptions{}))
		}
		assign(survivor, 1, "low")
		assign(merged, 1, "high") // both hold risk: the survivor's stays current
		assign(merged, 2, "vip")
		proc, err := ids.CreateIdentificationProcess(ctx, "telco", merged, upload(t, ids, crm.DocNIF, "", identificationPDF), crm.WriteOptions{})
		must(err)
		before := len(events(t, db, "telco"))
		s, err := db.Customers.GetCustomer(ctx, "telco", survivor)
		must(err)

		mustCode(t, mergeErr(db.Duplicates.MergeCustomer(ctx, "telco", survivor, merged, crm.WriteOptions{IfMatch: s.Version + 1})), crm.EPRECONDITION)
		got, err := db.Duplicates.MergeCustomer(ctx, "telco", survivor, merged, crm.WriteOptions{IfMatch: s.Version})
		must(err)
		hist, err := db.Classification.ListCustomerCategoryHistory(ctx, "telco", survivor)
		must(err)
		rows := map[string]int{}
		for _, h := range hist.Categories {
			rows[h.Name] = len(h.Records)
		}
		if diff := cmp.Diff(map[string]int{"risk": 2, "tag": 1}, rows); diff != "" {
			t.Errorf("survivor's category history rows (-want +got):\n%s", diff)
		}
		move := func(kind, id string) crm.MergeMove {
			return crm.MergeMove{Kind: kind, ID: id, FromCustomerID: merged, ToCustomerID: survivor}
		}
		wantMoves := []crm.MergeMove{move("account", acc.ID), move("product", prod.ID), move("credential", cred.ID)}
		for _, m := range got.Moved {
			if m.Kind == "category" {
				wantMoves = append(wantMoves, m)
			}
		}
		wantMoves = append(wantMoves, move("identification_process", proc.ID))
		if diff := cmp.Diff(&crm.CustomerMerge{CustomerID: survivor, MergedCustomerID: merged, Moved: wantMoves}, got); diff != "" {
			t.Errorf("merge (-want +got):\n%s", diff)
		}
		if n := len(got.Moved) - 4; n != 2 {
			t.Errorf("%d category rows moved, want 2", n)
		}

		// Everything is reachable from the survivor.
		if l, _ := db.Accounts.ListAccountIDs(ctx, "telco", survivor); !cmp.Equal(l, []string{acc.ID}) {
			t.Errorf("survivor's accounts %v", l)
		}
		if l, _ := db.Products.ListCustomerProducts(ctx, "telco", survivor, crm.ProductFilter{}); len(l) != 1 || l[0].ID != prod.ID {
			t.Errorf("survivor's products %+v", l)
		}
		if l := usernames(t, db, survivor); !cmp.Equal(l, []string{cred.Username}) {
			t.Errorf("survivor's usernames %v", l)
		}
		if l, _ := ids.ListIdentificationProcesses(ctx, "telco", survivor); len(l) != 1 || l[0].ID != proc.ID {
			t.Errorf("survivor's identification processes %+v", l)
		}
		cur, err := db.Classification.ListCustomerCategories(ctx, "telco", survivor)
		must(err)
		values := map[string]string{}
		for _, c := range cur.Categories {
			if c.Value != nil {
				values[c.Name] = *c.Value
			}
		}
		if diff := cmp.Diff(map[string]string{"risk": "low", "tag": "vip"}, values); diff != "" {
			t.Errorf("survivor's categories (-want +got):\n%s", diff)
		}
		m, err := db.Customers.GetCustomer(ctx, "telco", merged)
		must(err)
		if m.MergedInto == nil || *m.MergedInto != survivor || m.EndedAt == nil {
			t.Errorf("merged customer: merged_into %v, ended_at %v", m.MergedInto, m.EndedAt)
		}

		// The feed: one event per moved thing, in the merge's order, then
		// customer.merged; each names both customers.
		evs := events(t, db, "telco")[before:]
		var gotTypes []string
		for _, e := range evs {
			gotTypes = append(gotTypes, e.Type)
		}
		wantTypes := []string{crm.EventCustomerAccountMoved, crm.EventCustomerProductMoved, crm.EventCustomerCredentialMoved,
			crm.EventCustomerCategoryMoved, crm.EventCustomerCategoryMoved, crm.EventCustomerIdentificationProcessMoved, crm.EventCustomerMerged}
		if diff := cmp.Diff(wantTypes, gotTypes); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		for i, e := range evs[:len(evs)-1] {
			var data crm.MergeMove
			if err := json.Unmarshal(e.Data, &data); err != nil {
				t.Fatal(err)
			}
			if data != got.Moved[i] {
				t.Errorf("event %s data %v", e.Type, data)
			}
		}
		last := evs[len(evs)-1]
		if last.AggregateID != merged || string(last.Changes["merged_into"].After) != `"`+survivor+`"` {
			t.Errorf("customer.merged on %s, changes %v", last.AggregateID, last.Changes)
		}

		// A retry is refused as already merged, and writes nothing.
		_, err = db.Duplicates.MergeCustomer(ctx, "telco", survivor, merged, crm.WriteOptions{})
		mustCode(t, err, crm.ECONFLICT)
		if n := len(events(t, db, "telco")); n != before+len(evs) {
			t.Errorf("the retry wrote %d events", n-before-len(evs))
		}
		if got := candidates(t, db, "telco", survivor); len(got) != 0 {
			t.Errorf("the merged customer is still a candidate: %v", got)
		}
	})
}

func mergeErr(_ *crm.CustomerMerge, err error) error { return err }

func TestMergeCustomerRefusals(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		a := mustCreate(t, db, "telco", person(1))
		b := mustCreate(t, db, "telco", person(2))
		corp := mustCreate(t, db, "telco", crmtest.Corporate(crmtest.CIF(1)))
		ended := mustCreate(t, db, "telco", person(3))
		if err := db.Customers.DeactivateCustomer(ctx, "telco", ended, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a, b} {
			if _, err := db.Products.CreateCustomerProduct(productCtx(), "telco", id, crm.ProductWallet, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		before := len(events(t, db, "telco"))
		cases := []struct {
			name      string
			id, other string
			want      crm.ErrorCode
		}{
			{"the same customer", a, a, crm.ECONFLICT},
			{"different types", a, corp, crm.ECONFLICT},
			{"the other deactivated", a, ended, crm.ECONFLICT},
			{"the survivor deactivated", ended, a, crm.ECONFLICT},
			{"an open product of one code on both", a, b, crm.ECONFLICT},
			{"unknown survivor", unknownID, a, crm.ENOTFOUND},
			{"unknown other", a, unknownID, crm.ENOTFOUND},
			{"another org's", a, mustCreate(t, db, "other", person(4)), crm.ENOTFOUND},
		}
		for _, c := range cases {
			_, err := db.Duplicates.MergeCustomer(ctx, "telco", c.id, c.other, crm.WriteOptions{})
			if crm.ErrorCodeOf(err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
		if n := len(events(t, db, "telco")); n != before {
			t.Errorf("refusals wrote %d events", n-before)
		}
	})
}
