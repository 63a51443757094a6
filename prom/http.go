// Package prom exposes the service's own figures to Prometheus: the HTTP
// requests of every surface, the database pools and the outbox, beside
// the metrics the webhook dispatcher and the NATS relay define. Request
// instruments are resolved once per route; the database is read only
// when Prometheus scrapes.
package prom

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// durationBuckets fit requests that take from a fraction of a millisecond
// (a cached read) to seconds (an upload, a busy database).
var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// HTTP holds the request instruments of every surface.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP creates the request instruments and registers them with reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crm_http_requests_total",
			Help: "Answered requests by surface (v4, products, ops), route pattern, method and status."},
			[]string{"surface", "route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "crm_http_request_duration_seconds",
			Help: "Time from a request's arrival to its answer, by surface, route pattern and method.", Buckets: durationBuckets},
			[]string{"surface", "route", "method"}),
	}
	reg.MustRegister(h.requests, h.duration)
	return h
}

// Route returns what records the requests of one route (an
// httpapi.ObserveRoute). Its series appear with the route's first
// request, so that a scrape lists the routes in use, not all of them.
func (h *HTTP) Route(surface, method, route string) func(status int, elapsed time.Duration) {
	r := &routeInstruments{h: h, labels: prometheus.Labels{"surface": surface, "route": route, "method": method}}
	return r.observe
}

// routeInstruments are one route's children of the vectors.
type routeInstruments struct {
	h        *HTTP
	labels   prometheus.Labels
	once     sync.Once
	duration prometheus.Observer
	byStatus *prometheus.CounterVec // curried with the route's labels
	// statuses are the route's counters by status so far: a few, scanned
	// without a lock or an allocation, replaced whole under mu when a
	// status is new.
	statuses atomic.Pointer[[]statusCounter]
	mu       sync.Mutex
}

type statusCounter struct {
	status int
	c      prometheus.Counter
}

func (r *routeInstruments) observe(status int, elapsed time.Duration) {
	r.once.Do(func() {
		r.duration = r.h.duration.With(r.labels)
		r.byStatus = r.h.requests.MustCurryWith(r.labels)
	})
	r.duration.Observe(elapsed.Seconds())
	r.counter(status).Inc()
}

// counter returns the route's counter of status, creating it once.
func (r *routeInstruments) counter(status int) prometheus.Counter {
	if p := r.statuses.Load(); p != nil {
		for _, s := range *p {
			if s.status == status {
				return s.c
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var old []statusCounter
	if p := r.statuses.Load(); p != nil {
		old = *p
	}
	for _, s := range old {
		if s.status == status {
			return s.c
		}
	}
	c := r.byStatus.WithLabelValues(strconv.Itoa(status))
	next := append(append(make([]statusCounter, 0, len(old)+1), old...), statusCounter{status, c})
	r.statuses.Store(&next)
	return c
}
