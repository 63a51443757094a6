// Package webhook delivers the outbox to the orgs' webhook subscriptions:
// every event of a subscribed type, POSTed as the feed holds it, signed
// with the subscription's secret, strictly in feed order, at least once.
//
// A Dispatcher runs one worker per subscription, so a slow or dead
// endpoint delays only its own subscription. Each worker holds the lease
// "webhook:<subscription id>" in the outbox, which also keeps its cursor:
// several service instances may run a dispatcher on one database, one
// delivers to a subscription at a time, and another takes over within a
// lease period when it dies. The lease is renewed while a delivery is in
// flight, so its period (3 s by default) need not outlast the delivery
// timeout. A failed delivery is retried with exponential
// backoff and full jitter; after the maximum age the event goes to the
// dead-letter table and the worker moves on. Replayed dead letters are
// redelivered before the worker goes on with the feed.
package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/telcoops/crm"
)

// Config tunes a Dispatcher. Zero values take the defaults.
type Config struct {
	Logger *slog.Logger
	Clock  crm.Clock // default crm.SystemClock
	// Sleep waits d, or until ctx ends (then it returns ctx's error). Every
	// backoff goes through it, so tests replace it and never wait for real.
	// Default: a timer. Idle polling (Poll, Rescan) uses plain timers.
	Sleep       func(ctx context.Context, d time.Duration) error
	MaxAge      time.Duration // since an event's first attempt, before it is dead-lettered (default 24h)
	BackoffBase time.Duration // first retry ceiling (default 1s)
	BackoffCap  time.Duration // retry ceiling (default 5m)
	Timeout     time.Duration // per delivery (default 10s)
	Metrics     *Metrics      // nil: no metrics
	Holder      string        // this process's lease holder id (default a random one)
	// LeaseTTL is how soon another process takes over a dead one's
	// subscriptions (default 3s). A worker renews it every third of it,
	// also while it waits for an endpoint.
	LeaseTTL time.Duration
	Poll     time.Duration // idle wait between reads of the feed (default 1s, at most LeaseTTL/3)
	Rescan   time.Duration // how often subscriptions are listed (default 5s)
	Batch    int           // events per read (default 100)
	// Guard says where deliveries may go; it is checked on the address
	// each delivery dials. The zero value is the strict default.
	Guard crm.WebhookURLGuard
	// Client sends the deliveries (default: one that dials only what
	// Guard allows, through no proxy, and follows no redirects, so that a
	// 3xx counts as a failure). Tests set their own.
	Client *http.Client
}

// Dispatcher delivers the outbox to every active subscription.
type Dispatcher struct {
	store crm.WebhookDeliveryStore
	cfg   Config
	log   *slog.Logger
}

// New returns a dispatcher reading store.
func New(store crm.WebhookDeliveryStore, cfg Config) *Dispatcher {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = crm.SystemClock
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Second
	}
	if cfg.BackoffCap <= 0 {
		cfg.BackoffCap = 5 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Holder == "" {
		cfg.Holder = fmt.Sprintf("webhook-%016x", rand.Uint64())
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 3 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	// An idle worker renews its lease when it polls.
	cfg.Poll = max(min(cfg.Poll, cfg.LeaseTTL/3), time.Millisecond)
	if cfg.Rescan <= 0 {
		cfg.Rescan = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Client == nil {
		cfg.Client = newClient(cfg.Guard)
	}
	return &Dispatcher{store: store, cfg: cfg, log: cfg.Logger.With("component", "webhook", "holder", cfg.Holder)}
}

// Run delivers until ctx ends: every Rescan it lists the subscriptions,
// starts a worker for each new one and stops those of deleted ones; every
// Poll it numbers newly committed events (Outbox.Sequence). When
// ctx ends it stops every worker, each giving its lease up, and returns
// nil. Errors are logged and retried.
func (d *Dispatcher) Run(ctx context.Context) error {
	workers := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range workers {
			stop()
		}
		wg.Wait()
	}()
	// One sequencer per process numbers new events for every worker, which
	// then only read.
	wg.Go(func() {
		for {
			if _, err := d.store.Sequence(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("sequencing the outbox failed", "err", err)
			}
			if !wait(ctx, d.cfg.Poll) {
				return
			}
		}
	})
	for {
		subs, err := d.store.ActiveWebhooks(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("listing webhook subscriptions failed", "err", err)
		}
		if err == nil {
			active := map[string]bool{}
			for _, s := range subs {
				active[s.ID] = true
				if _, ok := workers[s.ID]; ok {
					continue
				}
				wctx, stop := context.WithCancel(ctx)
				workers[s.ID] = stop
				w := newWorker(d, s)
				wg.Go(func() { w.run(wctx) })
			}
			for id, stop := range workers {
				if !active[id] {
					stop()
					delete(workers, id)
				}
			}
		}
		if !wait(ctx, d.cfg.Rescan) {
			return nil
		}
	}
}

// sleep is the default Config.Sleep.
func sleep(ctx context.Context, d time.Duration) error {
	if !wait(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// wait waits d on a real timer; false when ctx ended first.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
