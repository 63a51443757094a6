package webhook_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
	"github.com/telcoops/crm/webhook"
)

// deadStore makes a dispatcher die the hard way: its leases are never
// released, as when the process is killed.
type deadStore struct{ crm.WebhookDeliveryStore }

func (deadStore) ReleaseLease(context.Context, string, string) error { return nil }

// watchedStore reports refused lease attempts and the highest cursor
// committed.
type watchedStore struct {
	crm.WebhookDeliveryStore
	refused   chan struct{}
	committed atomic.Int64
}

func (w *watchedStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error) {
	c, ok, err := w.WebhookDeliveryStore.AcquireLease(ctx, name, holder, ttl)
	if err == nil && !ok {
		select {
		case w.refused <- struct{}{}:
		default:
		}
	}
	return c, ok, err
}

func (w *watchedStore) CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error {
	err := w.WebhookDeliveryStore.CommitCursor(ctx, name, holder, cursor, ttl)
	if err == nil && cursor > w.committed.Load() {
		w.committed.Store(cursor)
	}
	return err
}

// tagged marks each request with the dispatcher that sent it.
type tagged string

func (t tagged) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Dispatcher", string(t))
	return http.DefaultTransport.RoundTrip(r)
}

func TestOneDelivererPerSubscriptionAndTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lease and takeover suite; CI runs it")
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		rec := newReceiver(t, clock, func(int, string) int { return 200 })
		rec.subscribe(t, db, crm.EventCustomerCreated, crm.EventCustomerUpdated)
		start := lastEvent(t, db).Position
		cfg := webhook.Config{Guard: local, Clock: clock.Now, Sleep: (&fakeSleep{clock: clock}).Sleep, LeaseTTL: 5 * time.Second,
			Timeout: time.Second, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}
		dispatcher := func(store crm.WebhookDeliveryStore, name string) *webhook.Dispatcher {
			c := cfg
			c.Holder, c.Client = name, &http.Client{Transport: tagged(name)}
			return webhook.New(store, c)
		}

		burst(t, db, 1, 5)
		a := &watchedStore{WebhookDeliveryStore: deadStore{db.WebhookDeliveries}}
		killA := run(t, dispatcher(a, "a"))
		eventually(t, "a's first deliveries", func() bool { return len(rec.accepted()) == 5 })
		b := &watchedStore{WebhookDeliveryStore: db.WebhookDeliveries, refused: make(chan struct{}, 1)}
		run(t, dispatcher(b, "b"))

		// Both run; a alone delivers, one request at a time.
		burst(t, db, 2, 6)
		eventually(t, "b refused", func() bool { return len(b.refused) == 1 })
		eventually(t, "a's deliveries", func() bool { return len(rec.accepted()) == 11 })
		last := lastEvent(t, db).Position
		eventually(t, "a's cursor at the end", func() bool { return a.committed.Load() >= last })
		killA() // a dies holding the lease

		burst(t, db, 3, 4)
		<-b.refused
		<-b.refused // refused again after the writes: a's lease is still valid
		if n := len(rec.accepted()); n != 11 {
			t.Fatalf("%d deliveries while a's lease was valid, want 11", n)
		}
		clock.Advance(6 * time.Second)
		eventually(t, "b's takeover", func() bool { return len(rec.accepted()) == 15 })

		got := rec.accepted()
		wantDeliveries(t, got, feedFrom(t, db, start, isCustomerEvent))
		for i, d := range got {
			if want := map[bool]string{true: "a", false: "b"}[i < 11]; d.Deliverer != want {
				t.Errorf("delivery %d by %q, want %q", i, d.Deliverer, want)
			}
		}
		if rec.concurrent.Load() {
			t.Error("two deliveries to the subscription overlapped")
		}
	})
}

// TestLeaseRenewedDuringBackoff: a worker waiting out a backoff much
// longer than the lease keeps it; the other dispatcher never delivers.
func TestLeaseRenewedDuringBackoff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lease and takeover suite; CI runs it")
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		rec := newReceiver(t, clock, func(n int, _ string) int { return map[bool]int{true: 503, false: 200}[n < 3] })
		rec.subscribe(t, db, crm.EventCustomerCreated)
		cfg := webhook.Config{Guard: local, Clock: clock.Now, Sleep: (&fakeSleep{clock: clock}).Sleep, LeaseTTL: 3 * time.Second,
			Timeout: time.Second, BackoffBase: 30 * time.Second, BackoffCap: 30 * time.Second, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}
		burst(t, db, 1, 1)
		a, b := cfg, cfg
		a.Holder, a.Client = "a", &http.Client{Transport: tagged("a")}
		b.Holder, b.Client = "b", &http.Client{Transport: tagged("b")}
		run(t, webhook.New(db.WebhookDeliveries, a))
		eventually(t, "a's first attempt", func() bool { return rec.requestCount() > 0 })
		run(t, webhook.New(db.WebhookDeliveries, b))
		eventually(t, "the delivery", func() bool { return len(rec.accepted()) == 1 })
		if d := rec.accepted()[0]; d.Deliverer != "a" {
			t.Errorf("delivered by %q after a's backoffs, want a", d.Deliverer)
		}
		if rec.concurrent.Load() {
			t.Error("two deliveries to the subscription overlapped")
		}
	})
}

