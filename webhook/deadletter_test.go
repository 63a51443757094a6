package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
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

// stallingSleep advances the clock like fakeSleep for its first n waits,
// then blocks until ctx ends: the dispatcher is stopped in mid-backoff.
func stallingSleep(clock *crmtest.Clock, n int) func(context.Context, time.Duration) error {
	var mu sync.Mutex
	return func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		n--
		stall := n < 0
		mu.Unlock()
		if stall {
			<-ctx.Done()
			return ctx.Err()
		}
		clock.Advance(d)
		return ctx.Err()
	}
}

func TestMaxAgeDeadLettersAndReplayRedelivers(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		var accept atomic.Bool
		var poison atomic.Pointer[string]
		var poisonRequests atomic.Int32
		rec := newReceiver(t, clock, func(_ int, id string) int {
			if p := poison.Load(); p != nil && *p == id && !accept.Load() {
				poisonRequests.Add(1)
				return 500
			}
			return 200
		})
		w := rec.subscribe(t, db, crm.EventCustomerCreated, crm.EventCustomerUpdated)
		start := lastEvent(t, db).Position
		burst(t, db, 1, 1)
		bad := lastEvent(t, db)
		poison.Store(&bad.ID)
		burst(t, db, 2, 3) // behind the poison: delivered once it is dead-lettered

		// The first process dies in mid-retry; the next one goes on counting
		// the maximum age from the very first attempt.
		cfg := webhook.Config{Guard: local, Clock: clock.Now, Sleep: stallingSleep(clock, 3), MaxAge: time.Hour, LeaseTTL: 15 * time.Minute,
			Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}
		stop := run(t, webhook.New(db.WebhookDeliveries, cfg))
		eventually(t, "four failed attempts on record", func() bool {
			a, _ := db.WebhookDeliveries.WebhookAttempt(context.Background(), w.ID)
			return a != nil && a.Attempts == 4
		})
		stop()
		if n := len(rec.accepted()); n != 0 {
			t.Fatalf("%d events delivered past the failing one", n)
		}
		reg := prometheus.NewRegistry()
		cfg.Sleep, cfg.Metrics = (&fakeSleep{clock: clock}).Sleep, webhook.NewMetrics(reg)
		store := &watchedStore{WebhookDeliveryStore: db.WebhookDeliveries}
		stop = run(t, webhook.New(store, cfg))
		all := feedFrom(t, db, start, isCustomerEvent)
		last := lastEvent(t, db).Position
		eventually(t, "the events behind the dead letter", func() bool { return store.committed.Load() >= last })

		dls, err := db.Webhooks.ListWebhookDeadLetters(ctxAs(), "telco", w.ID, crm.WebhookDeadLetterFilter{})
		if err != nil || len(dls) != 1 {
			t.Fatalf("dead letters %v, %v", dls, err)
		}
		dl := dls[0]
		first := sqltest.Start
		if dl.Event.ID != bad.ID || dl.Status != crm.DeadLetterDead || dl.Attempts != int(poisonRequests.Load()) ||
			!dl.FirstAttemptAt.Equal(first) || !dl.LastAttemptAt.Equal(first.Add(time.Hour)) || dl.LastError != "delivery failed: 500" {
			t.Errorf("dead letter %+v (after %d requests); want the first attempt at %v and the last an hour later",
				dl, poisonRequests.Load(), first)
		}
		wantDeliveries(t, rec.accepted(), append([][]byte{}, all[1:]...))
		stop()

		// Replay while stopped, then a newer event: the replay goes first.
		accept.Store(true)
		if _, err := db.Webhooks.ReplayWebhookDeadLetter(ctxAs(), "telco", w.ID, dl.ID, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		burst(t, db, 3, 1)
		newer := lastEvent(t, db)
		stop = run(t, webhook.New(db.WebhookDeliveries, cfg))
		eventually(t, "the replay and the newer event", func() bool { return len(rec.accepted()) == len(all)+1 })
		stop()
		got := rec.accepted()
		raw, _ := json.Marshal(dl.Event)
		if !bytes.Equal(raw, all[0]) {
			t.Errorf("the dead letter keeps\n%s\nthe feed holds\n%s", raw, all[0])
		}
		newerRaw, _ := json.Marshal(newer)
		wantDeliveries(t, got[len(all)-1:], [][]byte{raw, newerRaw})
		dls, _ = db.Webhooks.ListWebhookDeadLetters(ctxAs(), "telco", w.ID, crm.WebhookDeadLetterFilter{})
		if dls[0].Status != crm.DeadLetterRedelivered || dls[0].RedeliveredAt == nil || dls[0].Attempts != dl.Attempts+1 {
			t.Errorf("after the replay %+v", dls[0])
		}
		if got := metric(t, reg, "crm_webhook_dead_letters_total", ""); got != 1 {
			t.Errorf("dead letters metric %v, want 1", got)
		}
		if got := metric(t, reg, "crm_webhook_deliveries_total", "replay"); got != 1 {
			t.Errorf("replay deliveries metric %v, want 1", got)
		}
	})
}
