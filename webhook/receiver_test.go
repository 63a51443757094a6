package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/webhook"
)

// local lets deliveries reach the test receivers, on 127.0.0.1 over http.
var local = crm.WebhookURLGuard{AllowPrivate: true}

func ctxAs() context.Context {
	return crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "req-1",
		Principal: crm.Principal{ID: "key:1", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
}

// delivery is one request a receiver accepted.
type delivery struct {
	Body      []byte
	Header    http.Header
	SigOK     bool   // the signature verified with the documented recipe
	Deliverer string // the X-Test-Dispatcher the test client set
}

// receiver is a webhook endpoint. answer decides the status of the n-th
// request (from 0) for an event; 0 means hang until released.
type receiver struct {
	srv     *httptest.Server
	clock   *crmtest.Clock
	secret  atomic.Pointer[string]
	answer  func(n int, eventID string) int
	release chan struct{}

	mu       sync.Mutex
	requests int
	got      []delivery

	inflight   atomic.Int32
	concurrent atomic.Bool
}

func newReceiver(t *testing.T, clock *crmtest.Clock, answer func(n int, eventID string) int) *receiver {
	r := &receiver{clock: clock, answer: answer, release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		close(r.release)
		r.srv.Close()
	})
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	if r.inflight.Add(1) > 1 {
		r.concurrent.Store(true)
	}
	defer r.inflight.Add(-1)
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := r.requests
	r.requests++
	r.mu.Unlock()
	status := r.answer(n, req.Header.Get(webhook.HeaderEventID))
	if status == 0 {
		select {
		case <-req.Context().Done():
		case <-r.release:
		}
		return
	}
	// A little work widens the window in which a second deliverer would
	// show up as a concurrent request.
	time.Sleep(time.Millisecond)
	if status >= 200 && status < 300 {
		secret := ""
		if s := r.secret.Load(); s != nil {
			secret = *s
		}
		ok := verify(secret, req.Header.Get(webhook.HeaderSignature), body, r.clock.Now())
		r.mu.Lock()
		r.got = append(r.got, delivery{Body: body, Header: req.Header.Clone(), SigOK: ok, Deliverer: req.Header.Get("X-Test-Dispatcher")})
		r.mu.Unlock()
	}
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.WriteHeader(status)
}

// subscribe creates a subscription of org telco to this receiver.
func (r *receiver) subscribe(t *testing.T, db *sqlstore.DB, types ...string) *crm.Webhook {
	t.Helper()
	w, err := db.Webhooks.CreateWebhook(ctxAs(), "telco", crm.NewWebhook{URL: r.srv.URL + "/hook", EventTypes: types}, crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.secret.Store(&w.Secret)
	return w
}

// accepted returns a copy of the accepted deliveries.
func (r *receiver) accepted() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func (r *receiver) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// eventually polls cond until it holds; deliveries are asynchronous.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fakeSleep advances the test clock instead of waiting, and records the
// waits asked for.
type fakeSleep struct {
	clock *crmtest.Clock
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	f.clock.Advance(d)
	return ctx.Err()
}

// run starts d and returns a function that stops it and waits for it.
func run(t *testing.T, d *webhook.Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// feedFrom returns the org's feed from position from on, as the receiver
// must have got it: the JSON of each event of a wanted type.
func feedFrom(t *testing.T, db *sqlstore.DB, from int64, want func(string) bool) [][]byte {
	t.Helper()
	evs, err := db.Outbox.Events(context.Background(), "telco", from-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, e := range evs {
		if want(e.Type) {
			raw, _ := json.Marshal(e)
			out = append(out, raw)
		}
	}
	return out
}

// lastEvent is the org's newest event.
func lastEvent(t *testing.T, db *sqlstore.DB) crm.Event {
	t.Helper()
	evs, err := db.Outbox.Events(context.Background(), "telco", 0, 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	return evs[len(evs)-1]
}

// burst writes n changes to a new customer (one created, n-1 updated).
func burst(t *testing.T, db *sqlstore.DB, nif, n int) {
	t.Helper()
	c, err := db.Customers.CreateCustomer(ctxAs(), "telco", crmtest.Private(crmtest.NIF(nif)), crm.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n - 1 {
		lang := []string{"ca", "es"}[i%2]
		if err := db.Customers.UpdateCustomer(ctxAs(), "telco", c.ID, crm.CustomerPatch{PreferredLanguage: crm.Some(lang)}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func isCustomerEvent(typ string) bool {
	return typ == crm.EventCustomerCreated || typ == crm.EventCustomerUpdated
}

// metric reads one sample from reg: the counter or gauge value, or the
// histogram's count, of the series with the given label value ("" for
// none).
func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	t.Fatalf("no metric %s{%s}", name, label)
	return 0
}
