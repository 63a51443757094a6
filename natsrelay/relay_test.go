package natsrelay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
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

// natsURL returns the JetStream server for tests: CRM_TEST_NATS_URL, or
// the local default. Without a server the test is skipped, except in CI.
func natsConn(t *testing.T) *nats.Conn {
	t.Helper()
	url := os.Getenv("CRM_TEST_NATS_URL")
	if url == "" {
		url = nats.DefaultURL
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS at %s is required when CI=true: %v", url, err)
		}
		t.Skipf("no NATS at %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// stream gives each test a stream and subject prefix of its own and
// deletes it afterwards.
func stream(t *testing.T, nc *nats.Conn) (name, prefix string) {
	id := fmt.Sprintf("%x", rand.Uint64())
	name, prefix = "CRMTEST_"+id, "crmtest"+id
	t.Cleanup(func() {
		js, _ := jetstream.New(nc)
		js.DeleteStream(context.Background(), name)
	})
	return name, prefix
}

func ctxAs() context.Context {
	return crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "req-1",
		Principal: crm.Principal{ID: "key:1", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
}

// burst writes n changes to one customer and returns its id.
func burst(t *testing.T, db *sqlstore.DB, nif, n int) string {
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
	return c.ID
}

// consume reads the whole stream and returns, per aggregate, the sequences
// in stream order.
func consume(t *testing.T, nc *nats.Conn, name string, want int) map[string][]int64 {
	t.Helper()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	for n := 0; n < want; n++ {
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", n, want, err)
		}
		var e crm.Event
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			t.Fatal(err)
		}
		if msg.Subject() != "" && msg.Headers().Get("Nats-Msg-Id") != e.ID {
			t.Errorf("message id %q, want the event id %q", msg.Headers().Get("Nats-Msg-Id"), e.ID)
		}
		got[e.AggregateID] = append(got[e.AggregateID], e.Sequence)
	}
	return got
}

func wantInOrder(t *testing.T, got map[string][]int64, ids map[string]int) {
	t.Helper()
	for id, n := range ids {
		seqs := got[id]
		if len(seqs) != n {
			t.Errorf("customer %s: %d events on the stream, want %d: %v", id, len(seqs), n, seqs)
			continue
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Errorf("customer %s: stream order %v, want 1..%d", id, seqs, n)
				break
			}
		}
	}
}

func TestRelayPublishesInOrderOnce(t *testing.T) {
	nc := natsConn(t)
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		name, prefix := stream(t, nc)
		ids := map[string]int{burst(t, db, 1, 30): 30, burst(t, db, 2, 5): 5}
		r, err := natsrelay.New(t.Context(), db.Outbox, nc, natsrelay.Config{Stream: name, SubjectPrefix: prefix, Holder: "a", Poll: 10 * time.Millisecond, Batch: 7})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { r.Run(ctx) })
		// Writes keep coming while the relay runs.
		ids[burst(t, db, 3, 12)] = 12
		got := consume(t, nc, name, 47)
		cancel()
		wg.Wait()
		wantInOrder(t, got, ids)

		js, _ := jetstream.New(nc)
		s, _ := js.Stream(t.Context(), name)
		info, _ := s.Info(t.Context())
		if info.State.Msgs != 47 {
			t.Errorf("stream holds %d messages, want 47", info.State.Msgs)
		}
		subj, _ := js.Stream(t.Context(), name)
		m, err := subj.GetLastMsgForSubject(t.Context(), prefix+".telco.customer.updated")
		if err != nil || m == nil {
			t.Errorf("no message on %s.telco.customer.updated: %v", prefix, err)
		}
		if n, _ := db.Outbox.Backlog(t.Context(), natsrelay.LeaseName); n != 0 {
			t.Errorf("backlog %d after the relay caught up", n)
		}
	})
}

// deadOutbox makes a relay die the hard way: its lease is never released,
// as when the process is killed.
type deadOutbox struct{ crm.Outbox }

func (deadOutbox) ReleaseLease(context.Context, string, string) error { return nil }

// watchedOutbox reports each refused lease attempt.
type watchedOutbox struct {
	crm.Outbox
	refused chan struct{}
}

func (w watchedOutbox) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error) {
	c, ok, err := w.Outbox.AcquireLease(ctx, name, holder, ttl)
	if err == nil && !ok {
		select {
		case w.refused <- struct{}{}:
		default:
		}
	}
	return c, ok, err
}

func TestRelayTakeoverAfterDeath(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out a relay lease in real time; CI runs it")
	}
	nc := natsConn(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			clock := crmtest.NewClock(sqltest.Start)
			db := sqltest.Open(t, e, clock.Now)
			name, prefix := stream(t, nc)
			cfg := natsrelay.Config{Stream: name, SubjectPrefix: prefix, Poll: 10 * time.Millisecond, LeaseTTL: 5 * time.Second}

			ids := map[string]int{burst(t, db, 1, 10): 10}
			cfg.Holder = "a"
			a, err := natsrelay.New(t.Context(), deadOutbox{db.Outbox}, nc, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Holder = "b"
			refused := make(chan struct{})
			b, err := natsrelay.New(t.Context(), watchedOutbox{db.Outbox, refused}, nc, cfg)
			if err != nil {
				t.Fatal(err)
			}
			actx, kill := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			wg.Go(func() { a.Run(actx) })
			consume(t, nc, name, 10) // a is the publisher now
			bctx, stop := context.WithCancel(t.Context())
			defer stop()
			wg.Go(func() { b.Run(bctx) })
			kill() // a dies holding the lease

			ids[burst(t, db, 2, 8)] = 8
			// b is refused while a's lease is valid, then takes over.
			<-refused
			if n, _ := db.Outbox.Backlog(t.Context(), natsrelay.LeaseName); n == 0 {
				t.Fatal("b published while a's lease was still valid")
			}
			clock.Advance(6 * time.Second)
			got := consume(t, nc, name, 18)
			stop()
			wg.Wait()
			wantInOrder(t, got, ids)
		})
	}
}

// TestRelayStreamReplicas: the stream is created with the configured
// number of copies, one by default; a single server refuses three, which
// shows the setting reaches JetStream rather than being dropped.
func TestRelayStreamReplicas(t *testing.T) {
	nc := natsConn(t)
	js, _ := jetstream.New(nc)
	clustered := nc.ConnectedClusterName() != ""
	for _, tc := range []struct {
		replicas, want int
		err            bool
	}{
		{replicas: 0, want: 1},
		{replicas: 1, want: 1},
		{replicas: 3, want: 3, err: !clustered},
	} {
		name, prefix := stream(t, nc)
		_, err := natsrelay.New(t.Context(), nil, nc, natsrelay.Config{Stream: name, SubjectPrefix: prefix, Replicas: tc.replicas})
		if tc.err {
			if err == nil {
				t.Errorf("replicas %d on a single server: created, want refused", tc.replicas)
			}
			continue
		}
		if err != nil {
			t.Fatalf("replicas %d: %v", tc.replicas, err)
		}
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.CachedInfo().Config.Replicas; got != tc.want {
			t.Errorf("replicas %d: stream has %d copies, want %d", tc.replicas, got, tc.want)
		}
	}
}
