package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/natsrelay"
	"github.com/telcoops/crm/webhook"
)

// eventsConfig configures what carries the outbox out of the process.
type eventsConfig struct {
	natsURL        string
	natsStream     string
	subjectPrefix  string
	natsReplicas   int
	leaseTTL       time.Duration
	webhookMaxAge  time.Duration
	webhookTimeout time.Duration
	webhookLease   time.Duration
	webhookGuard   crm.WebhookURLGuard
}

func eventFlags(fs *flag.FlagSet, c *eventsConfig) {
	fs.StringVar(&c.natsURL, "nats-url", "",
		"NATS server to relay events to through JetStream; empty: no relay (env CRM_NATS_URL)")
	fs.StringVar(&c.natsStream, "nats-stream", "CRM_EVENTS",
		"JetStream stream the relay publishes to, created if missing (env CRM_NATS_STREAM)")
	fs.StringVar(&c.subjectPrefix, "nats-subject-prefix", "crm",
		"subjects are <prefix>.<org>.<event type> (env CRM_NATS_SUBJECT_PREFIX)")
	fs.IntVar(&c.natsReplicas, "nats-replicas", 1,
		"copies of the stream JetStream keeps, 1 to 5; 3 in a three-node cluster survives the loss of a node (env CRM_NATS_REPLICAS)")
	fs.DurationVar(&c.leaseTTL, "relay-lease", 5*time.Second,
		"how long a relay's lease lasts; another instance takes over this long after one dies (env CRM_RELAY_LEASE)")
	fs.DurationVar(&c.webhookMaxAge, "webhook-max-age", 24*time.Hour,
		"how long a webhook delivery is retried before it goes to the dead letters (env CRM_WEBHOOK_MAX_AGE)")
	fs.DurationVar(&c.webhookTimeout, "webhook-timeout", 10*time.Second,
		"timeout of one webhook delivery (env CRM_WEBHOOK_TIMEOUT)")
	fs.DurationVar(&c.webhookLease, "webhook-lease", 3*time.Second,
		"how long a webhook worker's lease lasts, renewed while it delivers; another instance takes over this long after one dies (env CRM_WEBHOOK_LEASE)")
	fs.BoolVar(&c.webhookGuard.AllowPrivate, "webhook-allow-private", false,
		"let webhooks use http and reach loopback, private, link-local and metadata addresses, for receivers on your own network (env CRM_WEBHOOK_ALLOW_PRIVATE)")
	fs.Func("webhook-allow-cidrs", "comma-separated address ranges webhooks may reach although internal, https only (env CRM_WEBHOOK_ALLOW_CIDRS)",
		func(s string) (err error) {
			c.webhookGuard.AllowCIDRs, err = crm.ParseCIDRList(s)
			return err
		})
}

// check refuses the settings the dispatcher and the relay cannot work
// with. A NATS server that is down is waited for; a NATS URL that is not
// one would only be logged, with the events piling up unseen.
func (c *eventsConfig) check() error {
	var errs []error
	if c.webhookLease < time.Second {
		errs = append(errs, fmt.Errorf("--webhook-lease (env CRM_WEBHOOK_LEASE) %v: must be at least 1s", c.webhookLease))
	}
	if c.natsURL != "" {
		for part := range strings.SplitSeq(c.natsURL, ",") {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, "://") {
				part = "nats://" + part
			}
			u, err := url.Parse(part)
			if err != nil || u.Host == "" || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, u.Scheme) {
				// Not repeated: the URL may hold a password.
				errs = append(errs, errors.New("--nats-url (env CRM_NATS_URL): want nats://host:port, or several separated by commas"))
				break
			}
		}
	}
	if c.natsStream == "" || strings.ContainsAny(c.natsStream, " \t\r\n.*>/\\") {
		errs = append(errs, fmt.Errorf("--nats-stream (env CRM_NATS_STREAM) %q: want a JetStream stream name, without spaces, dots, * or >", c.natsStream))
	}
	if c.natsReplicas < 1 || c.natsReplicas > 5 {
		errs = append(errs, fmt.Errorf("--nats-replicas (env CRM_NATS_REPLICAS) %d: want 1 to 5 (JetStream's limit)", c.natsReplicas))
	}
	for token := range strings.SplitSeq(c.subjectPrefix, ".") {
		if token == "" || strings.ContainsAny(token, " \t\r\n*>") {
			errs = append(errs, fmt.Errorf("--nats-subject-prefix (env CRM_NATS_SUBJECT_PREFIX) %q: want dot-separated words without spaces, * or >", c.subjectPrefix))
			break
		}
	}
	return errors.Join(errs...)
}

// newMetrics returns the process's registry, with the Go runtime and
// process collectors, and its HTTP handler. serve adds the requests, the
// database and the publishers' instruments.
func newMetrics() (*prometheus.Registry, http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// startRelays starts the webhook dispatcher and the event relays the
// config asks for, and returns a function that stops them and waits until
// they have given up their leases. A NATS server that is down at start is
// retried in the background: the service serves meanwhile, and events wait
// in the outbox.
func startRelays(ctx context.Context, c eventsConfig, store crm.WebhookDeliveryStore, reg prometheus.Registerer, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	hooks := webhook.New(store, webhook.Config{Logger: log.With("component", "webhooks"), Clock: crm.SystemClock,
		MaxAge: c.webhookMaxAge, Timeout: c.webhookTimeout, LeaseTTL: c.webhookLease, Guard: c.webhookGuard,
		Metrics: webhook.NewMetrics(reg)})
	wg.Go(func() { hooks.Run(ctx) })
	// Registered without NATS too, at zero: dashboards and alerts find
	// the series on every instance.
	metrics := natsrelay.NewMetrics(reg)
	if c.natsURL != "" {
		wg.Go(func() { runNATSRelay(ctx, c, store, metrics, log) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

func runNATSRelay(ctx context.Context, c eventsConfig, outbox crm.Outbox, metrics *natsrelay.Metrics, log *slog.Logger) {
	log = log.With("component", "natsrelay")
	nc, err := nats.Connect(c.natsURL, nats.Name("crmd"), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		log.Error("nats connect", "url", c.natsURL, "error", err.Error())
		return
	}
	defer nc.Close()
	backoff := time.Second
	for ctx.Err() == nil {
		r, err := natsrelay.New(ctx, outbox, nc, natsrelay.Config{Stream: c.natsStream, SubjectPrefix: c.subjectPrefix,
			Replicas: c.natsReplicas, LeaseTTL: c.leaseTTL, Logger: log, Metrics: metrics})
		if err == nil {
			log.Info("relaying events to NATS JetStream", "url", c.natsURL, "stream", c.natsStream)
			r.Run(ctx)
			return
		}
		log.Warn("nats relay not ready; retrying", "error", err.Error(), "retry_in", backoff.String())
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}
