package sqlstore

import (
	"context"
	"hash/fnv"
	"log/slog"
	"testing"
	"time"

	"github.com/telcoops/crm"
)

// TestAccessLogFullQueue: while the writer cannot keep up (here: none
// runs), RecordAccess waits FullWait for room, then refuses with
// EUNAVAILABLE; what it accepted is queued, nothing is dropped.
func TestAccessLogFullQueue(t *testing.T) {
	l := &AccessLog{log: slog.New(slog.DiscardHandler), queue: make(chan crm.AccessLogEntry, 3),
		closing: make(chan struct{}), fullWait: 20 * time.Millisecond}
	ctx := context.Background()
	for i := range 3 {
		if err := l.RecordAccess(ctx, crm.AccessLogEntry{OrgID: "telco", CustomerID: "c"}); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	start := time.Now()
	err := l.RecordAccess(ctx, crm.AccessLogEntry{OrgID: "telco", CustomerID: "c"})
	if crm.ErrorCodeOf(err) != crm.EUNAVAILABLE {
		t.Fatalf("full queue: %v, want unavailable", err)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("refused after %v, before FullWait", waited)
	}
	if len(l.queue) != 3 {
		t.Errorf("queue holds %d, want the 3 accepted", len(l.queue))
	}
	// Room made while it waits lets it through.
	go func() { time.Sleep(5 * time.Millisecond); <-l.queue }()
	l.fullWait = time.Second
	if err := l.RecordAccess(ctx, crm.AccessLogEntry{OrgID: "telco", CustomerID: "c"}); err != nil {
		t.Errorf("room made while waiting: %v", err)
	}
}

// TestCustomerHashIsFNV: the index's key is FNV-1a of 64 bits, as
// migration 0022 says and stored entries hold: it must never change.
func TestCustomerHashIsFNV(t *testing.T) {
	for _, id := range []string{"", "c", "0198f3a2-6f1e-7c3b-9d2a-5b7e1c0f4a21"} {
		h := fnv.New64a()
		h.Write([]byte(id))
		if got, want := customerHash(id), int64(h.Sum64()); got != want {
			t.Errorf("customerHash(%q) = %d, want FNV-1a %d", id, got, want)
		}
	}
}
