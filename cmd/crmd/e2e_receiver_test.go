package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telcoops/crm/webhook"
)

// receiver is a webhook endpoint for the end-to-end tests: it verifies
// each delivery's signature and records the events in arrival order.
type receiver struct {
	srv           *httptest.Server
	secret        atomic.Pointer[string]
	badSignatures atomic.Int64
	mu            sync.Mutex
	got           []feedEvent
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		secret := r.secret.Load()
		if secret == nil {
			w.WriteHeader(http.StatusServiceUnavailable) // not ready: the service retries
			return
		}
		if err := webhook.Verify(*secret, req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			r.badSignatures.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e feedEvent
		if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get(webhook.HeaderEventID) {
			r.badSignatures.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, e)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// wait returns the distinct events delivered, in first-arrival order, once
// every customer event of feed has arrived (bounded: it fails the test
// after a minute).
func (r *receiver) wait(t *testing.T, feed []feedEvent) []feedEvent {
	want := map[string]bool{}
	for _, e := range feed {
		want[e.ID] = true
	}
	deadline := time.Now().Add(time.Minute)
	for {
		r.mu.Lock()
		var out []feedEvent
		seen := map[string]bool{}
		missing := len(want)
		for _, e := range r.got {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			out = append(out, e)
			if want[e.ID] {
				missing--
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return out
		}
		if time.Now().After(deadline) {
			t.Errorf("the webhook receiver lacks %d of %d events", missing, len(want))
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}
