package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// compactJSON compares JSON values whatever their spacing (PostgreSQL's
// jsonb adds some).
var compactJSON = cmp.Transformer("compact", func(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
})

// leased creates a subscription to customer events and takes its lease
// as holder "w1".
func leased(t *testing.T, db *sqlstore.DB) (*crm.Webhook, crm.WebhookLease) {
	t.Helper()
	w, err := db.Webhooks.CreateWebhook(ctxAs("key:1"), "telco", newHook(crm.EventCustomerCreated, crm.EventCustomerUpdated), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := crm.WebhookLease{Name: crm.WebhookLeaseName(w.ID), Holder: "w1", TTL: time.Minute}
	if _, ok, err := db.Outbox.AcquireLease(context.Background(), l.Name, l.Holder, l.TTL); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	return w, l
}

func TestWebhookDeadLettersAndReplay(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		w, l := leased(t, db)
		c, _ := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private("14861628V"), crm.WriteOptions{})
		evs := events(t, db, "telco")
		e := evs[len(evs)-1]
		if e.AggregateID != c.ID {
			t.Fatalf("last event %+v", e)
		}
		dl := crm.WebhookDeadLetter{WebhookID: w.ID, Event: e, Attempts: 9, FirstAttemptAt: sqltest.Start,
			LastAttemptAt: sqltest.Start.Add(time.Hour), LastError: "delivery failed: 503"}

		// Another holder can neither dead-letter nor move the cursor.
		stale := l
		stale.Holder = "w0"
		if err := db.WebhookDeliveries.DeadLetterWebhookEvent(context.Background(), stale, dl); !errors.Is(err, crm.ErrLeaseLost) {
			t.Fatalf("stale holder: %v", err)
		}
		clock.Advance(2 * time.Hour)
		if err := db.WebhookDeliveries.DeadLetterWebhookEvent(context.Background(), l, dl); !errors.Is(err, crm.ErrLeaseLost) {
			t.Fatalf("expired lease: %v", err)
		}
		if _, _, err := db.Outbox.AcquireLease(context.Background(), l.Name, l.Holder, l.TTL); err != nil {
			t.Fatal(err)
		}
		if err := db.WebhookDeliveries.DeadLetterWebhookEvent(context.Background(), l, dl); err != nil {
			t.Fatal(err)
		}
		if cursor, _, _ := db.Outbox.AcquireLease(context.Background(), l.Name, l.Holder, l.TTL); cursor != e.Position {
			t.Errorf("cursor %d after the dead letter, want %d", cursor, e.Position)
		}
		list, err := db.Webhooks.ListWebhookDeadLetters(ctx, "telco", w.ID, crm.WebhookDeadLetterFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("dead letters %v, %v", list, err)
		}
		got := list[0]
		want := dl
		want.ID, want.OrgID, want.Status, want.DeadAt = got.ID, "telco", crm.DeadLetterDead, sqltest.Start.Add(2*time.Hour)
		if diff := cmp.Diff(want, got, compactJSON); diff != "" {
			t.Errorf("dead letter (-want +got):\n%s", diff)
		}
		_, err = db.Webhooks.ListWebhookDeadLetters(ctx, "other", w.ID, crm.WebhookDeadLetterFilter{})
		mustCode(t, err, crm.ENOTFOUND)
		if page, _ := db.Webhooks.ListWebhookDeadLetters(ctx, "telco", w.ID, crm.WebhookDeadLetterFilter{After: e.Position}); len(page) != 0 {
			t.Errorf("page after the last: %v", page)
		}

		// Replay: REPLAY_PENDING, an event on the subscription, and the
		// worker sees it; a second replay is refused.
		_, err = db.Webhooks.ReplayWebhookDeadLetter(ctx, "telco", w.ID, "0198a0f1-4567-7d43-ab00-000000000001", crm.WriteOptions{})
		mustCode(t, err, crm.ENOTFOUND)
		replayed, err := db.Webhooks.ReplayWebhookDeadLetter(ctx, "telco", w.ID, got.ID, crm.WriteOptions{})
		if err != nil || replayed.Status != crm.DeadLetterReplayPending || replayed.ReplayRequestedAt == nil {
			t.Fatalf("replay %+v, %v", replayed, err)
		}
		_, err = db.Webhooks.ReplayWebhookDeadLetter(ctx, "telco", w.ID, got.ID, crm.WriteOptions{})
		mustCode(t, err, crm.ESTATE)
		evs = events(t, db, "telco")
		if last := evs[len(evs)-1]; last.Type != crm.EventWebhookDeadLetterReplayed || last.AggregateID != w.ID || last.Sequence != 2 {
			t.Errorf("replay event %+v", last)
		}
		pending, err := db.WebhookDeliveries.PendingWebhookReplays(context.Background(), w.ID, 10)
		if err != nil || len(pending) != 1 || pending[0].ID != got.ID {
			t.Fatalf("pending %v, %v", pending, err)
		}
		if only, _ := db.Webhooks.ListWebhookDeadLetters(ctx, "telco", w.ID, crm.WebhookDeadLetterFilter{Status: crm.DeadLetterDead}); len(only) != 0 {
			t.Errorf("status filter: %v", only)
		}

		// The worker redelivers it.
		done := pending[0]
		done.Status, done.Attempts, done.LastAttemptAt = crm.DeadLetterRedelivered, 10, clock.Now()
		if err := db.WebhookDeliveries.FinishWebhookReplay(context.Background(), stale, done); !errors.Is(err, crm.ErrLeaseLost) {
			t.Errorf("stale holder finished a replay: %v", err)
		}
		if err := db.WebhookDeliveries.FinishWebhookReplay(context.Background(), l, done); err != nil {
			t.Fatal(err)
		}
		if pending, _ := db.WebhookDeliveries.PendingWebhookReplays(context.Background(), w.ID, 10); len(pending) != 0 {
			t.Errorf("still pending: %v", pending)
		}
		list, _ = db.Webhooks.ListWebhookDeadLetters(ctx, "telco", w.ID, crm.WebhookDeadLetterFilter{Status: crm.DeadLetterRedelivered})
		if len(list) != 1 || list[0].Attempts != 10 || list[0].RedeliveredAt == nil || !list[0].DeadAt.Equal(got.DeadAt) {
			t.Errorf("after redelivery %+v", list)
		}
	})
}

