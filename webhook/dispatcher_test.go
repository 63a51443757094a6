package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
	"github.com/telcoops/crm/webhook"
)

// wantDeliveries checks that the receiver got exactly the feed's events,
// in feed order, byte for byte, each with its headers and a signature the
// documented recipe accepts.
func wantDeliveries(t *testing.T, got []delivery, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d deliveries, want %d", len(got), len(want))
	}
	for i, d := range got {
		if !bytes.Equal(d.Body, want[i]) {
			t.Errorf("delivery %d:\n got %s\nwant %s", i, d.Body, want[i])
			continue
		}
		var e crm.Event
		json.Unmarshal(d.Body, &e)
		if d.Header.Get("Content-Type") != "application/json" || d.Header.Get(webhook.HeaderEventID) != e.ID ||
			d.Header.Get(webhook.HeaderEventType) != e.Type {
			t.Errorf("delivery %d headers %v", i, d.Header)
		}
		if !d.SigOK {
			t.Errorf("delivery %d: the signature %q does not verify", i, d.Header.Get(webhook.HeaderSignature))
		}
	}
}

func TestDeliversEveryEventInOrderThroughFailures(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		burst(t, db, 1, 2) // before the subscription: never delivered
		// The endpoint fails for a while (errors, a redirect, a timeout),
		// then recovers.
		script := []int{503, 503, 302, 0, 500, 503}
		rec := newReceiver(t, clock, func(n int, _ string) int {
			if n < len(script) {
				return script[n]
			}
			return 204
		})
		rec.subscribe(t, db, crm.WebhookAllEvents)
		start := lastEvent(t, db).Position // its own webhook.created comes first
		burst(t, db, 2, 3)

		sleeps := &fakeSleep{clock: clock}
		reg := prometheus.NewRegistry()
		store := &watchedStore{WebhookDeliveryStore: db.WebhookDeliveries}
		d := webhook.New(store, webhook.Config{Guard: local, Clock: clock.Now, Sleep: sleeps.Sleep, Timeout: 200 * time.Millisecond, LeaseTTL: time.Minute,
			BackoffBase: time.Second, BackoffCap: 4 * time.Second, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond,
			Metrics: webhook.NewMetrics(reg)})
		stop := run(t, d)
		burst(t, db, 3, 4) // and more while it runs
		want := feedFrom(t, db, start, func(string) bool { return true })
		if len(want) != 8 {
			t.Fatalf("feed has %d events to deliver, want 8", len(want))
		}
		last := lastEvent(t, db).Position
		eventually(t, "every event delivered and committed", func() bool { return store.committed.Load() >= last })
		stop()
		wantDeliveries(t, rec.accepted(), want)

		// One backoff per failure, each within its full-jitter ceiling.
		if len(sleeps.waits) != len(script) {
			t.Errorf("%d backoffs, want %d: %v", len(sleeps.waits), len(script), sleeps.waits)
		}
		for i, w := range sleeps.waits {
			ceiling := min(time.Second<<i, 4*time.Second)
			if w < 0 || w > ceiling {
				t.Errorf("backoff %d = %v, want within [0, %v]", i+1, w, ceiling)
			}
		}
		for _, m := range []struct {
			name, label string
			want        float64
		}{
			{"crm_webhook_deliveries_total", "feed", 8}, {"crm_webhook_delivery_failures_total", "status", 5},
			{"crm_webhook_delivery_failures_total", "timeout", 1}, {"crm_webhook_delivery_seconds", "", 14},
			{"crm_webhook_dead_letters_total", "", 0}, {"crm_webhook_leases_held", "", 0},
		} {
			if got := metric(t, reg, m.name, m.label); got != m.want {
				t.Errorf("%s{%s} = %v, want %v", m.name, m.label, got, m.want)
			}
		}
	})
}

func TestDeadEndpointDoesNotDelayOthers(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		dead := newReceiver(t, clock, func(int, string) int { return 0 }) // never answers
		healthy := newReceiver(t, clock, func(int, string) int { return 200 })
		dead.subscribe(t, db, crm.WebhookAllEvents)
		healthy.subscribe(t, db, crm.EventCustomerCreated, crm.EventCustomerUpdated)
		start := lastEvent(t, db).Position
		// Default 10 s timeout; and a backoff, were one to start, would last
		// as long as the test.
		blocked := func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
		stop := run(t, webhook.New(db.WebhookDeliveries, webhook.Config{Guard: local, Clock: clock.Now, Sleep: blocked, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}))
		eventually(t, "the dead endpoint's first request", func() bool { return dead.inflight.Load() == 1 })

		burst(t, db, 1, 5)
		burst(t, db, 2, 5)
		want := feedFrom(t, db, start, isCustomerEvent)
		eventually(t, "the healthy subscriber's deliveries", func() bool { return len(healthy.accepted()) == len(want) })
		// All of it while the dead endpoint still holds its first request.
		if dead.inflight.Load() != 1 || dead.requestCount() != 1 {
			t.Errorf("dead endpoint: %d in flight, %d requests; want its first one still hanging", dead.inflight.Load(), dead.requestCount())
		}
		stop()
		wantDeliveries(t, healthy.accepted(), want)
	})
}

// countingStore counts the subscription listings, to know when the
// dispatcher has seen a change.
type countingStore struct {
	crm.WebhookDeliveryStore
	scans atomic.Int32
}

func (c *countingStore) ActiveWebhooks(ctx context.Context) ([]crm.Webhook, error) {
	defer c.scans.Add(1)
	return c.WebhookDeliveryStore.ActiveWebhooks(ctx)
}

func TestDeleteStopsDeliveries(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		rec := newReceiver(t, clock, func(int, string) int { return 200 })
		w := rec.subscribe(t, db, crm.EventCustomerCreated)
		store := &countingStore{WebhookDeliveryStore: db.WebhookDeliveries}
		run(t, webhook.New(store, webhook.Config{Guard: local, Clock: clock.Now, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}))
		burst(t, db, 1, 1)
		eventually(t, "the first delivery", func() bool { return len(rec.accepted()) == 1 })

		if err := db.Webhooks.DeleteWebhook(ctxAs(), "telco", w.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		burst(t, db, 2, 1)
		seen := store.scans.Load()
		eventually(t, "three listings after the delete", func() bool { return store.scans.Load() >= seen+3 })
		if n := rec.requestCount(); n != 1 {
			t.Errorf("%d requests, want none after the delete", n-1)
		}
	})
}
