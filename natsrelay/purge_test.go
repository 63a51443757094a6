package natsrelay_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/natsrelay"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestRelayPurgesErased: once a customer is erased, the stream holds none
// of its messages but the customer.erased event, and another customer's
// messages are all still there.
func TestRelayPurgesErased(t *testing.T) {
	nc := natsConn(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		name, prefix := stream(t, nc)
		erased := burst(t, db, 1, 4)
		kept := burst(t, db, 2, 3)
		r, err := natsrelay.New(t.Context(), db.Outbox, nc, natsrelay.Config{Stream: name, SubjectPrefix: prefix, Holder: "a", Poll: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { r.Run(ctx) })
		consume(t, nc, name, 7)
		if !streamHolds(t, nc, name, crmtest.NIF(1)) {
			t.Fatal("the stream never held the customer's document: the test proves nothing")
		}
		privacy := db.Privacy(db.Identifications(nil))
		if _, err := privacy.EraseCustomer(ctxAs(), "telco", erased, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if n, _ := db.Outbox.Backlog(t.Context(), natsrelay.LeaseName); n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the relay did not publish customer.erased")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		got := consume(t, nc, name, 4)
		if want := []int64{5}; len(got[erased]) != 1 || got[erased][0] != want[0] {
			t.Errorf("erased customer's messages: sequences %v, want only customer.erased (5)", got[erased])
		}
		if len(got[kept]) != 3 {
			t.Errorf("the other customer's messages: sequences %v, want 1..3", got[kept])
		}
		if streamHolds(t, nc, name, crmtest.NIF(1)) {
			t.Error("the stream still holds the erased customer's document number")
		}
	})
}

// streamHolds reports whether a message of the stream contains value.
func streamHolds(t *testing.T, nc *nats.Conn, name, value string) bool {
	t.Helper()
	js, _ := jetstream.New(nc)
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Info(t.Context())
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			continue // deleted
		}
		if bytes.Contains(m.Data, []byte(value)) {
			return true
		}
	}
	return false
}
