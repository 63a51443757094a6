package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Failure reasons, the label of crm_webhook_delivery_failures_total.
const (
	reasonStatus  = "status"  // the endpoint answered, not 2xx
	reasonTimeout = "timeout" // no answer within the timeout
	reasonNetwork = "network" // no connection, TLS failure, reset...
	reasonBlocked = "blocked" // the guard refused the scheme or the address dialled
)

// Metrics are the dispatcher's Prometheus instruments. A nil *Metrics
// records nothing.
type Metrics struct {
	deliveries  *prometheus.CounterVec
	failures    *prometheus.CounterVec
	deadLetters prometheus.Counter
	latency     prometheus.Histogram
	leases      prometheus.Gauge
}

// NewMetrics creates the dispatcher's instruments and registers them with
// reg. Subscriptions are not a label: their number is unbounded.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crm_webhook_deliveries_total",
			Help: "Events an endpoint accepted (2xx), by kind: feed, or replay of a dead letter."}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crm_webhook_delivery_failures_total",
			Help: "Delivery attempts that failed and will be retried or dead-lettered, by reason: status, timeout, network, blocked (the URL guard refused the address)."}, []string{"reason"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "crm_webhook_dead_letters_total",
			Help: "Events moved to the dead-letter table after the maximum age."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "crm_webhook_delivery_seconds",
			Help: "Time from sending a delivery to the endpoint's answer (every attempt).", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
		leases: prometheus.NewGauge(prometheus.GaugeOpts{Name: "crm_webhook_leases_held",
			Help: "Subscriptions this process is currently the deliverer of."}),
	}
	for _, r := range []string{reasonStatus, reasonTimeout, reasonNetwork, reasonBlocked} {
		m.failures.WithLabelValues(r)
	}
	m.deliveries.WithLabelValues("feed")
	m.deliveries.WithLabelValues("replay")
	reg.MustRegister(m.deliveries, m.failures, m.deadLetters, m.latency, m.leases)
	return m
}

func (m *Metrics) attempt(d time.Duration, kind string, err error) {
	if m == nil {
		return
	}
	m.latency.Observe(d.Seconds())
	if err == nil {
		m.deliveries.WithLabelValues(kind).Inc()
		return
	}
	reason := reasonNetwork
	if de, ok := err.(*deliveryError); ok {
		reason = de.reason
	}
	m.failures.WithLabelValues(reason).Inc()
}

func (m *Metrics) deadLetter() {
	if m != nil {
		m.deadLetters.Inc()
	}
}

func (m *Metrics) leaseHeld(delta float64) {
	if m != nil {
		m.leases.Add(delta)
	}
}
