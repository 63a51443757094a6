package natsrelay

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the relay's Prometheus instruments. A nil *Metrics records
// nothing.
type Metrics struct {
	backlog   prometheus.Gauge
	leader    prometheus.Gauge
	latency   prometheus.Histogram
	published prometheus.Counter
	failures  prometheus.Counter
}

// NewMetrics creates the relay's instruments and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "crm_relay_backlog_events",
			Help: "Committed events not yet published to NATS (as of the relay's last read).", ConstLabels: prometheus.Labels{"relay": "nats"}}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "crm_relay_leader",
			Help: "1 while this process holds the relay lease.", ConstLabels: prometheus.Labels{"relay": "nats"}}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "crm_relay_publish_seconds",
			Help: "Time from publish to JetStream acknowledgement.", ConstLabels: prometheus.Labels{"relay": "nats"},
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "crm_relay_published_total",
			Help: "Events acknowledged by JetStream.", ConstLabels: prometheus.Labels{"relay": "nats"}}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "crm_relay_publish_failures_total",
			Help: "Publishes that failed or timed out (retried).", ConstLabels: prometheus.Labels{"relay": "nats"}}),
	}
	reg.MustRegister(m.backlog, m.leader, m.latency, m.published, m.failures)
	return m
}

func (m *Metrics) observe(d time.Duration, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.failures.Inc()
		return
	}
	m.latency.Observe(d.Seconds())
	m.published.Inc()
}

func (m *Metrics) setBacklog(n int64) {
	if m != nil {
		m.backlog.Set(float64(n))
	}
}

func (m *Metrics) setLeader(on bool) {
	if m == nil {
		return
	}
	if on {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}
