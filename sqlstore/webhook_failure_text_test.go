package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestMigrationClearsFailureDetails: dead letters and retry states stored
// before deliveries said only "delivery failed" lose their connection
// details when the migration runs; the status stays.
func TestMigrationClearsFailureDetails(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		w, l := leased(t, db)
		old := []string{`Post "http://10.0.0.7:5432/x": dial tcp 10.0.0.7:5432: connect: connection refused`, "answered HTTP 503"}
		for i, text := range old {
			c, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(i+1)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			evs := events(t, db, "telco")
			e := evs[len(evs)-1]
			if e.AggregateID != c.ID {
				t.Fatalf("last event %+v", e)
			}
			dl := crm.WebhookDeadLetter{WebhookID: w.ID, Event: e, Attempts: 1, FirstAttemptAt: sqltest.Start,
				LastAttemptAt: sqltest.Start.Add(time.Hour), LastError: text}
			if err := db.WebhookDeliveries.DeadLetterWebhookEvent(ctx, l, dl); err != nil {
				t.Fatal(err)
			}
		}
		a := crm.WebhookAttempt{WebhookID: w.ID, ItemID: "e1", Attempts: 1, FirstAttemptAt: clock.Now(), LastAttemptAt: clock.Now(),
			LastError: "no answer within 10s"}
		if err := db.WebhookDeliveries.RecordWebhookAttempt(ctx, l, a); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, "DELETE FROM schema_migrations WHERE version = 15"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dls, err := db.Webhooks.ListWebhookDeadLetters(ctxAs("key:1"), "telco", w.ID, crm.WebhookDeadLetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, dl := range dls {
			got = append(got, dl.LastError)
		}
		if diff := cmp.Diff([]string{"delivery failed", "delivery failed: 503"}, got); diff != "" {
			t.Errorf("dead letters (-want +got):\n%s", diff)
		}
		if got, err := db.WebhookDeliveries.WebhookAttempt(ctx, w.ID); err != nil || got.LastError != "delivery failed" {
			t.Errorf("attempt %+v, %v", got, err)
		}
	})
}
