package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func newHook(types ...string) crm.NewWebhook {
	return crm.NewWebhook{URL: "https://hooks.example.com/crm", EventTypes: types}
}

func TestWebhookLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		if _, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		before := events(t, db, "telco")
		w, err := db.Webhooks.CreateWebhook(ctx, "telco", newHook(crm.EventCustomerCreated), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Secret) != 64 || w.Version != 1 || !w.CreatedAt.Equal(sqltest.Start) {
			t.Errorf("created %+v", w)
		}
		got, err := db.Webhooks.GetWebhook(ctx, "telco", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *w
		want.Secret = "" // only the create response carries it
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("read back (-created +read):\n%s", diff)
		}
		_, err = db.Webhooks.GetWebhook(ctx, "other", w.ID)
		mustCode(t, err, crm.ENOTFOUND)
		if list, _ := db.Webhooks.ListWebhooks(ctx, "other"); len(list) != 0 {
			t.Errorf("another org lists %v", list)
		}

		// The creation is an event without the secret, and the cursor
		// starts right before it: the customer's event is not delivered.
		evs := events(t, db, "telco")
		created := evs[len(evs)-1]
		if created.Type != crm.EventWebhookCreated || created.AggregateID != w.ID || created.Sequence != 1 {
			t.Errorf("event %+v", created)
		}
		if strings.Contains(string(created.Data), w.Secret) || strings.Contains(string(mustMarshal(t, created.Changes)), w.Secret) {
			t.Errorf("the secret leaked into the event: %s", created.Data)
		}
		cursor, ok, err := db.Outbox.AcquireLease(context.Background(), crm.WebhookLeaseName(w.ID), "w1", time.Minute)
		if err != nil || !ok || cursor != before[len(before)-1].Position {
			t.Errorf("lease cursor %d, %v, %v; want the end of the feed at creation, %d", cursor, ok, err, before[len(before)-1].Position)
		}

		// If-Match, then the delete takes the lease from its worker.
		mustCode(t, db.Webhooks.DeleteWebhook(ctx, "telco", w.ID, crm.WriteOptions{IfMatch: 7}), crm.EPRECONDITION)
		mustCode(t, db.Webhooks.DeleteWebhook(ctx, "other", w.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		clock.Advance(time.Minute)
		if err := db.Webhooks.DeleteWebhook(ctx, "telco", w.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCode(t, db.Webhooks.DeleteWebhook(ctx, "telco", w.ID, crm.WriteOptions{}), crm.ENOTFOUND)
		_, err = db.Webhooks.GetWebhook(ctx, "telco", w.ID)
		mustCode(t, err, crm.ENOTFOUND)
		if list, _ := db.Webhooks.ListWebhooks(ctx, "telco"); len(list) != 0 {
			t.Errorf("deleted still listed: %v", list)
		}
		if active, _ := db.WebhookDeliveries.ActiveWebhooks(ctx); len(active) != 0 {
			t.Errorf("deleted still active: %v", active)
		}
		if err := db.Outbox.CommitCursor(context.Background(), crm.WebhookLeaseName(w.ID), "w1", cursor+1, time.Minute); !errors.Is(err, crm.ErrLeaseLost) {
			t.Errorf("the worker could still commit after the delete: %v", err)
		}
		clock.Advance(24 * time.Hour)
		if _, ok, _ := db.Outbox.AcquireLease(context.Background(), crm.WebhookLeaseName(w.ID), "w2", time.Minute); ok {
			t.Error("a deleted subscription's lease can be taken")
		}
		evs = events(t, db, "telco")
		deleted := evs[len(evs)-1]
		if deleted.Type != crm.EventWebhookDeleted || deleted.Sequence != 2 || string(deleted.Changes["deleted_at"].Before) != "null" {
			t.Errorf("event %+v", deleted)
		}
	})
}

func TestWebhookRejectsBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		for _, n := range []crm.NewWebhook{newHook(), newHook("nope"), {URL: "ftp://x", EventTypes: []string{"*"}}} {
			_, err := db.Webhooks.CreateWebhook(ctx, "telco", n, crm.WriteOptions{})
			mustCode(t, err, crm.EINVALID)
		}
		if evs := events(t, db, "telco"); len(evs) != 0 {
			t.Errorf("rejected writes left events: %v", evs)
		}
		if list, _ := db.Webhooks.ListWebhooks(ctx, "telco"); len(list) != 0 {
			t.Errorf("rejected writes left subscriptions: %v", list)
		}
	})
}