func TestWebhookAttemptState(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w, l := leased(t, db)
		if a, err := db.WebhookDeliveries.WebhookAttempt(context.Background(), w.ID); a != nil || err != nil {
			t.Fatalf("fresh subscription has attempt state %+v, %v", a, err)
		}
		a := crm.WebhookAttempt{WebhookID: w.ID, ItemID: "e1", Attempts: 1, FirstAttemptAt: clock.Now(), LastAttemptAt: clock.Now(), LastError: "delivery failed: 500"}
		if err := db.WebhookDeliveries.RecordWebhookAttempt(context.Background(), l, a); err != nil {
			t.Fatal(err)
		}
		clock.Advance(50 * time.Second)
		a.Attempts, a.LastAttemptAt = 2, clock.Now()
		if err := db.WebhookDeliveries.RecordWebhookAttempt(context.Background(), l, a); err != nil {
			t.Fatal(err)
		}
		// Recording renewed the lease: it is still held a minute later.
		clock.Advance(50 * time.Second)
		if _, ok, _ := db.Outbox.AcquireLease(context.Background(), l.Name, "w2", l.TTL); ok {
			t.Error("the lease expired although attempts renewed it")
		}
		got, err := db.WebhookDeliveries.WebhookAttempt(context.Background(), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&a, got); diff != "" {
			t.Errorf("attempt (-want +got):\n%s", diff)
		}
		stale := l
		stale.Holder = "w2"
		if err := db.WebhookDeliveries.RecordWebhookAttempt(context.Background(), stale, a); !errors.Is(err, crm.ErrLeaseLost) {
			t.Errorf("stale holder recorded an attempt: %v", err)
		}
	})
}

func TestOrgFeedAfterOnlyReads(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private("14861628V"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		// SQLite numbers an event as it inserts it when nothing waits for
		// the sequencer: unnumber it, as an import leaves its events.
		if err := db.Exec(ctx, "UPDATE events SET feed_seq = NULL"); err != nil {
			t.Fatal(err)
		}
		if evs, err := db.WebhookDeliveries.OrgFeedAfter(ctx, "telco", 0, 0); err != nil || len(evs) != 0 {
			t.Fatalf("before sequencing: %v, %v; want nothing (it must not number events itself)", evs, err)
		}
		if _, err := db.Outbox.Sequence(ctx); err != nil {
			t.Fatal(err)
		}
		evs, err := db.WebhookDeliveries.OrgFeedAfter(ctx, "telco", 0, 0)
		if err != nil || len(evs) != 1 || evs[0].Type != crm.EventCustomerCreated {
			t.Fatalf("after sequencing: %v, %v", evs, err)
		}
		if other, _ := db.WebhookDeliveries.OrgFeedAfter(ctx, "other", 0, 0); len(other) != 0 {
			t.Errorf("another org's feed: %v", other)
		}
		if after, _ := db.WebhookDeliveries.OrgFeedAfter(ctx, "telco", evs[0].Position, 0); len(after) != 0 {
			t.Errorf("after the last: %v", after)
		}
	})
}