// renewalCounter counts the cursor commits, each of which renews the lease.
type renewalCounter struct {
	crm.WebhookDeliveryStore
	commits atomic.Int32
}

func (c *renewalCounter) CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error {
	err := c.WebhookDeliveryStore.CommitCursor(ctx, name, holder, cursor, ttl)
	if err == nil {
		c.commits.Add(1)
	}
	return err
}

// TestLeaseRenewedWhileDelivering: the lease no longer has to outlast the
// delivery timeout. While a's delivery hangs far longer than the lease,
// a renews it, and b, running beside it, never delivers.
func TestLeaseRenewedWhileDelivering(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: renews a lease in real time; CI runs it")
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		rec := newReceiver(t, clock, func(n int, _ string) int { return map[bool]int{true: 0, false: 200}[n == 0] })
		rec.subscribe(t, db, crm.EventCustomerCreated)
		cfg := webhook.Config{Guard: local, Clock: clock.Now, Sleep: (&fakeSleep{clock: clock}).Sleep, LeaseTTL: 300 * time.Millisecond,
			Timeout: time.Minute, Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}
		burst(t, db, 1, 1)
		a, b := cfg, cfg
		a.Holder, a.Client = "a", &http.Client{Transport: tagged("a")}
		b.Holder, b.Client = "b", &http.Client{Transport: tagged("b")}
		storeA := &renewalCounter{WebhookDeliveryStore: db.WebhookDeliveries}
		stopA := run(t, webhook.New(storeA, a))
		eventually(t, "a's delivery under way", func() bool { return rec.requestCount() == 1 })
		storeB := &watchedStore{WebhookDeliveryStore: db.WebhookDeliveries, refused: make(chan struct{}, 1)}
		run(t, webhook.New(storeB, b))
		// Ten lease periods go by on the test clock, each renewed by a.
		for range 20 {
			n := storeA.commits.Load()
			clock.Advance(150 * time.Millisecond)
			eventually(t, "a's renewal during the delivery", func() bool { return storeA.commits.Load() > n })
		}
		<-storeB.refused
		<-storeB.refused // refused after the clock moved on
		if n := rec.requestCount(); n != 1 {
			t.Fatalf("%d requests while a's delivery was in flight, want 1", n)
		}
		stopA() // gives the lease up: b delivers
		eventually(t, "b's delivery", func() bool { return len(rec.accepted()) == 1 })
		if d := rec.accepted()[0]; d.Deliverer != "b" {
			t.Errorf("delivered by %q, want b", d.Deliverer)
		}
		if rec.concurrent.Load() {
			t.Error("two deliveries to the subscription overlapped")
		}
	})
}

// TestDefaultLeaseTakeover: with the default lease and delivery timeout,
// another process takes over a killed one's subscription once 3 s pass.
func TestDefaultLeaseTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lease and takeover suite; CI runs it")
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		rec := newReceiver(t, clock, func(int, string) int { return 200 })
		rec.subscribe(t, db, crm.EventCustomerCreated)
		cfg := webhook.Config{Guard: local, Clock: clock.Now, Sleep: (&fakeSleep{clock: clock}).Sleep,
			Poll: 5 * time.Millisecond, Rescan: 10 * time.Millisecond}
		a, b := cfg, cfg
		a.Holder, a.Client = "a", &http.Client{Transport: tagged("a")}
		b.Holder, b.Client = "b", &http.Client{Transport: tagged("b")}
		burst(t, db, 1, 1)
		storeA := &watchedStore{WebhookDeliveryStore: deadStore{db.WebhookDeliveries}}
		killA := run(t, webhook.New(storeA, a))
		first := lastEvent(t, db).Position
		// Killed before committing, a's delivery would rightly be made again.
		eventually(t, "a's delivery committed", func() bool { return storeA.committed.Load() >= first })
		killA() // dies holding the lease
		burst(t, db, 2, 1)
		storeB := &watchedStore{WebhookDeliveryStore: db.WebhookDeliveries, refused: make(chan struct{}, 1)}
		run(t, webhook.New(storeB, b))
		<-storeB.refused
		clock.Advance(3*time.Second + time.Millisecond)
		eventually(t, "b's takeover", func() bool { return len(rec.accepted()) == 2 })
		if d := rec.accepted()[1]; d.Deliverer != "b" {
			t.Errorf("delivered by %q, want b", d.Deliverer)
		}
	})
}
