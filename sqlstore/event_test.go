package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestFeedOrderUnderConcurrency drives concurrent writers at a few
// customers while a consumer follows the feed by cursor, as a relay does.
// The consumer must see every event exactly once and, per customer, the
// sequences 1..n in order. On PostgreSQL this is what the sequencer is for:
// insert positions commit out of order there.
func TestFeedOrderUnderConcurrency(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		const customers, writers, patches = 3, 4, 15
		var ids []string
		for i := range customers {
			c, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(100+i)), crm.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				for i := range patches {
					lang := []string{"es", "ca", "en", "eu"}[(w+i)%4]
					p := crm.CustomerPatch{PreferredLanguage: crm.Some(lang)}
					err := db.Customers.UpdateCustomer(ctx, "telco", ids[(w+i)%customers], p, crm.WriteOptions{})
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Errorf("patch: %v", err)
					}
				}
			})
		}
		go func() { wg.Wait(); close(done) }()

		seen := map[string]int64{}
		total := 0
		var cursor int64
		follow := func() {
			evs, err := db.Outbox.Events(context.Background(), "telco", cursor, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Position <= cursor {
					t.Fatalf("position %d not after cursor %d", e.Position, cursor)
				}
				cursor = e.Position
				if e.Sequence != seen[e.AggregateID]+1 {
					t.Fatalf("customer %s: sequence %d after %d", e.AggregateID, e.Sequence, seen[e.AggregateID])
				}
				seen[e.AggregateID] = e.Sequence
				total++
			}
		}
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
				follow()
			}
		}
		for range 200 {
			follow()
		}
		// Patches that set the language already in force change nothing and
		// append no event, so count from the store, not from the calls.
		all, err := db.Outbox.Events(context.Background(), "telco", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(all) || total < customers+1 {
			t.Fatalf("consumer saw %d events, the feed holds %d", total, len(all))
		}
	})
}

// TestLeaseTakeover checks that one holder at a time publishes, that an
// expired lease passes to another holder with the cursor, and that the old
// holder can then no longer move the cursor.
func TestLeaseTakeover(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := context.Background()
		ttl := 5 * time.Second
		step := func(what string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: got %v, want %v", what, got, want)
			}
		}
		cur, ok, err := db.Outbox.AcquireLease(ctx, "nats", "a", ttl)
		step("a acquires", fmt.Sprint(cur, ok, err), "0 true <nil>")
		_, ok, err = db.Outbox.AcquireLease(ctx, "nats", "b", ttl)
		step("b refused while a holds", fmt.Sprint(ok, err), "false <nil>")
		step("a commits", db.Outbox.CommitCursor(ctx, "nats", "a", 42, ttl), nil)
		clock.Advance(4 * time.Second)
		_, ok, _ = db.Outbox.AcquireLease(ctx, "nats", "b", ttl)
		step("b refused: a renewed at commit", ok, false)
		clock.Advance(2 * time.Second)
		cur, ok, err = db.Outbox.AcquireLease(ctx, "nats", "b", ttl)
		step("b takes over with a's cursor", fmt.Sprint(cur, ok, err), "42 true <nil>")
		step("a fenced off", db.Outbox.CommitCursor(ctx, "nats", "a", 50, ttl), crm.ErrLeaseLost)
		step("b commits", db.Outbox.CommitCursor(ctx, "nats", "b", 43, ttl), nil)
		step("b releases", db.Outbox.ReleaseLease(ctx, "nats", "b"), nil)
		cur, ok, _ = db.Outbox.AcquireLease(ctx, "nats", "a", ttl)
		step("a back at once after release", fmt.Sprint(cur, ok), "43 true")
		_, ok, _ = db.Outbox.AcquireLease(ctx, "webhooks", "b", ttl)
		step("leases are per stream", ok, true)

		if _, err := db.Customers.CreateCustomer(ctxAs("key:1"), "telco", crmtest.Private(crmtest.NIF(7)), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		n, err := db.Outbox.Backlog(ctx, "fresh")
		step("backlog counts unnumbered events", fmt.Sprint(n, err), "1 <nil>")
		if _, err := db.Outbox.Sequence(ctx); err != nil {
			t.Fatal(err)
		}
		evs, _ := db.Outbox.FeedAfter(ctx, 0, 10)
		n, _ = db.Outbox.Backlog(ctx, "fresh")
		step("backlog after numbering", fmt.Sprint(len(evs), n), "1 1")
	})
}

// TestFeedNumbersWaitBehindBacklog: events committed while older ones still
// wait for the sequencer (an import leaves its events so) must not jump
// ahead of them in the feed: per customer the sequences stay in order.
func TestFeedNumbersWaitBehindBacklog(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		ctx := ctxAs("key:1")
		a, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(1)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(context.Background(), "UPDATE events SET feed_seq = NULL"); err != nil {
			t.Fatal(err)
		}
		b, err := db.Customers.CreateCustomer(ctx, "telco", crmtest.Private(crmtest.NIF(2)), crm.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Customers.UpdateCustomer(ctx, "telco", a.ID, crm.CustomerPatch{PreferredLanguage: crm.Some("ca")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		evs, err := db.Outbox.Events(context.Background(), "telco", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, fmt.Sprintf("%s/%d", map[string]string{a.ID: "a", b.ID: "b"}[e.AggregateID], e.Sequence))
		}
		if fmt.Sprint(got) != "[a/1 b/1 a/2]" {
			t.Errorf("feed order %v, want [a/1 b/1 a/2]", got)
		}
		// Once the backlog is gone, new events are numbered after it.
		if err := db.Customers.UpdateCustomer(ctx, "telco", b.ID, crm.CustomerPatch{PreferredLanguage: crm.Some("ca")}, crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		more, err := db.Outbox.Events(context.Background(), "telco", evs[len(evs)-1].Position, 0)
		if err != nil || len(more) != 1 || more[0].AggregateID != b.ID || more[0].Sequence != 2 {
			t.Errorf("after the backlog: %v, %v", more, err)
		}
	})
}
