package prom_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/prom"
)

// exposition scrapes reg and returns its crm_ sample lines.
func exposition(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var out []string
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "crm_") && !strings.Contains(line, "_bucket{") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestHTTPRoute: a route's requests are counted by status and timed,
// from many goroutines at once; a route never requested has no series.
func TestHTTPRoute(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prom.NewHTTP(reg)
	get := h.Route("v4", "GET", "/v4/orgs/{org_id}/customers/{customer_id}")
	h.Route("v4", "DELETE", "/v4/orgs/{org_id}/customers/{customer_id}") // never requested
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				status := 200
				if (i+j)%4 == 0 {
					status = 404
				}
				get(status, 500*time.Millisecond) // exact in binary, so the sum is too
			}
		})
	}
	wg.Wait()
	labels := `method="GET",route="/v4/orgs/{org_id}/customers/{customer_id}",surface="v4"`
	want := []string{
		`crm_http_request_duration_seconds_sum{` + labels + `} 400`,
		`crm_http_request_duration_seconds_count{` + labels + `} 800`,
		`crm_http_requests_total{method="GET",route="/v4/orgs/{org_id}/customers/{customer_id}",status="200",surface="v4"} 600`,
		`crm_http_requests_total{method="GET",route="/v4/orgs/{org_id}/customers/{customer_id}",status="404",surface="v4"} 200`,
	}
	if diff := cmp.Diff(want, exposition(t, reg)); diff != "" {
		t.Errorf("exposition (-want +got):\n%s", diff)
	}
}

// TestDB: the pools and the outbox are read at each scrape; the feed lag
// is the age of the oldest pending event, and an outbox that cannot be
// read leaves its two series out of that scrape, the pools' in.
func TestDB(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	status := crm.OutboxStatus{Pending: 7, OldestPending: now.Add(-90 * time.Second)}
	var outboxErr error
	reg := prometheus.NewRegistry()
	prom.RegisterDB(reg, prom.DBSource{
		Pools: func() []crm.PoolStats {
			return []crm.PoolStats{{Pool: "main", MaxOpen: 32, Open: 5, InUse: 3, Idle: 2, WaitCount: 4, WaitDuration: 1500 * time.Millisecond}}
		},
		Outbox: func(ctx context.Context) (crm.OutboxStatus, error) {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the outbox is read without a deadline")
			}
			return status, outboxErr
		},
		Clock:  func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	pools := []string{
		`crm_db_connection_wait_seconds_total{pool="main"} 1.5`,
		`crm_db_connection_waits_total{pool="main"} 4`,
		`crm_db_connections_idle{pool="main"} 2`,
		`crm_db_connections_in_use{pool="main"} 3`,
		`crm_db_connections_max{pool="main"} 32`,
		`crm_db_connections_open{pool="main"} 5`,
	}
	want := append(pools, `crm_outbox_backlog_events 7`, `crm_outbox_feed_lag_seconds 90`)
	if diff := cmp.Diff(want, exposition(t, reg)); diff != "" {
		t.Errorf("exposition (-want +got):\n%s", diff)
	}
	status = crm.OutboxStatus{}
	want = append(pools, `crm_outbox_backlog_events 0`, `crm_outbox_feed_lag_seconds 0`)
	if diff := cmp.Diff(want, exposition(t, reg)); diff != "" {
		t.Errorf("nothing pending (-want +got):\n%s", diff)
	}
	outboxErr = errors.New("database busy")
	if diff := cmp.Diff(pools, exposition(t, reg)); diff != "" {
		t.Errorf("outbox unreadable (-want +got):\n%s", diff)
	}
}

// BenchmarkRoute is what counting and timing one request costs, from as
// many goroutines as the server runs, beside a request's 30-40 µs of
// server CPU (docs/performance.md):
//
//	go test -run '^$' -bench Route -benchmem ./prom/
func BenchmarkRoute(b *testing.B) {
	observe := prom.NewHTTP(prometheus.NewRegistry()).Route("v4", "GET", "/v4/orgs/{org_id}/customers/{customer_id}")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			observe(200, 300*time.Microsecond)
		}
	})
}
