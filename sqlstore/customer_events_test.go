package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestCustomerEvents: a customer's history is the feed's events of the
// customer, its accounts and its products, whole, newest first, and no
// other's: its pages of any size, read one after another through their
// cursors, add up to it, the last page saying no older one is left.
func TestCustomerEvents(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		// Two customers of the org whose writes interleave, and one of
		// another org: only the first one's may show.
		id := overviewCustomer(t, ctx, db, crmtest.NIF(1), 2)
		other := overviewCustomer(t, ctx, db, crmtest.NIF(2), 1)
		if _, err := db.Customers.CreateCustomer(ctx, "other", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{id, other, id} {
			clock.Advance(1)
			if err := db.Customers.UpdateCustomer(ctx, "telco", c, crm.CustomerPatch{PreferredLanguage: crm.Some("ca")}, crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		o, err := db.Overviews.CustomerOverview(ctx, "telco", id)
		if err != nil {
			t.Fatal(err)
		}
		mine := map[string]bool{id: true}
		for _, a := range o.Accounts {
			mine[a.Account.ID] = true
		}
		for _, p := range o.Products {
			mine[p.ID] = true
		}
		var want []crm.Event
		for _, e := range events(t, db, "telco") {
			if mine[e.AggregateID] {
				e.Position = 0
				want = append(want, e)
			}
		}
		slices.Reverse(want)
		if len(want) < 8 {
			t.Fatalf("only %d events of the customer in the feed", len(want))
		}
		for _, limit := range []int{1, 3, len(want), crm.MaxFeedPage} {
			var got []crm.Event
			var before int64
			pages := 0
			for {
				page, err := db.Overviews.CustomerEvents(ctx, "telco", id, before, limit)
				if err != nil {
					t.Fatalf("limit %d, page %d: %v", limit, pages, err)
				}
				pages++
				if len(page.Events) > limit || (page.Before != 0 && len(page.Events) != limit) {
					t.Fatalf("limit %d: a page of %d events, before %d", limit, len(page.Events), page.Before)
				}
				got = append(got, page.Events...)
				if page.Before == 0 || pages > len(want) {
					break
				}
				before = page.Before
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("limit %d: history (-feed +got):\n%s", limit, diff)
			}
			if wantPages := (len(want) + limit - 1) / limit; pages != wantPages {
				t.Errorf("limit %d: %d pages, want %d", limit, pages, wantPages)
			}
		}
	})
}

// TestCustomerEventsErrors: a customer the org does not have, or erased,
// is ENOTFOUND; a bad cursor or limit, EINVALID.
func TestCustomerEventsErrors(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		erased, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(2)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Privacy(db.Identifications(newMemBlobs(clock.Now))).EraseCustomer(ctx, "telco", erased.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, org, id string
			before        int64
			limit         int
			want          crm.ErrorCode
		}{
			{"ok", "telco", c.ID, 0, 1, ""},
			{"unknown customer", "telco", "0198a0f1-4567-7d43-ab00-00000000dead", 0, 10, crm.ENOTFOUND},
			{"other org", "other", c.ID, 0, 10, crm.ENOTFOUND},
			{"erased", "telco", erased.ID, 0, 10, crm.ENOTFOUND},
			{"negative cursor", "telco", c.ID, -1, 10, crm.EINVALID},
			{"limit 0", "telco", c.ID, 0, 0, crm.EINVALID},
			{"limit too big", "telco", c.ID, 0, crm.MaxFeedPage + 1, crm.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := db.Overviews.CustomerEvents(context.Background(), tc.org, tc.id, tc.before, tc.limit)
				if got := crm.ErrorCodeOf(err); got != tc.want {
					t.Fatalf("error %v, want code %q", err, tc.want)
				}
				if err == nil && (len(page.Events) != 1 || page.Events[0].Type != crm.EventCustomerCreated || page.Before != 0) {
					t.Errorf("page %+v, want the one customer.created", page)
				}
			})
		}
	})
}
