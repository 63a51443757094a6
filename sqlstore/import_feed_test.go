package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// An import numbers its events in the feed in its own transactions: when
// it returns, nothing waits for the sequencer, not even events that
// waited before it (they keep their place ahead of the import's), whether
// a batch went in whole or line by line. The numbers run on without a gap,
// and the API's next event takes the number after them.
func TestImportLeavesNoFeedBacklog(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, _ *crmtest.Clock) {
		ctx := context.Background()
		before, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(90)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The API's event waits for the sequencer, as on PostgreSQL until a
		// feed reader polls.
		if err := db.Exec(ctx, "UPDATE events SET feed_seq = NULL"); err != nil {
			t.Fatal(err)
		}
		digital := func(email, ext string) string {
			l := crm.ImportLine{NewCustomer: crmtest.Digital(email)}
			l.ExternalID = &ext
			raw, _ := json.Marshal(l)
			return string(raw)
		}
		stats, report := runImport(t, db, 3,
			importLine(t, crmtest.NIF(1), "f1", ""), importLine(t, crmtest.NIF(2), "f2", ""),
			importLine(t, crmtest.NIF(3), "f3", ""),                              // a batch written whole
			digital("same@example.com", "f4"), digital("SAME@example.com", "f5"), // a batch written line by line
			importLine(t, crmtest.NIF(6), "f6", ""))
		if stats.Imported != 5 || len(report) != 1 {
			t.Fatalf("stats %+v, report %v", stats, report)
		}
		st, err := db.Outbox.Status(ctx)
		if err != nil || st.Pending != 0 {
			t.Fatalf("after the import %+v waiting for the sequencer (%v), want none", st, err)
		}
		// FeedAfter reads numbered events only, and numbers none itself.
		feed, err := db.Outbox.FeedAfter(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		ext := map[string]string{before.ID: "api"}
		for _, n := range []string{"f1", "f2", "f3", "f4", "f6"} {
			r, err := db.Customers.FindCustomerByExternalID(ctx, "telco", n)
			if err != nil {
				t.Fatal(err)
			}
			ext[r.ID] = n
		}
		var got, want []string
		for i, e := range feed {
			if e.Position != int64(i)+1 {
				t.Errorf("event %d has feed position %d", i, e.Position)
			}
			if e.Type == crm.EventCustomerCreated {
				got = append(got, ext[e.AggregateID])
			}
		}
		want = []string{"api", "f1", "f2", "f3", "f4", "f6"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("customers created, in feed order (-want +got):\n%s", diff)
		}
		if len(feed) != 1+5+4 {
			t.Errorf("%d events in the feed, want the API's and 9 imported (5 customers, 4 accounts)", len(feed))
		}
		// The API's next event follows, once sequenced where it must be.
		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(91)), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		next, err := db.Outbox.Events(ctx, "telco", int64(len(feed)), 10)
		if err != nil || len(next) != 1 || next[0].Position != int64(len(feed))+1 {
			t.Errorf("the API's event after the import: %s, %v", fmt.Sprint(next), err)
		}
	})
}
