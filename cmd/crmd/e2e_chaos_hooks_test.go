package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telcoops/crm/webhook"
)

// chaosHooks receives the webhooks of several subscriptions, one path
// each (/hook/<name>), verifies their signatures and records, per
// subscription, the events in arrival order. It also records deliveries
// that overlap: of one event while the same event is still being received
// (two instances delivering it at once), and of any two events of one
// subscription at once, which a single lease holder never does since it
// delivers one at a time.
type chaosHooks struct {
	srv *httptest.Server

	mu          sync.Mutex
	secrets     map[string]string
	got         map[string][]feedEvent
	inFlight    map[string]int // per subscription
	inFlightEv  map[string]int // per subscription and event id
	overlapSub  int
	overlapSame int
	bad         int
	last        time.Time
}

func newChaosHooks(t *testing.T) *chaosHooks {
	h := &chaosHooks{secrets: map[string]string{}, got: map[string][]feedEvent{},
		inFlight: map[string]int{}, inFlightEv: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

// url is where subscription name delivers.
func (h *chaosHooks) url(name string) string { return h.srv.URL + "/hook/" + name }

// expect sets the secret that subscription name signs with.
func (h *chaosHooks) expect(name, secret string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets[name] = secret
}

func (h *chaosHooks) serve(w http.ResponseWriter, req *http.Request) {
	name := strings.TrimPrefix(req.URL.Path, "/hook/")
	id := req.Header.Get(webhook.HeaderEventID)
	key := name + " " + id
	h.mu.Lock()
	secret, known := h.secrets[name]
	h.inFlight[name]++
	h.inFlightEv[key]++
	if h.inFlight[name] > 1 {
		h.overlapSub++
	}
	if h.inFlightEv[key] > 1 {
		h.overlapSame++
	}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight[name]--
		h.inFlightEv[key]--
		h.mu.Unlock()
	}()
	body, _ := io.ReadAll(req.Body)
	if !known {
		w.WriteHeader(http.StatusServiceUnavailable) // created, secret not yet known: retried
		return
	}
	var e feedEvent
	if webhook.Verify(secret, req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute) != nil ||
		json.Unmarshal(body, &e) != nil || e.ID != id {
		h.mu.Lock()
		h.bad++
		h.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	// A receiver that takes a moment, so that a second delivery of the
	// same subscription would meet this one in flight.
	time.Sleep(time.Millisecond)
	h.mu.Lock()
	h.got[name] = append(h.got[name], e)
	h.last = time.Now()
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// distinct returns subscription name's events in first-arrival order
// without repeats, and how many deliveries it received in all.
func (h *chaosHooks) distinct(name string) ([]feedEvent, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	var out []feedEvent
	for _, e := range h.got[name] {
		if !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	return out, len(h.got[name])
}

// waitAll waits until subscription name has received every event of want,
// or a minute has passed since the last delivery to any subscription.
func (h *chaosHooks) waitAll(name string, want []feedEvent) {
	start := time.Now()
	for {
		got, _ := h.distinct(name)
		have := map[string]bool{}
		for _, e := range got {
			have[e.ID] = true
		}
		missing := 0
		for _, e := range want {
			if !have[e.ID] {
				missing++
			}
		}
		h.mu.Lock()
		idle := time.Since(h.last)
		if h.last.Before(start) {
			idle = time.Since(start)
		}
		h.mu.Unlock()
		if missing == 0 || idle > time.Minute {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
