package prom

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telcoops/crm"
)

// outboxTimeout bounds the outbox read of one scrape: a database too busy
// to answer in time leaves those two series out of that scrape.
const outboxTimeout = time.Second

// DBSource is what the collector reads at each scrape.
type DBSource struct {
	Pools  func() []crm.PoolStats
	Outbox func(ctx context.Context) (crm.OutboxStatus, error)
	Clock  crm.Clock
	Logger *slog.Logger
}

// dbCollector turns DBSource into metrics when Prometheus scrapes.
type dbCollector struct {
	src                                 DBSource
	inUse, idle, open, max, waits, wait *prometheus.Desc
	backlog, lag                        *prometheus.Desc
}

// RegisterDB registers the database pool and outbox metrics with reg.
func RegisterDB(reg prometheus.Registerer, src DBSource) {
	pool := []string{"pool"}
	desc := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	reg.MustRegister(&dbCollector{src: src,
		inUse: desc("crm_db_connections_in_use", "Connections of the pool running a statement or transaction.", pool),
		idle:  desc("crm_db_connections_idle", "Open connections of the pool waiting for work.", pool),
		open:  desc("crm_db_connections_open", "Open connections of the pool, in use or idle.", pool),
		max:   desc("crm_db_connections_max", "The pool's bound on open connections (0: none).", pool),
		waits: desc("crm_db_connection_waits_total", "Times work waited for a connection of the pool because all were in use.", pool),
		wait:  desc("crm_db_connection_wait_seconds_total", "Time work spent waiting for a connection of the pool.", pool),
		backlog: desc("crm_outbox_backlog_events",
			"Events committed but not yet on the feed (not yet numbered), so not yet readable by feed clients, webhooks or the relay.", nil),
		lag: desc("crm_outbox_feed_lag_seconds",
			"Age of the oldest event committed but not yet on the feed; 0 when none waits.", nil),
	})
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.inUse, c.idle, c.open, c.max, c.waits, c.wait, c.backlog, c.lag} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.src.Pools() {
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(p.InUse), p.Pool)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(p.Idle), p.Pool)
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(p.Open), p.Pool)
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(p.MaxOpen), p.Pool)
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(p.WaitCount), p.Pool)
		ch <- prometheus.MustNewConstMetric(c.wait, prometheus.CounterValue, p.WaitDuration.Seconds(), p.Pool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	st, err := c.src.Outbox(ctx)
	if err != nil {
		c.src.Logger.Warn("metrics: reading the outbox status failed", "error", err.Error())
		return
	}
	lag := 0.0
	if !st.OldestPending.IsZero() {
		lag = max(c.src.Clock().Sub(st.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag)
}
